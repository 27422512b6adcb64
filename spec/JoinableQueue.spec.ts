/**
 * Python's `multiprocessing.JoinableQueue` (conformance C) on the three backends: `join` waits for a
 * `taskDone` per item put, counted from inside `put`; too many `taskDone` is a `ValueError`.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { QueueClosed, ValueError } from "../src/Errors.ts"
import * as JoinableQueue from "../src/JoinableQueue.ts"
import * as Process from "../src/Process.ts"
import * as Queue from "../src/Queue.ts"
import { tasks } from "./fixtures/queue-tasks.ts"

const backends = ["process", "thread", "fiber"] as const

/** Lets every fiber that can run, run (the owner's operations are local here). */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("JoinableQueue in the owner", () => {
  it.scoped("join on a queue never used returns at once; taskDone then fails with ValueError", () =>
    Effect.gen(function*() {
      const q = yield* JoinableQueue.make<number>()
      yield* JoinableQueue.join(q)
      const e = yield* Effect.flip(JoinableQueue.taskDone(q))
      assert(e instanceof ValueError)
      expect(e.message).toBe("task_done() called too many times")
    }))

  it.scoped("join right after put waits for taskDone, not for get; one taskDone per item", () =>
    Effect.gen(function*() {
      const q = yield* JoinableQueue.make<number>()
      yield* JoinableQueue.put(q, 1)
      yield* JoinableQueue.put(q, 2)
      const joiner = yield* Effect.fork(JoinableQueue.join(q))
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(joiner))).toBe(true)
      expect(yield* JoinableQueue.get(q)).toBe(1)
      expect(yield* JoinableQueue.get(q)).toBe(2)
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(joiner))).toBe(true)
      yield* JoinableQueue.taskDone(q)
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(joiner))).toBe(true)
      yield* JoinableQueue.taskDone(q)
      yield* Fiber.join(joiner)
      expect((yield* Effect.flip(JoinableQueue.taskDone(q))).message).toBe("task_done() called too many times")
      // usable again: a second round
      yield* JoinableQueue.put(q, 3)
      const again = yield* Effect.fork(JoinableQueue.join(q))
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(again))).toBe(true)
      yield* JoinableQueue.get(q)
      yield* JoinableQueue.taskDone(q)
      yield* Fiber.join(again)
    }))

  it.scoped("putAll counts every item it puts: join waits for as many taskDones; getUpTo takes them", () =>
    Effect.gen(function*() {
      const q = yield* JoinableQueue.make<number>()
      yield* JoinableQueue.putAll(q, [1, 2, 3])
      const joiner = yield* Effect.fork(JoinableQueue.join(q))
      expect(yield* JoinableQueue.getUpTo(q, 5)).toEqual([1, 2, 3])
      for (let i = 0; i < 2; i++) yield* JoinableQueue.taskDone(q)
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(joiner))).toBe(true)
      yield* JoinableQueue.taskDone(q)
      yield* Fiber.join(joiner)
      expect((yield* Effect.flip(JoinableQueue.taskDone(q))).message).toBe("task_done() called too many times")
    }))

  it.scopedLive("a put that timed out on a full queue is not counted: join does not wait for it", () =>
    Effect.gen(function*() {
      const q = yield* JoinableQueue.make<number>({ maxsize: 1 })
      yield* JoinableQueue.put(q, 1)
      expect((yield* Effect.flip(JoinableQueue.put(q, 2, { timeout: 20 })))._tag).toBe("QueueFull")
      expect((yield* Effect.flip(JoinableQueue.putNowait(q, 2)))._tag).toBe("QueueFull")
      yield* JoinableQueue.get(q)
      yield* JoinableQueue.taskDone(q)
      yield* JoinableQueue.join(q)
      expect(yield* JoinableQueue.empty(q)).toBe(true)
    }))

  it.scoped("a join blocked when the owner's scope ends fails with QueueClosed", () =>
    Effect.gen(function*() {
      const inner = yield* Scope.make()
      const q = yield* Scope.extend(JoinableQueue.make<number>(), inner)
      yield* JoinableQueue.put(q, 1)
      const joiner = yield* Effect.fork(JoinableQueue.join(q))
      yield* settle
      yield* Scope.close(inner, Exit.void)
      expect(yield* Effect.flip(Fiber.join(joiner))).toBeInstanceOf(QueueClosed)
    }))
})

describe("JoinableQueue across processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: 4 daemon workers doing get + taskDone for 10 items: join returns once all are done`, () =>
      Effect.gen(function*() {
        const q = yield* JoinableQueue.make<number>()
        const done = yield* Queue.make<number>()
        for (let w = 0; w < 4; w++) yield* Process.spawn(tasks.joinWorker, [q, done], { backend, daemon: true })
        for (let i = 0; i < 10; i++) yield* JoinableQueue.put(q, i)
        yield* JoinableQueue.join(q)
        // every item's work was recorded before its taskDone, so all 10 are there now
        expect(yield* Queue.qsize(done)).toBe(10)
        const results: Array<number> = []
        for (let i = 0; i < 10; i++) results.push(yield* Queue.get(done))
        expect(results.sort((a, b) => a - b)).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81])
        expect(yield* JoinableQueue.empty(q)).toBe(true)
      }))

    it.scopedLive(`${backend}: taskDone too often in a child → ValueError("task_done() called too many times"); join in a child on a never-used queue returns`, () =>
      Effect.gen(function*() {
        const q = yield* JoinableQueue.make<number>()
        expect(yield* Process.run(tasks.joinQueue, [q], { backend })).toBe("joined")
        expect(yield* Process.run(tasks.extraTaskDone, [q], { backend })).toEqual({
          tag: "ValueError",
          message: "task_done() called too many times"
        })
        yield* JoinableQueue.put(q, 5)
        expect(yield* Process.run(tasks.getAndTaskDone, [q], { backend })).toBe(5)
        expect(yield* Process.run(tasks.extraTaskDone, [q], { backend })).toEqual({
          tag: "ValueError",
          message: "task_done() called too many times"
        })
        yield* JoinableQueue.join(q)
      }))

    it.scopedLive(`${backend}: a child's join right after its put waits until the parent marks the item done`, () =>
      Effect.gen(function*() {
        const q = yield* JoinableQueue.make<number>()
        const p = yield* Process.spawn(tasks.putThenJoin, [q, 42], { backend })
        expect(yield* JoinableQueue.get(q, { timeout: 30_000 })).toBe(42)
        // the child is blocked in join: got-but-not-done does not release it
        yield* Process.join(p, { timeout: "300 millis" })
        expect(yield* Process.isAlive(p)).toBe(true)
        yield* JoinableQueue.taskDone(q)
        expect(yield* Process.result(p)).toBe("joined")
      }))
  }
})
