/**
 * Python's `multiprocessing.Barrier` (conformance I) on the three backends: parties pass in lockstep
 * with distinct indices, the action runs once per round before anyone goes on, abort and timeouts
 * break the barrier for every waiter, reset makes it usable again. Better than Python: a party that
 * dies while it waits breaks the barrier instead of leaving the others waiting for ever.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Barrier from "../src/Barrier.ts"
import { BrokenBarrierError } from "../src/Errors.ts"
import * as Process from "../src/Process.ts"
import * as Queue from "../src/Queue.ts"
import { party, type Report, tasks } from "./fixtures/sync-barrier.ts"
import { backends, since } from "./fixtures/sync-common.ts"

/** Generous: on a loaded machine a child on Node from TypeScript sources can take seconds to start. */
const slow = 180_000

/** Waits until `n` parties wait at the barrier. */
const untilWaiting = (barrier: Barrier.Barrier, n: number) =>
  Barrier.nWaiting(barrier).pipe(
    Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (waiting) => waiting >= n }),
    Effect.timeout("60 seconds")
  )

/** Drains the reports queue. */
const drain = (q: Queue.Queue<Report>) =>
  Effect.gen(function*() {
    const out: Array<Report> = []
    while ((yield* Queue.qsize(q)) > 0) out.push(yield* Queue.get(q))
    return out
  })

describe("Barrier in its owner", () => {
  it.scoped("Barrier(1): wait → 0 at once, again and again; parties, nWaiting, broken", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(1)
      for (let i = 0; i < 3; i++) expect(yield* Barrier.wait(barrier)).toBe(0)
      expect(Barrier.parties(barrier)).toBe(1)
      expect(yield* Barrier.nWaiting(barrier)).toBe(0)
      expect(yield* Barrier.broken(barrier)).toBe(false)
    }))

  it.scoped("fibers pass in lockstep with distinct indices; the action runs once per round, before anyone goes on", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      let rounds = 0
      const barrier = yield* Barrier.make(3, { action: Effect.sync(() => log.push(`action ${rounds++}`)) })
      const parties = yield* Effect.forEach([0, 1, 2], (p) =>
        Effect.fork(Effect.forEach([0, 1, 2, 3], (r) =>
          Effect.tap(Barrier.wait(barrier), (i) => Effect.sync(() => log.push(`round ${r} party ${p} index ${i}`))))))
      const indices = yield* Fiber.joinAll(parties)
      for (let r = 0; r < 4; r++) expect(indices.map((is) => is[r]).sort()).toEqual([0, 1, 2])
      for (let r = 0; r < 4; r++) {
        const at = log.indexOf(`action ${r}`)
        expect(at).toBe(r * 4)
        expect(log.slice(at + 1, at + 4).every((line) => line.startsWith(`round ${r} `))).toBe(true)
      }
    }))

  it.scopedLive("a lone party's wait(t) → BrokenBarrierError after t; broken until reset", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { timeout: 200 })
      const t0 = performance.now()
      expect(yield* Effect.flip(Barrier.wait(barrier))).toBeInstanceOf(BrokenBarrierError)
      expect(since(t0)).toBeGreaterThanOrEqual(195)
      expect(yield* Barrier.broken(barrier)).toBe(true)
      expect(yield* Effect.flip(Barrier.wait(barrier, { timeout: "10 minutes" }))).toBeInstanceOf(BrokenBarrierError)
      yield* Barrier.reset(barrier)
      expect(yield* Barrier.broken(barrier)).toBe(false)
      expect(yield* Effect.flip(barrier.pipe(Barrier.wait({ timeout: 0 })))).toBeInstanceOf(BrokenBarrierError)
    }))

  it.scoped("a failing action breaks the barrier for every party", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { action: Effect.fail("no") })
      const other = yield* Effect.fork(Effect.flip(Barrier.wait(barrier)))
      yield* untilWaiting(barrier, 1)
      expect(yield* Effect.flip(Barrier.wait(barrier))).toBeInstanceOf(BrokenBarrierError)
      expect(yield* Fiber.join(other)).toBeInstanceOf(BrokenBarrierError)
      expect(yield* Barrier.broken(barrier)).toBe(true)
    }))

  it.scoped("an interrupted party breaks the barrier", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3)
      const first = yield* Effect.fork(Effect.flip(Barrier.wait(barrier)))
      const second = yield* Effect.fork(Barrier.wait(barrier))
      yield* untilWaiting(barrier, 2)
      yield* Fiber.interrupt(second)
      expect(yield* Fiber.join(first)).toBeInstanceOf(BrokenBarrierError)
      expect(yield* Barrier.broken(barrier)).toBe(true)
    }))
})

describe("Barrier between processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: two children and the parent pass 10 rounds in lockstep; the action runs first in each round`, () =>
      Effect.gen(function*() {
        const reports = yield* Queue.make<Report>()
        let round = 0
        const barrier = yield* Barrier.make(3, { action: Effect.suspend(() => Queue.put(reports, { action: round++ })) })
        const children = []
        for (const name of ["a", "b"]) children.push(yield* Process.spawn(tasks.party, [barrier, reports, name, 10], { backend }))
        yield* party(barrier, reports, "parent", 10)
        for (const child of children) expect((yield* Process.result(child)).length).toBe(10)
        const log = yield* drain(reports)
        expect(log.length).toBe(40)
        for (let r = 0; r < 10; r++) {
          const block = log.slice(r * 4, r * 4 + 4)
          expect(block[0]).toEqual({ action: r })
          const passes = block.slice(1) as Array<{ party: string; round: number; index: number }>
          expect(passes.map((p) => p.round)).toEqual([r, r, r])
          expect(passes.map((p) => p.party).sort()).toEqual(["a", "b", "parent"])
          expect(passes.map((p) => p.index).sort()).toEqual([0, 1, 2])
        }
        expect(yield* Barrier.nWaiting(barrier)).toBe(0)
        expect(yield* Barrier.broken(barrier)).toBe(false)
      }), slow)

    it.scopedLive(`${backend}: abort → BrokenBarrierError for the waiting children and later waits; reset → usable again`, () =>
      Effect.gen(function*() {
        const barrier = yield* Barrier.make(3)
        const children = []
        for (let i = 0; i < 2; i++) children.push(yield* Process.spawn(tasks.waitOnce, [barrier], { backend }))
        yield* untilWaiting(barrier, 2)
        expect(yield* Process.run(tasks.inspect, [barrier], { backend })).toEqual({ parties: 3, nWaiting: 2, broken: false })
        yield* Barrier.abort(barrier)
        for (const child of children) expect(yield* Process.result(child)).toMatchObject({ outcome: "BrokenBarrierError" })
        expect(yield* Barrier.broken(barrier)).toBe(true)
        expect(yield* Effect.flip(Barrier.wait(barrier))).toBeInstanceOf(BrokenBarrierError)
        yield* Barrier.reset(barrier)
        const passing = yield* Effect.forEach([0, 1], () => Effect.fork(Barrier.wait(barrier)))
        expect((yield* Process.run(tasks.waitOnce, [barrier], { backend })).outcome).toBeTypeOf("number")
        expect((yield* Fiber.joinAll(passing)).length).toBe(2)
      }), slow)

    it.scopedLive(`${backend}: reset while N−1 children wait → they get BrokenBarrierError; a full round then passes`, () =>
      Effect.gen(function*() {
        const barrier = yield* Barrier.make(3)
        const children = []
        for (let i = 0; i < 2; i++) children.push(yield* Process.spawn(tasks.waitOnce, [barrier], { backend }))
        yield* untilWaiting(barrier, 2)
        yield* Barrier.reset(barrier)
        for (const child of children) expect(yield* Process.result(child)).toMatchObject({ outcome: "BrokenBarrierError" })
        expect(yield* Barrier.broken(barrier)).toBe(false)
        const again = yield* Process.spawn(tasks.waitOnce, [barrier], { backend })
        const indices = yield* Effect.all([Barrier.wait(barrier), Barrier.wait(barrier)], { concurrency: "unbounded" })
        const child = yield* Process.result(again)
        expect([...indices, child.outcome].sort()).toEqual([0, 1, 2])
      }), slow)

    it.scopedLive(`${backend}: a child's wait(t) alone → BrokenBarrierError after t, for the parent waiting too`, () =>
      Effect.gen(function*() {
        const barrier = yield* Barrier.make(3)
        const parent = yield* Effect.fork(Effect.flip(Barrier.wait(barrier)))
        const timed = yield* Process.run(tasks.waitOnce, [barrier, 300], { backend })
        expect(timed.outcome).toBe("BrokenBarrierError")
        expect(timed.elapsed).toBeGreaterThanOrEqual(290)
        expect(yield* Fiber.join(parent)).toBeInstanceOf(BrokenBarrierError)
        expect(yield* Barrier.broken(barrier)).toBe(true)
      }), slow)

    it.scopedLive(`${backend}: a child terminated while it waits breaks the barrier for the others`, () =>
      Effect.gen(function*() {
        const barrier = yield* Barrier.make(3)
        const parent = yield* Effect.fork(Effect.flip(Barrier.wait(barrier)))
        const child = yield* Process.spawn(tasks.waitForever, [barrier], { backend })
        yield* untilWaiting(barrier, 2)
        yield* Process.terminate(child)
        expect(yield* Fiber.join(parent)).toBeInstanceOf(BrokenBarrierError)
        expect(yield* Barrier.broken(barrier)).toBe(true)
      }), slow)
  }
})
