/**
 * Between the threads of one OS process, a Lock, an RLock, a Semaphore, a Value, an Event, a Queue and a
 * Pipe live in shared memory: a thread takes the lock, updates the value, sets or awaits the event, puts or gets
 * items and sends or receives messages with `Atomics`, without a message to the owner. The proof: the threads go on while the owner's event loop is blocked (a call
 * to the owner would wait for it), in the main process and in a process child that owns them. Closing the owner's scope still reaches them, and
 * a thread terminated while busy writes nothing more (Deno's terminate does not stop a busy thread:
 * the parent revokes it first, see `src/internal/guard.ts`).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type { ValueError } from "../src/Errors.ts"
import * as Lock from "../src/Lock.ts"
import * as Process from "../src/Process.ts"
import * as Queue from "../src/Queue.ts"
import * as RLock from "../src/RLock.ts"
import * as Semaphore from "../src/Semaphore.ts"
import * as Value from "../src/Value.ts"
import { awaitCell, GO, READY, tasks } from "./fixtures/shared-memory-tasks.ts"

/** Generous: the threads need well under a second; a call to the blocked owner would never finish. */
const waitMs = 30_000

describe("shared memory between threads", () => {
  for (const kind of ["Lock", "RLock", "Semaphore", "BoundedSemaphore"] as const) {
    it.live(`two threads take the parent's ${kind} and update its Value while the parent's event loop is blocked`, () =>
      Effect.gen(function*() {
        const { doneWhileBlocked, value } = yield* Process.run(tasks.blockedOwner, [kind, 500, 2, waitMs], { backend: "fiber" })
        expect(doneWhileBlocked).toBe(2)
        expect(value).toBe(1000)
      }), 120_000)
  }

  it.live("one thread sets the parent's Event and wakes another thread while the parent's event loop is blocked", () =>
    Effect.gen(function*() {
      const seen = yield* Process.run(tasks.eventWhileOwnerBlocked, [waitMs], { backend: "fiber" })
      expect(seen).toEqual({ doneWhileBlocked: 1, woken: true, isSet: true })
    }), 120_000)

  it.live("a producer thread and a consumer thread pass 2,000 items through the parent's bounded Queue while its event loop is blocked", () =>
    Effect.gen(function*() {
      const seen = yield* Process.run(tasks.queueWhileOwnerBlocked, [2000, 16, waitMs], { backend: "fiber" })
      expect(seen).toEqual({ doneWhileBlocked: 1, inOrder: 2000, left: 0 })
    }), 120_000)

  it.live("two threads holding the two ends of the parent's Pipe exchange 1,000 messages while its event loop is blocked; EOF still ends the exchange", () =>
    Effect.gen(function*() {
      const seen = yield* Process.run(tasks.pipeWhileOwnerBlocked, [500, waitMs], { backend: "fiber" })
      expect(seen).toEqual({ doneWhileBlocked: 1, right: 1000, pong: { answered: 1000, end: "EOFError" } })
    }), 120_000)

  it.scopedLive("a queue's memory grows and is compacted as items pile up and drain: every item comes out whole, in order", () =>
    Effect.gen(function*() {
      const q = yield* Queue.make<string>()
      const text = (i: number) => `${i}:${"y".repeat(i % 300)}`
      // far more than the first 64 KiB, put by a thread, in two waves with a partial drain between
      yield* Process.run(tasks.putTexts, [q, 0, 3000], { backend: "thread" })
      for (let i = 0; i < 1000; i++) expect(yield* Queue.get(q)).toBe(text(i))
      yield* Process.run(tasks.putTexts, [q, 3000, 6000], { backend: "thread" })
      expect(yield* Queue.qsize(q)).toBe(5000)
      for (let i = 1000; i < 6000; i++) expect(yield* Queue.get(q)).toBe(text(i))
      expect(yield* Queue.empty(q)).toBe(true)
    }), 120_000)

  it.live("the same in a process child that owns them (its threads share its memory, not the parent's)", () =>
    Effect.gen(function*() {
      const { doneWhileBlocked, value } = yield* Process.run(tasks.blockedOwner, ["RLock", 500, 2, waitMs], { backend: "process" })
      expect(doneWhileBlocked).toBe(2)
      expect(value).toBe(1000)
    }), 120_000)

  it.scopedLive("a thread terminated while busy in synchronous code writes nothing after terminate returned", () =>
    Effect.gen(function*() {
      const v = yield* Value.make("i", 0)
      const child = yield* Process.spawn(tasks.busyUpdates, [v, 30], { backend: "thread" })
      yield* Effect.repeat(Value.get(v), { until: (n) => n >= 3, schedule: Schedule.spaced("5 millis") })
      yield* Process.terminate(child)
      const before = yield* Value.get(v)
      // long enough for many more updates (one per 30 ms) had the thread gone on writing
      yield* Effect.sleep("500 millis")
      expect(yield* Value.get(v)).toBe(before)
      expect(yield* RLock.acquire(Value.getLock(v), { timeout: "10 seconds" })).toBe(true)
      yield* RLock.release(Value.getLock(v))
    }), 120_000)

  for (const kind of ["Lock", "RLock", "Semaphore"] as const) {
    it.scopedLive(`a thread that worked on a ${kind} directly gets ResourceClosed once the owner's scope closed it`, () =>
      Effect.gen(function*() {
        const inner = yield* Scope.make()
        const lock = yield* Scope.extend<Lock.Lock | RLock.RLock | Semaphore.Semaphore, never, Scope.Scope>(
          kind === "Lock" ? Lock.make : kind === "RLock" ? RLock.make : Semaphore.make(1),
          inner
        )
        const v: Value.Value<number, any> = yield* Scope.extend<Value.Value<number, any>, ValueError, Scope.Scope>(
          lock.kind === "Lock" || lock.kind === "RLock" ? Value.make("i", 0, { lock }) : Value.make("i", 0, { lock: false }),
          inner
        )
        const cells = new Int32Array(new SharedArrayBuffer(3 * 4))
        const child = yield* Process.spawn(tasks.useAfterClose, [lock, v, cells], { backend: "thread" })
        yield* awaitCell(cells, READY, 1)
        expect(yield* Value.get(v)).toBe(1)
        yield* Scope.close(inner, Exit.void)
        Atomics.store(cells, GO, 1)
        const seen = yield* Process.result(child)
        expect(seen.acquire).toMatch(/^ResourceClosed/)
        expect(seen.get).toMatch(/^ResourceClosed/)
      }), 120_000)
  }
})
