/**
 * Python's `multiprocessing.Condition` (conformance H) on the three backends: notify wakes waiters
 * one by one in order, notifyAll wakes them all, wait times out with false, waitFor re-checks its
 * predicate in the waiter after each notification and returns its value, the default lock is an
 * RLock whose every level wait gives back and restores, waiting or notifying without the lock fails.
 * Better than Python: a waiter that dies or is interrupted does not swallow a notification.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Condition from "../src/Condition.ts"
import { QueueEmpty, ValueError } from "../src/Errors.ts"
import * as Event from "../src/Event.ts"
import * as Lock from "../src/Lock.ts"
import * as Process from "../src/Process.ts"
import * as Queue from "../src/Queue.ts"
import * as RLock from "../src/RLock.ts"
import { backends, since } from "./fixtures/sync-common.ts"
import { tasks } from "./fixtures/sync-condition.ts"

/** Generous: on a loaded machine a child on Node from TypeScript sources can take seconds to start. */
const slow = 180_000
const unacquired = "cannot release un-acquired lock"

/** Notifies `n` under the lock. */
const notify = (cond: Condition.Condition, n = 1) => Condition.withLock(cond)(Condition.notify(cond, n))

describe("Condition in its owner", () => {
  it.scopedLive("the default lock is an RLock; wait(t) → false after t and the lock is held again at every level", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      expect(RLock.isRLock(Condition.lock(cond))).toBe(true)
      yield* Condition.acquire(cond)
      yield* Condition.acquire(cond)
      expect(yield* Condition.wait(cond, { timeout: 0 })).toBe(false)
      const t0 = performance.now()
      expect(yield* cond.pipe(Condition.wait({ timeout: 200 }))).toBe(false)
      expect(since(t0)).toBeGreaterThanOrEqual(195)
      // both levels are back: another fiber cannot take the lock, two releases free it, a third fails
      expect(yield* Effect.fork(Condition.acquire(cond, { block: false })).pipe(Effect.flatMap(Fiber.join))).toBe(false)
      yield* Condition.release(cond)
      yield* Condition.release(cond)
      expect((yield* Effect.flip(Condition.release(cond))).message).toBe(unacquired)
    }))

  it.scoped("wait or notify without holding the lock → ValueError", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const waited = yield* Effect.flip(Condition.wait(cond))
      assert(waited instanceof ValueError)
      expect(waited.message).toBe("cannot wait on un-acquired lock")
      expect((yield* Effect.flip(Condition.notify(cond))).message).toBe("cannot notify on un-acquired lock")
      expect((yield* Effect.flip(Condition.notifyAll(cond))).message).toBe("cannot notify on un-acquired lock")
      // held by another fiber is not held
      yield* Condition.acquire(cond)
      const other = yield* Effect.fork(Effect.flip(Condition.wait(cond))).pipe(Effect.flatMap(Fiber.join))
      expect(other.message).toBe("cannot wait on un-acquired lock")
      yield* Condition.release(cond)
    }))

  it.scoped("notify wakes waiters one at a time in the order they came; notifyAll wakes the rest", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const woken: Array<number> = []
      const waiters = []
      for (let i = 0; i < 4; i++) {
        waiters.push(yield* Effect.fork(Condition.withLock(cond)(Effect.tap(Condition.wait(cond), () => Effect.sync(() => woken.push(i))))))
        yield* Effect.yieldNow()
      }
      yield* notify(cond)
      yield* Fiber.join(waiters[0]!)
      expect(woken).toEqual([0])
      yield* notify(cond)
      yield* Fiber.join(waiters[1]!)
      expect(woken).toEqual([0, 1])
      yield* Condition.withLock(cond)(Condition.notifyAll(cond))
      expect(yield* Fiber.joinAll(waiters)).toEqual([true, true, true, true])
      expect(woken.sort()).toEqual([0, 1, 2, 3])
    }))

  it.scopedLive("waitFor: the predicate's truthy value at once or after notifications; its last value after the timeout", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      expect(yield* Condition.withLock(cond)(Condition.waitFor(cond, () => 42))).toBe(42)
      let state = 0
      let checks = 0
      const waiter = yield* Effect.fork(
        Condition.withLock(cond)(Condition.waitFor(cond, Effect.sync(() => (checks++, state >= 3 ? `state ${state}` : ""))))
      )
      for (let i = 1; i <= 3; i++) {
        yield* Effect.sleep(10)
        yield* Condition.withLock(cond)(Effect.zipRight(Effect.sync(() => state = i), Condition.notify(cond)))
      }
      expect(yield* Fiber.join(waiter)).toBe("state 3")
      expect(checks).toBeGreaterThanOrEqual(2)
      const t0 = performance.now()
      expect(yield* Condition.withLock(cond)(Condition.waitFor(cond, () => 0, { timeout: 200 }))).toBe(0)
      expect(since(t0)).toBeGreaterThanOrEqual(190)
    }))

  it.scoped("an interrupted waiter gives the lock back and passes a notification on", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const first = yield* Effect.fork(Condition.withLock(cond)(Condition.wait(cond)))
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(Condition.withLock(cond)(Condition.wait(cond)))
      yield* Effect.yieldNow()
      // notify(1) reaches the first, which is interrupted before it runs again: the second gets it
      const self = yield* Effect.fiberId
      yield* Condition.withLock(cond)(Effect.zipRight(Condition.notify(cond), first.interruptAsFork(self)))
      expect(Exit.isInterrupted(yield* Fiber.await(first))).toBe(true)
      expect(yield* Fiber.join(second)).toBe(true)
      expect(yield* Condition.acquire(cond, { block: false })).toBe(true)
      yield* Condition.release(cond)
    }))

  it.scoped("a Condition on a given Lock", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make
      const cond = yield* Condition.make({ lock })
      expect(Condition.lock(cond)).toBe(lock)
      const waiter = yield* Effect.fork(Condition.withLock(cond)(Condition.wait(cond)))
      yield* Effect.yieldNow()
      yield* notify(cond)
      expect(yield* Fiber.join(waiter)).toBe(true)
      expect(yield* Lock.acquire(lock, { block: false })).toBe(true)
      // held by this fiber: notify is allowed; held by another fiber (a Lock has no owner, but its
      // condition asks who took it): not
      yield* Condition.notify(cond)
      const other = yield* Effect.fork(Effect.flip(Condition.notify(cond))).pipe(Effect.flatMap(Fiber.join))
      expect(other.message).toBe("cannot notify on un-acquired lock")
      yield* Lock.release(lock)
      expect((yield* Effect.flip(Condition.wait(cond))).message).toBe("cannot wait on un-acquired lock")
    }))
})

describe("Condition between processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: notify wakes exactly one child waiter, then the next; notifyAll the rest`, () =>
      Effect.gen(function*() {
        const cond = yield* Condition.make()
        const woken = yield* Queue.make<number>()
        const children = []
        for (let id = 0; id < 3; id++) {
          const waiting = yield* Event.make
          children.push(yield* Process.spawn(tasks.waitNotified, [cond, waiting, id, woken], { backend }))
          expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
        }
        yield* notify(cond)
        expect(yield* Queue.get(woken, { timeout: "60 seconds" })).toBe(0)
        // nobody else woke
        expect(yield* Effect.flip(Queue.get(woken, { timeout: 500 }))).toBeInstanceOf(QueueEmpty)
        yield* notify(cond)
        expect(yield* Queue.get(woken, { timeout: "60 seconds" })).toBe(1)
        yield* Condition.withLock(cond)(Condition.notifyAll(cond))
        expect(yield* Queue.get(woken, { timeout: "60 seconds" })).toBe(2)
        for (const child of children) expect(yield* Process.result(child)).toMatchObject({ result: true })
      }), slow)

    it.scopedLive(`${backend}: a child's wait(t) → false after t, holding the lock again at both levels`, () =>
      Effect.gen(function*() {
        const cond = yield* Condition.make()
        const waiting = yield* Event.make
        const timed = yield* Process.run(tasks.waitNotified, [cond, waiting, 0, undefined, 300], { backend })
        expect(timed.result).toBe(false)
        expect(timed.elapsed).toBeGreaterThanOrEqual(290)
        expect(yield* Process.run(tasks.levels, [cond], { backend })).toEqual({
          notified: false,
          releases: ["ok", "ok", `ValueError: ${unacquired}`]
        })
      }), slow)

    it.scopedLive(`${backend}: waitFor in a child re-checks a predicate on shared state after each notify; times out with its last value`, () =>
      Effect.gen(function*() {
        const cond = yield* Condition.make()
        const q = yield* Queue.make<number>()
        const waiting = yield* Event.make
        const child = yield* Process.spawn(tasks.waitForSize, [cond, q, 3, waiting], { backend })
        expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
        for (let i = 0; i < 3; i++) {
          yield* Condition.withLock(cond)(Effect.zipRight(Queue.put(q, i), Condition.notifyAll(cond)))
        }
        expect(yield* Process.result(child)).toMatchObject({ size: 3 })
        const never = yield* Process.run(tasks.waitForSize, [cond, q, 10, waiting, 300], { backend })
        expect(never.size).toBe(0)
        expect(never.elapsed).toBeGreaterThanOrEqual(190)
      }), slow)

    it.scopedLive(`${backend}: a child waiting or notifying without the lock → ValueError`, () =>
      Effect.gen(function*() {
        const cond = yield* Condition.make()
        expect(yield* Process.run(tasks.misuse, [cond], { backend })).toEqual([
          "ValueError: cannot wait on un-acquired lock",
          "ValueError: cannot notify on un-acquired lock"
        ])
      }), slow)

    it.scopedLive(`${backend}: a waiter terminated while it waits does not swallow a notify`, () =>
      Effect.gen(function*() {
        const cond = yield* Condition.make()
        const woken = yield* Queue.make<number>()
        const children = []
        for (let id = 0; id < 2; id++) {
          const waiting = yield* Event.make
          children.push(yield* Process.spawn(tasks.waitNotified, [cond, waiting, id, woken], { backend }))
          expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
        }
        yield* Process.terminate(children[0]!)
        yield* notify(cond)
        expect(yield* Queue.get(woken, { timeout: "60 seconds" })).toBe(1)
        expect(yield* Process.result(children[1]!)).toMatchObject({ result: true })
      }), slow)
  }
})
