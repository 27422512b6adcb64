/**
 * The Queue, JoinableQueue and Value examples run as real subprocesses of the runtime running this
 * test, on each backend: producer/consumer with a sentinel (every item consumed once, each producer's
 * order kept), daemon workers around a JoinableQueue joined by its producers, and a shared counter
 * incremented under its lock.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mainLines, runExampleOk } from "./fixtures/examples-run.ts"

const backends = ["process", "thread", "fiber"] as const
const timeout = "240 seconds"
const testTimeout = 300_000

const run = (name: string, backend: (typeof backends)[number]) => runExampleOk(name, { backend, timeout })

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

describe("Queue examples", () => {
  for (const backend of backends) {
    it.live(`producer-consumer (${backend}): two producers, two consumers, a sentinel each; every item once, in order per producer`, () =>
      Effect.gen(function*() {
        const ran = yield* run("producer-consumer", backend)
        const got = ran.lines.flatMap((line) => {
          const m = /^(consumer-[12]): got (producer-[12])#(\d+)$/.exec(line)
          return m === null ? [] : [{ consumer: m[1]!, producer: m[2]!, i: Number(m[3]) }]
        })
        for (const producer of ["producer-1", "producer-2"]) {
          const items = got.filter((g) => g.producer === producer)
          expect(items.map((g) => g.i).sort((a, b) => a - b)).toEqual(range(10))
          for (const consumer of ["consumer-1", "consumer-2"]) {
            const seen = items.filter((g) => g.consumer === consumer).map((g) => g.i)
            expect(seen).toEqual([...seen].sort((a, b) => a - b))
          }
        }
        const counts = ["consumer-1", "consumer-2"].map((c) => got.filter((g) => g.consumer === c).length)
        expect(ran.lines).toContain(`consumer-1: sentinel after ${counts[0]} items`)
        expect(ran.lines).toContain(`consumer-2: sentinel after ${counts[1]} items`)
        expect(ran.lines).toContain("producer-1: put 10 items")
        expect(ran.lines).toContain("producer-2: put 10 items")
        expect(mainLines(ran)).toEqual([
          `MainProcess: consumer-1 consumed ${counts[0]} items`,
          `MainProcess: consumer-2 consumed ${counts[1]} items`,
          "MainProcess: produced 20, consumed 20, each once: true"
        ])
      }), testTimeout)

    it.live(`joinable-queue (${backend}): producers return from join once all is done; the daemon workers are terminated`, () =>
      Effect.gen(function*() {
        const ran = yield* run("joinable-queue", backend)
        const lines = mainLines(ran)
        expect(lines.slice(0, 2)).toEqual([
          "MainProcess: producers joined; 10 results recorded",
          "MainProcess: queue joined; leaving the scope (the daemon workers are terminated)"
        ])
        const results = lines.slice(2, 12)
        expect(results.map((line) => /^MainProcess: (\d+)\^2 = (\d+) by worker-[123]$/.exec(line)?.slice(1).map(Number)))
          .toEqual(range(10).map((i) => [i + 1, (i + 1) ** 2]))
        expect(lines.slice(12)).toEqual(["MainProcess: worker exit codes -15 -15 -15"])
        expect(ran.lines).toContain("producer-1: put 5 numbers; the queue is joined")
        expect(ran.lines).toContain("producer-2: put 5 numbers; the queue is joined")
      }), testTimeout)

    it.live(`shared-counter (${backend}): 4 processes × 500 locked increments give exactly 2000`, () =>
      Effect.gen(function*() {
        const ran = yield* run("shared-counter", backend)
        expect(mainLines(ran)).toEqual([
          "MainProcess: counter = 2000 (expected 2000)",
          "MainProcess: after one more update: 2001"
        ])
        expect(ran.lines.filter((line) => /^Process-[1-4]: incremented 500 times$/.test(line)).sort()).toEqual(
          [1, 2, 3, 4].map((i) => `Process-${i}: incremented 500 times`)
        )
      }), testTimeout)
  }
})
