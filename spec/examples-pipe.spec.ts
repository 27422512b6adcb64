/**
 * The Pipe examples run as real subprocesses of the runtime running this test, on each backend: a
 * producer's close ends the pipe for the reader (EOF after every message), and a request/response
 * adder answers every pair and ends when the parent closes its end.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mainLines, runExampleOk } from "./fixtures/examples-run.ts"

const backends = ["process", "thread", "fiber"] as const
const timeout = "240 seconds"
const testTimeout = 300_000

const run = (name: string, backend: (typeof backends)[number]) => runExampleOk(name, { backend, timeout })


describe("Pipe examples", () => {
  for (const backend of backends) {
    it.live(`pipe-eof (${backend}): the reader gets every message, then EOFError; both ends end closed`, () =>
      Effect.gen(function*() {
        const ran = yield* run("pipe-eof", backend)
        expect(mainLines(ran)).toEqual([
          ...[0, 1, 2, 3, 4].map((i) => `MainProcess: received "message ${i} from Process-1"`),
          "MainProcess: EOFError after 5 messages",
          "MainProcess: Process-1 sent 5 messages and exited with code 0",
          "MainProcess: reader closed: true, writer closed: true"
        ])
        expect(ran.lines).toContain("Process-1: sent 5 messages and closed its end")
      }), testTimeout)

    it.live(`pipe-adder (${backend}): every sum is right; the adder ends on EOF having answered them all`, () =>
      Effect.gen(function*() {
        const ran = yield* run("pipe-adder", backend)
        expect(mainLines(ran)).toEqual([
          "MainProcess: 1 + 2 = 3",
          "MainProcess: 3 + 4 = 7",
          "MainProcess: 10 + -10 = 0",
          "MainProcess: 0.5 + 0.25 = 0.75",
          "MainProcess: 1000000 + 2000000 = 3000000",
          "MainProcess: Process-1 answered 5 requests and exited with code 0"
        ])
        expect(ran.lines).toContain("Process-1: the other end closed; answered 5 requests")
      }), testTimeout)
  }
})
