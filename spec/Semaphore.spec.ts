/**
 * Python's `multiprocessing.Semaphore` and `BoundedSemaphore` (conformance F) on the three backends,
 * and where we do better than Python: permits held by a process that ends come back (the next holder
 * is told), signals consumed by a process that ends do not, and an interrupted `acquire` never leaks a
 * permit.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as BoundedSemaphore from "../src/BoundedSemaphore.ts"
import { ValueError } from "../src/Errors.ts"
import * as Event from "../src/Event.ts"
import * as Process from "../src/Process.ts"
import * as Semaphore from "../src/Semaphore.ts"
import { backends, since } from "./fixtures/sync-common.ts"
import { tasks as lockTasks } from "./fixtures/sync-lock.ts"
import { tasks } from "./fixtures/sync-semaphore.ts"

const tooMany = "semaphore or lock released too many times"

describe("Semaphore in its owner", () => {
  it.scoped("acquire takes permits, release adds them (above the initial value too); getValue counts them", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(2)
      expect(yield* Semaphore.getValue(sem)).toBe(2)
      expect(yield* Semaphore.acquire(sem)).toBe(true)
      expect(yield* sem.pipe(Semaphore.acquire({ block: false }))).toBe(true)
      expect(yield* Semaphore.getValue(sem)).toBe(0)
      expect(yield* Semaphore.acquire(sem, { block: false })).toBe(false)
      yield* Semaphore.release(sem)
      yield* Semaphore.release(sem)
      yield* Semaphore.release(sem)
      expect(yield* Semaphore.getValue(sem)).toBe(3)
      expect(yield* Semaphore.withLock(sem)(Semaphore.getValue(sem))).toBe(2)
      expect(yield* Effect.scoped(Effect.zipRight(Semaphore.acquireScoped(sem), Semaphore.getValue(sem)))).toBe(2)
      expect(yield* Semaphore.getValue(sem)).toBe(3)
      expect((yield* Semaphore.make()).kind).toBe("Semaphore")
      expect(yield* Semaphore.getValue(yield* Semaphore.make())).toBe(1)
    }))

  it.scopedLive("Semaphore(0): block: false → false at once (timeout ignored); timeout → false after it", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(0)
      expect(yield* Semaphore.acquire(sem, { block: false })).toBe(false)
      expect(yield* Semaphore.acquire(sem, { block: false, timeout: "10 minutes" })).toBe(false)
      expect(yield* Semaphore.acquire(sem, { timeout: 0 })).toBe(false)
      const t0 = performance.now()
      expect(yield* Semaphore.acquire(sem, { timeout: 200 })).toBe(false)
      expect(since(t0)).toBeGreaterThanOrEqual(195)
      expect(yield* Semaphore.getValue(sem)).toBe(0)
    }))

  it.scoped("BoundedSemaphore: a release above the initial value → ValueError", () =>
    Effect.gen(function*() {
      const sem = yield* BoundedSemaphore.make(2)
      expect(BoundedSemaphore.isBoundedSemaphore(sem) && Semaphore.isSemaphore(sem)).toBe(true)
      yield* BoundedSemaphore.acquire(sem)
      yield* BoundedSemaphore.acquire(sem)
      yield* BoundedSemaphore.release(sem)
      yield* BoundedSemaphore.release(sem)
      const error = yield* Effect.flip(BoundedSemaphore.release(sem))
      assert(error instanceof ValueError)
      expect(error.message).toBe(tooMany)
      expect(yield* BoundedSemaphore.getValue(sem)).toBe(2)
      const empty = yield* BoundedSemaphore.make(0)
      expect((yield* Effect.flip(BoundedSemaphore.release(empty))).message).toBe(tooMany)
    }))

  it.live("a negative initial value is a defect (ValueError)", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(Semaphore.make(-1)))
      assert(Exit.isFailure(exit))
      expect(Cause.squash(exit.cause)).toBeInstanceOf(ValueError)
    }))
})

/** Generous: on a loaded machine a child on Node from TypeScript sources can take seconds to start. */
const slow = 180_000

describe("Semaphore between processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: Semaphore(0) in a child: block: false → false at once, timeout → false after it`, () =>
      Effect.gen(function*() {
        const sem = yield* Semaphore.make(0)
        const [nowait, timed] = yield* Process.run(lockTasks.tryAcquireEach, [sem, [{ block: false, timeout: "10 minutes" }, { timeout: 300 }]], { backend })
        expect(nowait!.acquired).toBe(false)
        expect(timed!.acquired).toBe(false)
        expect(timed!.elapsed).toBeGreaterThanOrEqual(290)
      }), slow)

    it.scopedLive(`${backend}: signals: children wait for permits the parent releases and end with them; a child releases, the parent takes`, () =>
      Effect.gen(function*() {
        const sem = yield* Semaphore.make(0)
        const children = []
        for (let i = 0; i < 2; i++) {
          const waiting = yield* Event.make
          children.push(yield* Process.spawn(tasks.takeSignal, [sem, waiting], { backend }))
          expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
        }
        for (let i = 0; i < 2; i++) yield* Semaphore.release(sem)
        for (const child of children) expect(yield* Process.result(child)).toBe(true)
        // the signals were consumed: the children's ends give nothing back
        expect(yield* Semaphore.getValue(sem)).toBe(0)
        expect(yield* Process.run(lockTasks.releaseTimes, [sem, 2], { backend })).toEqual(["ok", "ok"])
        expect(yield* Semaphore.acquire(sem, { block: false })).toBe(true)
        expect(yield* Semaphore.getValue(sem)).toBe(1)
      }), slow)

    it.scopedLive(`${backend}: BoundedSemaphore: a child releases the parent's permit; once more → ValueError`, () =>
      Effect.gen(function*() {
        const sem = yield* BoundedSemaphore.make(1)
        yield* BoundedSemaphore.acquire(sem)
        expect(yield* Process.run(lockTasks.releaseTimes, [sem, 2], { backend })).toEqual(["ok", `ValueError: ${tooMany}`])
        expect(yield* BoundedSemaphore.getValue(sem)).toBe(1)
      }), slow)

    it.scopedLive(`${backend}: permits of a child that ends holding them come back; the next holder is told`, () =>
      Effect.gen(function*() {
        const sem = yield* Semaphore.make(3)
        yield* Semaphore.acquire(sem)
        const held = yield* Event.make
        const holder = yield* Process.spawn(lockTasks.holdForever, [sem, held, 2], { backend })
        expect(yield* Event.wait(held, { timeout: "60 seconds" })).toBe(true)
        expect(yield* Semaphore.getValue(sem)).toBe(0)
        const waiting = yield* Event.make
        const next = yield* Process.spawn(lockTasks.acquireAndCheck, [sem, waiting], { backend })
        expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
        yield* Process.terminate(holder)
        expect(yield* Process.result(next)).toEqual({ acquired: true, recovered: true, afterRelease: false })
        expect(yield* Semaphore.recovered(sem)).toBe(false) // the parent's own permit is from the supply
        expect(yield* Semaphore.getValue(sem)).toBe(2)
        yield* Semaphore.release(sem)
        expect(yield* Semaphore.getValue(sem)).toBe(3)
      }), slow)

    it.scopedLive(`${backend}: a child that gives up waiting for a permit, or is terminated while it waits, takes none`, () =>
      Effect.gen(function*() {
        const sem = yield* Semaphore.make(0)
        const waiting = yield* Event.make
        const waiter = yield* Process.spawn(lockTasks.giveUpThenWait, [sem, 300, waiting], { backend })
        expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
        yield* Process.terminate(waiter)
        yield* Semaphore.release(sem)
        expect(yield* Semaphore.getValue(sem)).toBe(1)
      }), slow)

    it.scopedLive(`${backend}: grants racing with interruptions leak no permit`, () =>
      Effect.gen(function*() {
        const sem = yield* BoundedSemaphore.make(2)
        const children = []
        for (let i = 0; i < 2; i++) children.push(yield* Process.spawn(lockTasks.churn, [sem, 200, 2], { backend }))
        // the parent holds one permit most of the time, so that the children contend for the other
        while ((yield* Process.isAlive(children[0]!)) || (yield* Process.isAlive(children[1]!))) {
          if (yield* BoundedSemaphore.acquire(sem, { timeout: 5 })) {
            yield* Effect.sleep(2)
            yield* BoundedSemaphore.release(sem)
          }
        }
        let taken = 0
        for (const child of children) taken += yield* Process.result(child)
        expect(taken).toBeGreaterThan(0)
        expect(yield* BoundedSemaphore.getValue(sem)).toBe(2)
      }), slow)
  }
})
