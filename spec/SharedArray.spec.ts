/**
 * Python's `multiprocessing.Array` (conformance J) on the three backends: sizes and initial values,
 * Python's indexing and slicing, C conversions, the lock option, children's writes seen by the parent.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { IndexError, ValueError } from "../src/Errors.ts"
import * as Process from "../src/Process.ts"
import * as RLock from "../src/RLock.ts"
import * as SharedArray from "../src/SharedArray.ts"
import { tasks } from "./fixtures/value-tasks.ts"

const backends = ["process", "thread", "fiber"] as const
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

describe("SharedArray in the owner", () => {
  it.scoped("a size gives zeros; an iterable gives its elements, converted; a bad size or element is a ValueError", () =>
    Effect.gen(function*() {
      const zeros = yield* SharedArray.make("i", 10)
      expect(SharedArray.length(zeros)).toBe(10)
      expect(yield* SharedArray.toArray(zeros)).toEqual(new Array(10).fill(0))
      expect(yield* SharedArray.toArray(yield* SharedArray.make("q", 2))).toEqual([0n, 0n])
      expect(yield* SharedArray.toArray(yield* SharedArray.make("b", [1, 200, -129]))).toEqual([1, -56, 127])
      expect(yield* SharedArray.toArray(yield* SharedArray.make("c", "hello"))).toEqual(["h", "e", "l", "l", "o"])
      expect(yield* SharedArray.toArray(yield* SharedArray.make("f", new Float64Array([0.1, 2])))).toEqual([Math.fround(0.1), 2])
      expect(yield* SharedArray.toArray(yield* SharedArray.make("d", 0))).toEqual([])
      expect((yield* Effect.flip(SharedArray.make("i", -1))).message).toContain("size must be")
      expect((yield* Effect.flip(SharedArray.make("i", [1, 2.5]))).message).toBe("int expected instead of float")
      expect((yield* Effect.flip(SharedArray.make("i", ["1"] as never))).message).toBe("int expected instead of str")
    }))

  it.scoped("get/set with Python's indices: negative from the end; outside → IndexError(\"invalid index\")", () =>
    Effect.gen(function*() {
      const a = yield* SharedArray.make("h", range(5))
      expect(yield* SharedArray.get(a, 0)).toBe(0)
      expect(yield* SharedArray.get(a, -1)).toBe(4)
      expect(yield* SharedArray.get(a, -5)).toBe(0)
      yield* SharedArray.set(a, -2, 40_000)
      expect(yield* SharedArray.get(a, 3)).toBe(-25_536)
      for (const i of [5, -6, 100]) {
        const e = yield* Effect.flip(SharedArray.get(a, i))
        assert(e instanceof IndexError)
        expect(e.message).toBe("invalid index")
        expect(yield* Effect.flip(SharedArray.set(a, i, 1))).toBeInstanceOf(IndexError)
      }
      expect(yield* Effect.flip(SharedArray.get(a, 1.5))).toBeInstanceOf(ValueError)
      expect((yield* Effect.flip(SharedArray.set(a, 0, 0.5))).message).toBe("int expected instead of float")
      expect(yield* SharedArray.get(a, 0)).toBe(0)
      expect(yield* a.pipe(SharedArray.get(1))).toBe(1)
    }))

  it.scoped("slice and setSlice follow Python's slices", () =>
    Effect.gen(function*() {
      const a = yield* SharedArray.make("i", range(10))
      expect(yield* SharedArray.slice(a, 2, 5)).toEqual([2, 3, 4])
      expect(yield* SharedArray.slice(a, -3)).toEqual([7, 8, 9])
      expect(yield* SharedArray.slice(a, undefined, -7)).toEqual([0, 1, 2])
      expect(yield* SharedArray.slice(a, 8, 100)).toEqual([8, 9])
      expect(yield* SharedArray.slice(a, -100, 2)).toEqual([0, 1])
      expect(yield* SharedArray.slice(a, 5, 2)).toEqual([])
      expect(yield* SharedArray.slice(a)).toEqual(range(10))
      expect(yield* a.pipe(SharedArray.slice(7))).toEqual([7, 8, 9])
      yield* SharedArray.setSlice(a, 2, 5, [20, 30, 40])
      yield* SharedArray.setSlice(a, -2, undefined, new Int32Array([80, 90]))
      yield* SharedArray.setSlice(a, 5, 5, [])
      expect(yield* SharedArray.toArray(a)).toEqual([0, 1, 20, 30, 40, 5, 6, 7, 80, 90])
      const e = yield* Effect.flip(SharedArray.setSlice(a, 0, 3, [1, 2]))
      assert(e instanceof ValueError)
      expect(e.message).toBe("Can only assign sequence of same size")
      expect(yield* Effect.flip(SharedArray.setSlice(a, 0, 2, [1, 0.5]))).toBeInstanceOf(ValueError)
      expect(yield* SharedArray.slice(a, 0, 2)).toEqual([0, 1])
    }))

  it.scoped("lock option as Value's: an RLock by default, none when false", () =>
    Effect.gen(function*() {
      const a = yield* SharedArray.make("d", 3)
      expect(RLock.isRLock(SharedArray.getLock(a))).toBe(true)
      const raw = yield* SharedArray.make("d", 3, { lock: false })
      expect(SharedArray.getLock(raw)).toBeUndefined()
      expect(yield* SharedArray.update(raw, 1, (x: number) => x + 0.5)).toBe(0.5)
      expect(SharedArray.typecode(raw)).toBe("d")
      expect(SharedArray.isSharedArray(a)).toBe(true)
    }))
})

describe("SharedArray across processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: a child's writes are seen by the parent; indices, slices and errors in a child`, () =>
      Effect.gen(function*() {
        const a = yield* SharedArray.make("i", [1, 2, 3, 4])
        expect(yield* Process.run(tasks.scale, [a, 10], { backend })).toEqual([10, 20, 30, 40])
        expect(yield* SharedArray.toArray(a)).toEqual([10, 20, 30, 40])
        expect(yield* Process.run(tasks.inspect, [a], { backend })).toEqual({
          length: 4,
          last: 80,
          slice: [20, 70],
          outside: "IndexError: invalid index",
          badSlice: "ValueError: Can only assign sequence of same size"
        })
        expect(yield* SharedArray.toArray(a)).toEqual([10, 20, 70, 80])
      }))

    it.scopedLive(`${backend}: children updating every element of a raw and of a locked array at once: no update lost`, () =>
      Effect.gen(function*() {
        const raw = yield* SharedArray.make("I", 3, { lock: false })
        const locked = yield* SharedArray.make("I", 3)
        const workers = []
        for (let w = 0; w < 2; w++) {
          workers.push(yield* Process.spawn(tasks.bumpAll, [raw, 100], { backend }))
          workers.push(yield* Process.spawn(tasks.bumpAll, [locked, 100], { backend }))
        }
        for (const p of workers) yield* Process.result(p)
        expect(yield* SharedArray.toArray(raw)).toEqual([200, 200, 200])
        expect(yield* SharedArray.toArray(locked)).toEqual([200, 200, 200])
      }), 300_000)
  }
})
