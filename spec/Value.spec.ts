/**
 * Python's `multiprocessing.Value` (conformance J) on the three backends: typecodes and C conversions,
 * the lock option, a counter incremented by 4 processes under its lock, and `update`, atomic even for
 * a raw value (better than Python's `v.value += 1`).
 */
import { assert, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { ResourceClosed, ValueError } from "../src/Errors.ts"
import * as Lock from "../src/Lock.ts"
import * as Process from "../src/Process.ts"
import * as RLock from "../src/RLock.ts"
import * as Value from "../src/Value.ts"
import { tasks } from "./fixtures/value-tasks.ts"

const backends = ["process", "thread", "fiber"] as const

/** What a value of `typecode` reads after `input` was written to it. */
const roundTrip = <T extends Value.Typecode>(typecode: T, input: Value.Element<T>) =>
  Effect.flatMap(Value.make(typecode, input, { lock: false }), Value.get)

describe("Value in the owner", () => {
  it.scoped("typecodes convert and wrap as C types do", () =>
    Effect.gen(function*() {
      expect(yield* roundTrip("b", 200)).toBe(-56)
      expect(yield* roundTrip("b", -129)).toBe(127)
      expect(yield* roundTrip("B", 256)).toBe(0)
      expect(yield* roundTrip("B", -1)).toBe(255)
      expect(yield* roundTrip("h", 40_000)).toBe(-25_536)
      expect(yield* roundTrip("H", 70_000)).toBe(4464)
      expect(yield* roundTrip("i", 2 ** 31)).toBe(-(2 ** 31))
      expect(yield* roundTrip("I", -1)).toBe(2 ** 32 - 1)
      expect(yield* roundTrip("l", 2n ** 63n)).toBe(-(2n ** 63n))
      expect(yield* roundTrip("L", -1n)).toBe(2n ** 64n - 1n)
      expect(yield* roundTrip("q", 2n ** 64n + 5n)).toBe(5n)
      expect(yield* roundTrip("Q", 123n)).toBe(123n)
      expect(yield* roundTrip("f", 0.1)).toBe(Math.fround(0.1))
      expect(yield* roundTrip("d", 0.1)).toBe(0.1)
      expect(yield* roundTrip("c", "x")).toBe("x")
      // an integer given for a 64-bit type becomes a bigint; a bigint for a small type keeps its low bits
      expect(yield* Effect.flatMap(Value.make("q", 7 as never, { lock: false }), Value.get)).toBe(7n)
      expect(yield* Effect.flatMap(Value.make("b", 2n ** 70n + 200n as never, { lock: false }), Value.get)).toBe(-56)
      // defaults: zero, or "\0"
      expect(yield* Effect.flatMap(Value.make("d"), Value.get)).toBe(0)
      expect(yield* Effect.flatMap(Value.make("Q"), Value.get)).toBe(0n)
      expect(yield* Effect.flatMap(Value.make("c"), Value.get)).toBe("\0")
    }))

  it.scoped("a value of the wrong kind fails with ValueError (Python's TypeError message); nothing is written", () =>
    Effect.gen(function*() {
      const bad = (e: Effect.Effect<unknown, unknown, Scope.Scope>) =>
        Effect.map(Effect.flip(e), (error) => {
          assert(error instanceof ValueError, String(error))
          return error.message
        })
      expect(yield* bad(Value.make("i", 1.5))).toBe("int expected instead of float")
      expect(yield* bad(Value.make("i", "1" as never))).toBe("int expected instead of str")
      expect(yield* bad(Value.make("q", 0.5 as never))).toBe("int expected instead of float")
      expect(yield* bad(Value.make("d", "x" as never))).toBe("must be real number, not str")
      expect(yield* bad(Value.make("c", "xy"))).toBe("one character bytes, bytearray or integer expected")
      expect(yield* bad(Value.make("z" as never, 1 as never))).toContain("bad typecode")
      const v = yield* Value.make("i", 3)
      expect(yield* bad(Value.set(v, true as never))).toBe("int expected instead of bool")
      expect(yield* bad(Value.update(v, () => 0.25))).toBe("int expected instead of float")
      expect(yield* Value.get(v)).toBe(3)
    }))

  it.scoped("lock: an RLock by default, the Lock or RLock given, none when false; anything else is a ValueError", () =>
    Effect.gen(function*() {
      const v = yield* Value.make("i", 1)
      expect(RLock.isRLock(Value.getLock(v))).toBe(true)
      // the default lock is re-entrant: update works inside withLock
      yield* RLock.withLock(Value.getLock(v), Value.update(v, (n) => n + 1))
      expect(yield* Value.get(v)).toBe(2)
      const lock = yield* Lock.make
      const locked = yield* Value.make("d", 0.5, { lock })
      expect(Value.getLock(locked)).toBe(lock)
      yield* Value.update(locked, (x) => x * 4)
      expect(yield* Value.get(locked)).toBe(2)
      const raw = yield* Value.make("i", 0, { lock: false })
      expect(Value.getLock(raw)).toBeUndefined()
      const e = yield* Effect.flip(Value.make("i", 0, { lock: "navalue" as never }))
      expect(e).toBeInstanceOf(ValueError)
      expect(e.message).toContain("lock must be")
      expect(Value.typecode(locked)).toBe("d")
      expect(Value.isValue(v)).toBe(true)
      expect(Value.isValue(lock)).toBe(false)
    }))

  it.scoped("updateAndGet returns the new value as stored (wrapped); pipeable forms", () =>
    Effect.gen(function*() {
      const v = yield* Value.make("b", 120)
      expect(yield* Value.updateAndGet(v, (n) => n + 10)).toBe(-126)
      yield* v.pipe(Value.set(5))
      yield* v.pipe(Value.update((n: number) => n * 3))
      expect(yield* Value.get(v)).toBe(15)
    }))

  it.scoped("a value whose owner's scope ended fails with ResourceClosed", () =>
    Effect.gen(function*() {
      const inner = yield* Scope.make()
      const v = yield* Scope.extend(Value.make("i", 1), inner)
      yield* Scope.close(inner, Exit.void)
      expect(yield* Effect.flip(Value.get(v))).toBeInstanceOf(ResourceClosed)
    }))
})

describe("Value across processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: a child reads the parent's value and its write is seen by the parent; conversions in the child`, () =>
      Effect.gen(function*() {
        const v = yield* Value.make("b", 7)
        expect(yield* Process.run(tasks.readThenWrite, [v, 200], { backend })).toEqual({
          before: 7,
          after: -56,
          typecode: "b"
        })
        expect(yield* Value.get(v)).toBe(-56)
        expect(yield* Process.run(tasks.setWrongKind, [v, 0.5], { backend })).toEqual({
          tag: "ValueError",
          message: "int expected instead of float"
        })
        expect(yield* Value.get(v)).toBe(-56)
      }))

    it.scopedLive(`${backend}: 4 processes each incrementing a Value 10,000 times under its lock (update) end at exactly 40,000`, () =>
      Effect.gen(function*() {
        const v = yield* Value.make("i", 0)
        const workers = []
        for (let w = 0; w < 4; w++) workers.push(yield* Process.spawn(tasks.incrementWithUpdate, [v, 10_000], { backend }))
        for (const p of workers) expect(yield* Process.result(p)).toBe(10_000)
        expect(yield* Value.get(v)).toBe(40_000)
      }), 600_000)

    it.scopedLive(`${backend}: Python's \`with v.get_lock(): v.value += 1\` in 4 processes × 500 gives exactly 2,000`, () =>
      Effect.gen(function*() {
        const v = yield* Value.make("i", 0)
        const workers = []
        for (let w = 0; w < 4; w++) workers.push(yield* Process.spawn(tasks.incrementUnderLock, [v, 500], { backend }))
        for (const p of workers) expect(yield* Process.result(p)).toBe(500)
        expect(yield* Value.get(v)).toBe(2000)
      }), 300_000)

    it.scopedLive(`${backend}: update on a raw value (no lock) is atomic too: 4 × 1,000 increments give 4,000`, () =>
      Effect.gen(function*() {
        const v = yield* Value.make("i", 0, { lock: false })
        const workers = []
        for (let w = 0; w < 4; w++) workers.push(yield* Process.spawn(tasks.incrementWithUpdate, [v, 1000], { backend }))
        for (const p of workers) yield* Process.result(p)
        expect(yield* Value.get(v)).toBe(4000)
      }), 300_000)

    it.scopedLive(`${backend}: a process terminated in the middle of its updates leaves the lock free and the value whole`, () =>
      Effect.gen(function*() {
        const v = yield* Value.make("i", 0)
        const p = yield* Process.spawn(tasks.updateForever, [v], { backend })
        yield* Effect.repeat(Value.get(v), { until: (n) => n >= 20, schedule: Schedule.spaced("5 millis") })
        yield* Process.terminate(p)
        const before = yield* Value.get(v)
        expect(yield* RLock.acquire(Value.getLock(v), { timeout: "10 seconds" })).toBe(true)
        yield* RLock.release(Value.getLock(v))
        expect(yield* Value.updateAndGet(v, (n) => n + 1)).toBe(before + 1)
      }), 300_000)

    it.scopedLive(`${backend}: an update interrupted while a child holds the lock takes nothing: the lock is free after the child`, () =>
      Effect.gen(function*() {
        const v = yield* Value.make("i", 5)
        const held = yield* Value.make("i", 0, { lock: false })
        const holder = yield* Process.spawn(tasks.holdLock, [v, held], { backend })
        yield* Effect.repeat(Value.get(held), { until: (n) => n === 1, schedule: Schedule.spaced("5 millis") })
        const timedOut = yield* Effect.timeout(Value.update(v, (n) => n + 1), "200 millis").pipe(Effect.option)
        expect(timedOut._tag).toBe("None")
        yield* Process.terminate(holder)
        // the holder ended: its hold is freed, and the interrupted update left no hold of its own
        expect(yield* RLock.acquire(Value.getLock(v), { block: false })).toBe(true)
        yield* RLock.release(Value.getLock(v))
        expect(yield* Value.get(v)).toBe(5)
      }), 300_000)

    it.scopedLive(`${backend}: passed on to a grandchild; created in a child and handed down`, () =>
      Effect.gen(function*() {
        const v = yield* Value.make("i", 0)
        expect(yield* Process.run(tasks.relayIncrement, [v, 50, backend], { backend })).toBe(50)
        expect(yield* Value.get(v)).toBe(50)
        expect(yield* Process.run(tasks.ownCounter, [100, backend], { backend })).toBe(200)
      }), 300_000)
  }
})
