/**
 * The Pool examples run as real subprocesses of the runtime running this test, on the pool's default
 * backend (threads) and with `EFFECT_MP_BACKEND` set to the others: `map` in input order, `apply` and
 * `applyAsync` giving the same results, callbacks parsing fetched pages in the parent before `get`
 * returns, an echo server whose pool of 4 serves 4 of 6 clients at once, and a pool against one process
 * per task giving the same results. Durations are printed by the examples, never compared here.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mainLines, runExampleOk } from "./fixtures/examples-run.ts"

/** `undefined`: the example's own default (the pool's: threads). */
const backends = [undefined, "process", "fiber"] as const
type Backend = (typeof backends)[number]
const timeout = "240 seconds"
const testTimeout = 300_000

const run = (name: string, backend: Backend) => runExampleOk(name, backend === undefined ? { timeout } : { backend, timeout })
const label = (backend: Backend) => backend ?? "thread, the default"

const squares = "[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]"
const duration = String.raw`\d+\.\d\d s`

describe("Pool examples", () => {
  for (const backend of backends) {
    const workers = backend ?? "thread"

    it.live(`pool-squares (${label(backend)}): a pool of 5 maps squares over range(10), in order`, () =>
      Effect.gen(function*() {
        const ran = yield* run("pool-squares", backend)
        expect(mainLines(ran)).toEqual([`MainProcess: a pool of 5 ${workers} workers`, `MainProcess: ${squares}`])
      }), testTimeout)

    it.live(`pool-apply-vs-async (${label(backend)}): apply in turn and applyAsync together give the same squares`, () =>
      Effect.gen(function*() {
        const ran = yield* run("pool-apply-vs-async", backend)
        const lines = mainLines(ran)
        expect(lines[0]).toMatch(new RegExp(`^MainProcess: 5 ${workers} workers started and ran a task each in ${duration}$`))
        expect(lines.slice(1, 4)).toEqual([
          "MainProcess: 10 tasks of 200 ms each",
          `MainProcess: apply: ${squares}`,
          `MainProcess: applyAsync: ${squares}`
        ])
        expect(lines[4]).toMatch(new RegExp(`^MainProcess: apply took ${duration} \\(one after another\\)$`))
        expect(lines[5]).toMatch(new RegExp(`^MainProcess: applyAsync took ${duration} \\(5 at a time\\)$`))
        expect(lines).toHaveLength(6)
      }), testTimeout)

    it.live(`pool-pages (${label(backend)}): workers fetch pages, callbacks parse them in the parent, errorCallback for the missing one`, () =>
      Effect.gen(function*() {
        const ran = yield* run("pool-pages", backend)
        const lines = mainLines(ran)
        expect(lines[0]).toMatch(
          new RegExp(`^MainProcess: 5 pages to fetch from http://127\\.0\\.0\\.1:\\d+, a pool of 3 ${workers} workers$`)
        )
        // The callbacks run as the pages arrive, in any order, and all before `get` gives the results.
        const callbacks = lines.slice(1, 6).map((line) => line.replace(/ \(fetched by PoolWorker-\d+\.\d+\)$/, ""))
        expect(callbacks.toSorted()).toEqual([
          `MainProcess: callback: / "Home" has 3 links`,
          `MainProcess: callback: /pipe "Pipes" has 1 link`,
          `MainProcess: callback: /pool "Pool of workers" has 2 links`,
          `MainProcess: callback: /queue "Queues" has 4 links`,
          "MainProcess: errorCallback: /lock: HTTP 404"
        ])
        expect(lines.slice(6)).toEqual(["MainProcess: 4 pages with 10 links, 1 missing", "MainProcess: server closed"])
      }), testTimeout)

    it.live(`pool-echo-server (${label(backend)}): 6 clients, a pool of 4; 2 wait for a free worker, all get their echoes`, () =>
      Effect.gen(function*() {
        const ran = yield* run("pool-echo-server", backend)
        expect(ran.lines[0]).toMatch(
          new RegExp(`^MainProcess: echo server on 127\\.0\\.0\\.1:\\d+, a pool of 4 ${workers} workers$`)
        )
        // Which worker welcomed each client.
        const servedBy = new Map(ran.lines.flatMap((line) => {
          const m = /^client (\d): welcome: (PoolWorker-\d+\.\d+) serves you$/.exec(line)
          return m === null ? [] : [[Number(m[1]), m[2]!] as const]
        }))
        expect(new Set([1, 2, 3, 4].map((n) => servedBy.get(n))).size).toBe(4)
        // The waiting clients get the workers of the first clients that leave.
        expect(servedBy.get(5)).toBe(servedBy.get(1))
        expect(servedBy.get(6)).toBe(servedBy.get(2))

        const welcome = (n: number) => `client ${n}: welcome`
        const echoes = (n: number) => [
          `client ${n}: echo: hello from client ${n}`,
          `client ${n}: echo: bye from client ${n}`,
          `client ${n}: hangs up`
        ]
        expect(ran.lines.slice(1).map((line) => line.replace(/^(client \d: welcome): .*$/, "$1"))).toEqual([
          ...[1, 2, 3, 4, 5, 6].flatMap((n) => [
            `server: connection ${n} accepted, its session submitted to the pool`,
            `client ${n}: connected, sent 2 lines`
          ]),
          ...[1, 2, 3, 4].map(welcome),
          "MainProcess: client 5 waits for a free worker",
          "MainProcess: client 6 waits for a free worker",
          ...echoes(1),
          welcome(5),
          ...echoes(2),
          welcome(6),
          ...[3, 4, 5, 6].flatMap(echoes),
          "MainProcess: the sessions echoed 2, 2, 2, 2, 2, 2 lines"
        ])
      }), testTimeout)

    it.live(`pool-vs-processes (${label(backend)}): a pool and one process per task give the same results`, () =>
      Effect.gen(function*() {
        const ran = yield* run("pool-vs-processes", backend)
        const lines = mainLines(ran)
        expect(lines[0]).toBe(`MainProcess: 100 tasks on the ${workers} backend, 4 at a time`)
        const pooled = /^MainProcess: pool of 4: (\d+) steps$/.exec(lines[1] ?? "")?.[1]
        const spawned = /^MainProcess: one process per task: (\d+) steps$/.exec(lines[2] ?? "")?.[1]
        // The Collatz steps of 1 to 100,000.
        expect(pooled, lines.join("\n")).toBe("10753840")
        expect(spawned).toBe(pooled)
        expect(lines[3]).toBe("MainProcess: the same results: true")
        expect(lines[4]).toMatch(new RegExp(`^MainProcess: pool ${duration}, one process per task ${duration}$`))
        expect(lines).toHaveLength(5)
      }), testTimeout)
  }
})
