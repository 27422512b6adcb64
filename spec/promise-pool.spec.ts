/**
 * The Promise facade of Pool (issue 4, point 7), as a plain script uses it: `createPool`, `apply`,
 * `map`, `starmap`, `applyAsync`/`mapAsync` with Python's AsyncResult, `imap`/`imapUnordered` as async
 * iterables (endless input, `break` cancels), an `AbortSignal` on every call, the life cycle (close,
 * join, terminate, `await using`) and typed rejections, on the thread, process and fiber backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Runtime from "effect/Runtime"
import { mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { liveChildren } from "../src/internal/children.ts"
import {
  createPool,
  Pool,
  PoolClosed,
  TaskError,
  TimeoutError,
  ValueError
} from "../src/promise/index.ts"
import { Insufficient, tasks } from "./fixtures/pool-tasks.ts"

const backends = ["thread", "process", "fiber"] as const

/** A fresh directory for the traces tasks leave (`mark`). */
const traceDir = () => mkdtempSync(join(tmpdir(), "emp-ppool-"))
const traces = (dir: string): number => readdirSync(dir).length

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it holds, for at most a minute. */
const eventually = async (check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 60_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition never held")
    await sleep(10)
  }
}

/** The rejection of `promise`, which must reject. */
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a rejection")
}

/** Everything an async iterable gives, or its error (after the values it gave). */
const drain = async <A>(iterable: AsyncIterable<A>): Promise<{ values: Array<A>; error?: unknown }> => {
  const values: Array<A> = []
  try {
    for await (const value of iterable) values.push(value)
  } catch (error) {
    return { values, error }
  }
  return { values }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

for (const backend of backends) {
  describe(`promise Pool API: ${backend}`, () => {
    let pool: Pool
    beforeAll(async () => {
      pool = await createPool({ processes: 2, backend })
    })
    afterAll(() => pool?.terminate())

    it("map keeps the input order; starmap, apply, the pool's size and backend", async () => {
      expect(pool.processes).toBe(2)
      expect(pool.backend).toBe(backend)
      const xs = Array.from({ length: 50 }, (_, i) => i)
      expect(await pool.map(tasks.square, xs)).toEqual(xs.map((x) => x * x))
      expect(await pool.map(tasks.square, xs, { chunksize: 1 })).toEqual(xs.map((x) => x * x))
      expect(await pool.starmap(tasks.mul, [[2, 3], [4, 5]])).toEqual([6, 20])
      expect(await pool.apply(tasks.add, [2, 3])).toBe(5)
      expect(await pool.apply(tasks.square, [7])).toBe(49)
      const progress: Array<[number, number]> = []
      const onProgress = (done: number, total: number) => void progress.push([done, total])
      await pool.map(tasks.inc, xs.slice(0, 10), { chunksize: 3, onProgress })
      expect(progress.at(-1)).toEqual([10, 10])
    })

    it("a task's error rejects with TaskError, or with the task's own tagged error, never a FiberFailure", async () => {
      const mapped = await rejection(pool.map(tasks.failAt, Array.from({ length: 10 }, (_, i) => i), { chunksize: 1 }))
      expect(mapped).toBeInstanceOf(TaskError)
      expect(Runtime.isFiberFailure(mapped)).toBe(false)
      expect(mapped).toMatchObject({ remoteName: "RangeError", message: "item 7" })
      const applied = await rejection(pool.apply(tasks.fail, ["boom"]))
      expect(applied).toBeInstanceOf(TaskError)
      expect(applied).toMatchObject({ message: "boom" })
      const typed = await rejection(pool.apply(tasks.failTyped, [3]))
      expect(typed).toBeInstanceOf(Insufficient)
      expect(typed).toMatchObject({ needed: 3 })
      expect(await rejection(pool.starmap(tasks.failTyped, [[4]]))).toBeInstanceOf(Insufficient)
    })

    it("applyAsync: ready, successful, get with a timeout; the callback runs before get resolves", async () => {
      const seen: Array<string> = []
      const slow = pool.applyAsync(tasks.sleep, [300, "late"], {
        callback: (v) => {
          seen.push(`ok:${String(v)}`)
        },
        errorCallback: () => {
          seen.push("error")
        }
      })
      expect(slow.ready()).toBe(false)
      expect(() => slow.successful()).toThrow(ValueError)
      const timedOut = await rejection(slow.get({ timeout: 1 }))
      expect(timedOut).toBeInstanceOf(TimeoutError)
      await slow.wait({ timeout: 1 })
      expect(await slow.get()).toBe("late")
      expect(seen).toEqual(["ok:late"])
      expect(slow.ready()).toBe(true)
      expect(slow.successful()).toBe(true)

      const errors: Array<unknown> = []
      const failing = pool.applyAsync(tasks.fail, ["bad"], {
        callback: () => {
          seen.push("wrong")
        },
        errorCallback: async (e) => {
          await sleep(1)
          errors.push(e)
        }
      })
      await failing.wait()
      expect(failing.successful()).toBe(false)
      const error = await rejection(failing.get())
      expect(error).toBeInstanceOf(TaskError)
      expect(errors).toEqual([error])
      expect(seen).toEqual(["ok:late"])

      const lists: Array<ReadonlyArray<number>> = []
      const mapped = pool.mapAsync(tasks.square, [1, 2, 3], { callback: (list) => void lists.push(list) })
      expect(await mapped.get()).toEqual([1, 4, 9])
      expect(lists).toEqual([[1, 4, 9]])
      expect(await pool.starmapAsync(tasks.mul, [[2, 3]]).get()).toEqual([6])
    })

    it("imap yields in input order, imapUnordered as tasks complete, via for await", async () => {
      // Two workers: the first task takes longest; the other three run one after another meanwhile.
      const inputs = [[600, 0], [50, 1], [50, 2], [50, 3]] as const
      const ordered: Array<number> = []
      for await (const n of pool.imap(tasks.sleepThen, inputs)) ordered.push(n)
      expect(ordered).toEqual([0, 1, 2, 3])
      const unordered: Array<number> = []
      for await (const n of pool.imapUnordered(tasks.sleepThen, inputs)) unordered.push(n)
      expect(unordered).toEqual([1, 2, 3, 0])
      const chunked = await drain(pool.imap(tasks.square, Array.from({ length: 25 }, (_, i) => i), { chunksize: 4 }))
      expect(chunked.values).toEqual(Array.from({ length: 25 }, (_, i) => i * i))
    })

    it("imap gives the results before a failure first, then rejects with it (the task's or the input's)", async () => {
      const failed = await drain(pool.imap(tasks.failAt, Array.from({ length: 10 }, (_, i) => i)))
      expect(failed.values).toEqual([0, 1, 4, 9, 16, 25, 36])
      expect(failed.error).toBeInstanceOf(TaskError)
      const broken = new Error("input broke")
      async function* input() {
        yield 1
        yield 2
        throw broken
      }
      const fromInput = await drain(pool.imap(tasks.square, input()))
      expect(fromInput.values).toEqual([1, 4])
      expect(fromInput.error).toBe(broken)
    })

    it("imap reads an endless async iterable as results are taken; break cancels the rest", async () => {
      const dir = traceDir()
      let produced = 0
      let returned = false
      async function* endless() {
        try {
          for (let i = 0;; i++) {
            produced++
            yield [dir, i, 200] as const
          }
        } finally {
          returned = true
        }
      }
      const taken: Array<number> = []
      for await (const n of pool.imap(tasks.markOne, endless(), { bufferSize: 2 })) {
        taken.push(n)
        if (taken.length === 3) break
      }
      expect(taken).toEqual([0, 1, 2])
      expect(returned).toBe(true)
      // Bounded by the buffer: results pulled ahead of those taken, and submitted ahead of those.
      expect(produced).toBeLessThanOrEqual(3 + 2 * 2 + 2)
      const seen = traces(dir)
      expect(seen).toBeLessThanOrEqual(3 + 2 * 2)
      await sleep(500)
      expect(traces(dir)).toBe(seen)
    })

    it("aborting a map rejects with the signal's reason and stops its tasks", async () => {
      const dir = traceDir()
      const items = Array.from({ length: 30 }, (_, i) => [dir, i, 300] as const)
      const controller = new AbortController()
      const reason = new Error("enough")
      const pending = rejection(pool.map(tasks.markOne, items, { chunksize: 1, signal: controller.signal }))
      await eventually(() => traces(dir) >= 1)
      controller.abort(reason)
      expect(await pending).toBe(reason)
      const seen = traces(dir)
      expect(seen).toBeLessThan(30)
      await sleep(500)
      expect(traces(dir)).toBe(seen)
      expect(await pool.apply(tasks.square, [4])).toBe(16) // the pool goes on
    })

    it("aborting running apply and applyAsync calls rejects with the signal's reason", async () => {
      const dir = traceDir()
      const controller = new AbortController()
      const applied = rejection(pool.apply(tasks.markEffect, [dir, 0, 60_000], { signal: controller.signal }))
      const asyncResult = pool.applyAsync(tasks.markEffect, [dir, 1, 60_000], { signal: controller.signal })
      await eventually(() => traces(dir) === 2) // both running: one on each worker
      controller.abort()
      const error = await applied
      expect(error).toBeInstanceOf(DOMException)
      expect((error as DOMException).name).toBe("AbortError")
      expect(await rejection(asyncResult.get())).toBe(error)
      expect(asyncResult.successful()).toBe(false)
      // already aborted: nothing runs
      expect(await rejection(pool.apply(tasks.square, [1], { signal: controller.signal }))).toBe(error)
      expect(await rejection(pool.map(tasks.square, [1], { signal: controller.signal }))).toBe(error)
      expect((await drain(pool.imap(tasks.square, [1], { signal: controller.signal }))).error).toBe(error)
      expect(await pool.map(tasks.square, [1, 2], { chunksize: 1 })).toEqual([1, 4]) // both workers free again
    })

    it("aborting an imap loop rejects with the signal's reason and stops its tasks", async () => {
      const dir = traceDir()
      const controller = new AbortController()
      const reason = new Error("stop the loop")
      const items = Array.from({ length: 30 }, (_, i) => [dir, i, 300] as const)
      const looped = drain(pool.imap(tasks.markOne, items, { signal: controller.signal }))
      await eventually(() => traces(dir) >= 1)
      controller.abort(reason)
      expect((await looped).error).toBe(reason)
      const seen = traces(dir)
      expect(seen).toBeLessThan(30)
      await sleep(500)
      expect(traces(dir)).toBe(seen)
    })

    if (backend === "thread") {
      it("transfer moves the argument's buffer to the worker", async () => {
        const bytes = new Uint8Array([1, 2, 3])
        const back = await pool.apply(tasks.echoBytes, [bytes], { transfer: true })
        expect(Array.from(back)).toEqual([1, 2, 3])
        expect(bytes.byteLength).toBe(0)
      })
    }
  })
}

describe("promise Pool life cycle", () => {
  it("invalid options reject with ValueError", async () => {
    expect(await rejection(createPool({ processes: 0 }))).toBeInstanceOf(ValueError)
    expect(await rejection(Pool.create({ maxtasksperchild: 0 }))).toBeInstanceOf(ValueError)
  })

  it("the initializer runs with its initargs before the first task", async () => {
    await using pool = await createPool({
      processes: 1,
      backend: "fiber",
      initializer: tasks.initialize,
      initargs: ["ready"],
      interruptGracePeriod: 50
    })
    expect(await pool.apply(tasks.readInit, [])).toBe("ready")
  })

  for (const backend of backends) {
    it(`${backend}: join before close is a ValueError; after close, submissions reject with PoolClosed`, async () => {
      await using pool = await createPool({ processes: 2, backend })
      expect(await rejection(pool.join())).toBeInstanceOf(ValueError)
      // Python's idiom: submit, close, join; every call made before close runs (even the first calls of a
      // task, which wait for its module to be checked)
      const results = [1, 2, 3].map((i) => pool.applyAsync(tasks.square, [i]))
      const queued = pool.map(tasks.sleep, [100, 100, 100], { chunksize: 1 })
      pool.close()
      pool.close()
      expect(await rejection(pool.apply(tasks.square, [1]))).toBeInstanceOf(PoolClosed)
      expect(await rejection(pool.map(tasks.square, [1]))).toBeInstanceOf(PoolClosed)
      expect(await rejection(pool.applyAsync(tasks.square, [1]).get())).toBeInstanceOf(PoolClosed)
      expect((await drain(pool.imap(tasks.square, [1]))).error).toBeInstanceOf(PoolClosed)
      await pool.join()
      expect(await queued).toEqual([100, 100, 100]) // queued work finished first
      expect(await Promise.all(results.map((r) => r.get()))).toEqual([1, 4, 9])
    })

    it(`${backend}: terminate rejects the tasks not done with PoolClosed`, async () => {
      const pool = await createPool({ processes: 1, backend })
      const running = rejection(pool.map(tasks.effectSleep, [60_000, 60_000], { chunksize: 1 }))
      const later = pool.applyAsync(tasks.square, [2])
      await pool.terminate()
      expect(await running).toBeInstanceOf(PoolClosed)
      expect(await rejection(later.get())).toBeInstanceOf(PoolClosed)
      await pool.join()
      await pool[Symbol.asyncDispose]()
    })

    it(`${backend}: await using terminates the workers`, async () => {
      const before = liveChildren().size
      let pids: Array<number>
      let used: Pool
      {
        await using pool = await createPool({ processes: 2, backend })
        used = pool
        const who = await pool.map(tasks.whoAmI, [0, 1, 2, 3, 4, 5, 6, 7], { chunksize: 1 })
        pids = [...new Set(who.map((w) => w.pid))]
        if (backend !== "fiber") expect(liveChildren().size).toBe(before + 2)
      }
      expect(liveChildren().size).toBe(before)
      expect(await rejection(used.apply(tasks.square, [1]))).toBeInstanceOf(PoolClosed)
      if (backend === "process") {
        for (const pid of pids) {
          expect(pid).not.toBe(process.pid)
          await eventually(() => !alive(pid))
        }
      }
    })
  }
})
