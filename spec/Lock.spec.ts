/**
 * Python's `multiprocessing.Lock` and `RLock` (conformance E) on the three backends, and where we do
 * better than Python: a process that ends holding the lock does not leave it locked for ever (the
 * next holder is told), and an interrupted `acquire` never leaks the lock.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import { ValueError } from "../src/Errors.ts"
import * as Event from "../src/Event.ts"
import * as Lock from "../src/Lock.ts"
import * as Process from "../src/Process.ts"
import * as RLock from "../src/RLock.ts"
import { backends, readJson, scratchDir, since, writeJson } from "./fixtures/sync-common.ts"
import { acquire, type AnyLock, recovered, release, tasks } from "./fixtures/sync-lock.ts"

const tooMany = "semaphore or lock released too many times"
const unacquired = "cannot release un-acquired lock"

/** Whether the lock is free right now (taking and giving it back). */
const isFree = (lock: AnyLock) =>
  Effect.flatMap(acquire(lock, { block: false }), (free) => (free ? Effect.as(release(lock), true) : Effect.succeed(false)))

const kinds: ReadonlyArray<{ readonly name: string; readonly make: Effect.Effect<AnyLock, never, Scope.Scope> }> = [
  { name: "Lock", make: Lock.make },
  { name: "RLock", make: RLock.make }
]

describe("Lock in its owner", () => {
  it.scopedLive("acquire, block: false on a held lock → false at once (timeout ignored), timeout → false after it", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make
      expect(yield* Lock.acquire(lock)).toBe(true)
      expect(yield* Lock.acquire(lock, { block: false })).toBe(false)
      // a wait of 10 minutes would fail the test: block: false ignores the timeout
      expect(yield* Lock.acquire(lock, { block: false, timeout: "10 minutes" })).toBe(false)
      expect(yield* lock.pipe(Lock.acquire({ timeout: 0 }))).toBe(false)
      expect(yield* Lock.acquire(lock, { timeout: -5 })).toBe(false)
      const t0 = performance.now()
      expect(yield* Lock.acquire(lock, { timeout: 200 })).toBe(false)
      expect(since(t0)).toBeGreaterThanOrEqual(195)
      yield* Lock.release(lock)
      expect(yield* Lock.acquire(lock, { timeout: "10 minutes" })).toBe(true)
      yield* Lock.release(lock)
    }))

  it.scoped("release of an unlocked lock → ValueError('semaphore or lock released too many times')", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make
      const error = yield* Effect.flip(Lock.release(lock))
      assert(error instanceof ValueError)
      expect(error.message).toBe(tooMany)
      yield* Lock.acquire(lock)
      yield* Lock.release(lock)
      expect((yield* Effect.flip(Lock.release(lock))).message).toBe(tooMany)
    }))

  it.scoped("a Lock has no owner: another fiber may release it", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make
      yield* Lock.acquire(lock)
      yield* Effect.fork(Lock.release(lock)).pipe(Effect.flatMap(Fiber.join))
      expect(yield* isFree(lock)).toBe(true)
    }))

  it.scoped("waiters are served in arrival order", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make
      yield* Lock.acquire(lock)
      const order: Array<number> = []
      const fibers = []
      for (let i = 0; i < 5; i++) {
        fibers.push(yield* Effect.fork(Lock.withLock(lock)(Effect.sync(() => order.push(i)))))
        yield* Effect.yieldNow()
      }
      yield* Lock.release(lock)
      yield* Fiber.joinAll(fibers)
      expect(order).toEqual([0, 1, 2, 3, 4])
    }))

  it.scoped("withLock holds the lock while the effect runs, and releases it on success, failure and interruption", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make
      const inside = yield* Lock.withLock(lock)(Lock.acquire(lock, { block: false }))
      expect(inside).toBe(false)
      expect(yield* isFree(lock)).toBe(true)
      expect(yield* Effect.flip(Lock.withLock(lock, Effect.fail("boom")))).toBe("boom")
      expect(yield* isFree(lock)).toBe(true)
      const entered = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(Lock.withLock(lock)(Effect.zipRight(Deferred.succeed(entered, undefined), Effect.never)))
      yield* Deferred.await(entered)
      expect(yield* Lock.acquire(lock, { block: false })).toBe(false)
      yield* Fiber.interrupt(fiber)
      expect(yield* isFree(lock)).toBe(true)
    }))

  it.scoped("an interrupted withLock that is still waiting takes nothing", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make
      yield* Lock.acquire(lock)
      const waiting = yield* Effect.fork(Lock.withLock(lock)(Effect.never))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(waiting)
      yield* Lock.release(lock)
      expect(yield* isFree(lock)).toBe(true)
    }))

  it.scoped("acquireScoped holds the lock for the scope", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make
      const during = yield* Effect.scoped(
        Effect.zipRight(Lock.acquireScoped(lock), Lock.acquire(lock, { block: false }))
      )
      expect(during).toBe(false)
      expect(yield* isFree(lock)).toBe(true)
      yield* Lock.acquire(lock)
      expect(yield* Effect.scoped(Lock.acquireScoped(lock, { block: false }))).toBe(false)
      yield* Lock.release(lock)
      expect(yield* isFree(lock)).toBe(true)
    }))
})

describe("RLock in its owner", () => {
  it.scoped("the owner re-enters; as many releases free it; one more → ValueError('cannot release un-acquired lock')", () =>
    Effect.gen(function*() {
      const lock = yield* RLock.make
      expect(yield* RLock.acquire(lock)).toBe(true)
      expect(yield* RLock.acquire(lock, { block: false })).toBe(true)
      expect(yield* RLock.withLock(lock)(RLock.acquire(lock, { block: false }))).toBe(true)
      yield* RLock.release(lock) // the level withLock's inner acquire took
      // another fiber is not the owner
      expect(yield* Effect.fork(RLock.acquire(lock, { block: false })).pipe(Effect.flatMap(Fiber.join))).toBe(false)
      const foreign = yield* Effect.fork(Effect.flip(RLock.release(lock))).pipe(Effect.flatMap(Fiber.join))
      expect(foreign).toBeInstanceOf(ValueError)
      expect(foreign.message).toBe(unacquired)
      yield* RLock.release(lock)
      yield* RLock.release(lock)
      expect((yield* Effect.flip(RLock.release(lock))).message).toBe(unacquired)
      expect(yield* Effect.fork(isFree(lock)).pipe(Effect.flatMap(Fiber.join))).toBe(true)
    }))
})

/** Generous: on a loaded machine a child on Node from TypeScript sources can take seconds to start. */
const slow = 180_000

for (const kind of kinds) {
  describe(`${kind.name} between processes`, () => {
    for (const backend of backends) {
      it.scopedLive(`${backend}: while the parent holds the ${kind.name}, a child's block: false → false at once and timeout → false after it; then it takes it`, () =>
        Effect.gen(function*() {
          const lock = yield* kind.make
          yield* acquire(lock)
          const [nowait, timed] = yield* Process.run(tasks.tryAcquireEach, [lock, [{ block: false, timeout: "10 minutes" }, { timeout: 300 }]], { backend })
          expect(nowait!.acquired).toBe(false)
          expect(timed!.acquired).toBe(false)
          expect(timed!.elapsed).toBeGreaterThanOrEqual(290)
          const waiting = yield* Event.make
          const next = yield* Process.spawn(tasks.acquireAndCheck, [lock, waiting], { backend })
          expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
          yield* release(lock)
          expect(yield* Process.result(next)).toEqual({ acquired: true, recovered: false, afterRelease: false })
          expect(yield* isFree(lock)).toBe(true)
        }), slow)

      it.scopedLive(`${backend}: a child ending while it holds the ${kind.name} frees it; the next holder is told (recovered)`, () =>
        Effect.gen(function*() {
          const lock = yield* kind.make
          // terminated while holding it (an RLock at two levels)
          const held = yield* Event.make
          const holder = yield* Process.spawn(tasks.holdForever, [lock, held, kind.name === "RLock" ? 2 : 1], { backend })
          expect(yield* Event.wait(held, { timeout: "60 seconds" })).toBe(true)
          expect(yield* acquire(lock, { block: false })).toBe(false)
          const waiting = yield* Event.make
          const next = yield* Process.spawn(tasks.acquireAndCheck, [lock, waiting], { backend })
          expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
          yield* Process.terminate(holder)
          // the child that was waiting got it, and was told
          expect(yield* Process.result(next)).toEqual({ acquired: true, recovered: true, afterRelease: false })
          expect(yield* isFree(lock)).toBe(true)
          // ended normally without releasing it
          expect(yield* Process.run(tasks.acquireAndEnd, [lock], { backend })).toBe(true)
          expect(yield* acquire(lock, { timeout: "60 seconds" })).toBe(true)
          expect(yield* recovered(lock)).toBe(true)
          yield* release(lock)
          expect(yield* recovered(lock)).toBe(false)
          expect(yield* isFree(lock)).toBe(true)
        }), slow)

      it.scopedLive(`${backend}: a child that gives up waiting for the ${kind.name}, or is terminated while it waits, takes nothing`, () =>
        Effect.gen(function*() {
          const lock = yield* kind.make
          yield* acquire(lock)
          const waiting = yield* Event.make
          const waiter = yield* Process.spawn(tasks.giveUpThenWait, [lock, 300, waiting], { backend })
          expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
          yield* Process.terminate(waiter)
          yield* release(lock)
          expect(yield* isFree(lock)).toBe(true)
        }), slow)

      it.scopedLive(`${backend}: grants racing with interruptions leak nothing (the ${kind.name} ends free)`, () =>
        Effect.gen(function*() {
          const lock = yield* kind.make
          const child = yield* Process.spawn(tasks.churn, [lock, 200, 2], { backend })
          // the parent contends too, holding the lock briefly each time, until the child is done
          let rounds = 0
          while (yield* Process.isAlive(child)) {
            rounds++
            if (yield* acquire(lock, { timeout: 5 })) {
              yield* Effect.sleep(1)
              yield* release(lock)
            }
          }
          expect(rounds).toBeGreaterThan(0)
          expect(yield* Process.result(child)).toBeGreaterThan(0)
          expect(yield* isFree(lock)).toBe(true)
        }), slow)
    }
  })
}

describe("Lock between processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: a Lock has no owner: a child releases the parent's lock; once more → ValueError`, () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make
        yield* Lock.acquire(lock)
        expect(yield* Process.run(tasks.releaseTimes, [lock, 2], { backend })).toEqual(["ok", `ValueError: ${tooMany}`])
        expect(yield* isFree(lock)).toBe(true)
      }), slow)
  }

  const increments = { process: 10_000, thread: 2_500, fiber: 2_500 } as const
  for (const backend of backends) {
    const n = increments[backend]
    it.scopedLive(`${backend}: 4 children each incrementing a counter file ${n} times under the Lock end at exactly ${4 * n}`, () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make
        const file = `${scratchDir()}/counter.json`
        writeJson(file, { count: 0 })
        const children = []
        for (let i = 0; i < 4; i++) children.push(yield* Process.spawn(tasks.increment, [lock, file, n], { backend }))
        for (const child of children) expect(yield* Process.result(child)).toBe(n)
        expect(readJson<{ count: number }>(file).count).toBe(4 * n)
      }), 600_000)
  }

  it.scopedLive("fiber: without the Lock the same increments lose updates (the control)", () =>
    Effect.gen(function*() {
      const file = `${scratchDir()}/counter.json`
      writeJson(file, { count: 0 })
      const children = []
      for (let i = 0; i < 4; i++) children.push(yield* Process.spawn(tasks.incrementUnlocked, [file, 1000], { backend: "fiber" }))
      for (const child of children) yield* Process.result(child)
      expect(readJson<{ count: number }>(file).count).toBeLessThan(4000)
    }))
})

describe("RLock between processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: a child re-enters its own RLock; it can neither release nor take the parent's`, () =>
      Effect.gen(function*() {
        const lock = yield* RLock.make
        expect(yield* Process.run(tasks.reenter, [lock, 3], { backend })).toEqual({
          acquired: [true, true, true],
          releases: ["ok", "ok", "ok", `ValueError: ${unacquired}`]
        })
        yield* RLock.acquire(lock)
        expect(yield* Process.run(tasks.foreignRLock, [lock], { backend })).toEqual({
          release: `ValueError: ${unacquired}`,
          acquired: false
        })
        yield* RLock.release(lock)
        expect(yield* isFree(lock)).toBe(true)
      }), slow)
  }
})

describe("a Lock whose owner's scope has closed", () => {
  it.live("a Lock used after its owner's scope closed fails with ResourceClosed", () =>
    Effect.gen(function*() {
      const lock = yield* Effect.scoped(Lock.make)
      const exit = yield* Effect.exit(Lock.acquire(lock))
      assert(Exit.isFailure(exit))
      expect(String(exit.cause)).toContain("ResourceClosed")
    }))
})
