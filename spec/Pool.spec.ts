/**
 * Python's `multiprocessing.Pool` on the three backends: the API (apply, map, imap, AsyncResult …),
 * the life cycle (close, terminate, join, scope), workers' lives (initializer, maxtasksperchild, crashes,
 * a broken pool) and cancellation.
 */
import { assert, describe, expect, it, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  DaemonError,
  PoolBroken,
  PoolClosed,
  ProcessExited,
  SerializationError,
  SpawnError,
  TaskError,
  TimeoutError,
  ValueError
} from "../src/Errors.ts"
import * as Pool from "../src/Pool.ts"
import type * as Task from "../src/Task.ts"
import { hiddenTask, Insufficient, tasks } from "./fixtures/pool-tasks.ts"

const backends = ["thread", "process", "fiber"] as const
/** Backends whose workers are isolates of their own (own memory, own `process.exit`). */
const isolates = ["thread", "process"] as const

/** Tests that start several pools or replace workers: starting an isolate can take seconds on a busy machine. */
const slow = 180_000
const isBun = "Bun" in globalThis
const isDeno = "Deno" in globalThis

/** A fresh directory for the traces tasks leave (`mark`). */
const traceDir = () => mkdtempSync(join(tmpdir(), "emp-pool-"))
const traces = (dir: string): Array<number> => readdirSync(dir).map(Number).sort((a, b) => a - b)

/** Polls `check` until it holds, failing after `ms`. */
const eventually = (check: () => boolean, ms = 20_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + ms
    while (!check()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error("condition not met in time"))
      yield* Effect.sleep("20 millis")
    }
  })

describe("Pool options", () => {
  it.scopedLive("invalid options are ValueErrors at the call, with Python's messages", () =>
    Effect.gen(function*() {
      for (const maxtasksperchild of [0, -1, 0.5]) {
        const error = yield* Effect.flip(Pool.make({ processes: 1, maxtasksperchild }))
        assert(error instanceof ValueError)
        expect(error.message).toMatch(/^maxtasksperchild must be a positive int or None/)
      }
      const processes = yield* Effect.flip(Pool.make({ processes: 0 }))
      assert(processes instanceof ValueError)
      expect(processes.message).toMatch(/^Number of processes must be at least 1/)
      expect(yield* Effect.flip(Pool.make({ maxQueue: 0 }))).toBeInstanceOf(ValueError)
      expect(yield* Effect.flip(Pool.make({ backend: "nope" as never }))).toBeInstanceOf(ValueError)
      const pool = yield* Pool.make({ processes: 1, backend: "fiber" })
      const chunk = yield* Effect.flip(Pool.map(pool, tasks.square, [1], { chunksize: 0 }))
      assert(chunk instanceof ValueError)
      expect(chunk.message).toBe("Chunksize must be 1+, not 0")
      const imap = yield* Effect.flip(Stream.runCollect(Pool.imap(pool, tasks.square, [1], { chunksize: 0 })))
      expect(imap).toBeInstanceOf(ValueError)
    }))
})

/** The API on one pool per backend, shared by the tests that leave it running. */
describe("Pool API", () => {
  for (const backend of backends) {
    layer(Pool.layer({ processes: 2, backend }), { excludeTestServices: true, timeout: "120 seconds" })(
      `${backend} pool`,
      (it) => {
        it.effect("apply gives values, Promise and Effect results; errors keep their type or remote stack", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            expect(pool.processes).toBe(2)
            expect(pool.backend).toBe(backend)
            expect(yield* Pool.apply(pool, tasks.square, [7])).toBe(49)
            expect(yield* pool.pipe(Pool.apply(tasks.add, [2, 3]))).toBe(5)
            expect(yield* Pool.apply(pool, tasks.effectSleep, [1])).toBe("woke")
            const typed = yield* Effect.flip(Pool.apply(pool, tasks.failTyped, [3]))
            assert(typed instanceof Insufficient, `got ${String(typed)}`)
            expect(typed.needed).toBe(3)
            const raised = yield* Effect.flip(Pool.apply(pool, tasks.fail, ["boom"]))
            assert(raised instanceof TaskError, `got ${String(raised)}`)
            expect(raised.remoteName).toBe("RangeError")
            expect(raised.message).toBe("boom")
            expect(raised.stack).toMatch(/pool-tasks\.ts/)
          }))

        it.effect("map keeps input order for any chunksize; starmap; empty input", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            const xs = Array.from({ length: 25 }, (_, i) => i)
            const squares = xs.map((x) => x * x)
            expect(yield* Pool.map(pool, tasks.square, xs)).toEqual(squares)
            for (const chunksize of [1, 3, 20, 100]) {
              expect(yield* Pool.map(pool, tasks.square, xs, { chunksize })).toEqual(squares)
            }
            expect(yield* Pool.map(pool, tasks.square, new Set([3, 4]))).toEqual([9, 16])
            expect(yield* Pool.starmap(pool, tasks.mul, [[1, 2], [3, 4], [5, 6]])).toEqual([2, 12, 30])
            expect(yield* Pool.starmap(pool, tasks.add, [[1, 2], [3, 4]], { chunksize: 1 })).toEqual([3, 7])
            expect(yield* Pool.map(pool, tasks.square, [])).toEqual([])
            expect(yield* Pool.starmap(pool, tasks.mul, [])).toEqual([])
            const asyncEmpty = yield* Pool.mapAsync(pool, tasks.square, [], { chunksize: 1 })
            expect(yield* asyncEmpty.get({ timeout: "1 second" })).toEqual([])
          }))

        it.effect("map fails with the task's error and leaves nothing running behind it", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            const error = yield* Effect.flip(
              Pool.map(pool, tasks.failAt, Array.from({ length: 20 }, (_, i) => i), { chunksize: 1 })
            )
            assert(error instanceof TaskError)
            expect(error.message).toBe("item 7")
            // The other tasks of the call are cancelled: 40 long tasks, the second failing at once.
            const dir = traceDir()
            const items = Array.from({ length: 40 }, (_, i) => [dir, i, i === 1 ? -1 : 300] as [string, number, number])
            const failed = yield* Effect.flip(Pool.starmap(pool, tasks.markFail, items, { chunksize: 1 }))
            assert(failed instanceof TaskError)
            expect(failed.message).toBe("mark 1")
            const seen = traces(dir).length
            expect(seen).toBeLessThan(10)
            yield* Effect.sleep("700 millis")
            expect(traces(dir).length).toBe(seen)
          }))

        it.effect("applyAsync gives an AsyncResult; callbacks run once, before get returns", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            const seen: Array<string> = []
            const slow = yield* Pool.applyAsync(pool, tasks.sleep, [300, "late"], {
              callback: (v) => {
                seen.push(`ok:${String(v)}`)
              },
              errorCallback: () => {
                seen.push("error")
              }
            })
            expect(Pool.isAsyncResult(slow)).toBe(true)
            expect(yield* slow.ready).toBe(false)
            const early = yield* Effect.flip(slow.successful)
            assert(early instanceof ValueError)
            const timedOut = yield* Effect.flip(slow.get({ timeout: "20 millis" }))
            assert(timedOut instanceof TimeoutError)
            yield* slow.wait({ timeout: "10 millis" })
            expect(yield* slow.ready).toBe(false)
            expect(yield* Pool.get(slow)).toBe("late")
            expect(seen).toEqual(["ok:late"])
            expect(yield* Pool.ready(slow)).toBe(true)
            expect(yield* Pool.successful(slow)).toBe(true)

            const errors: Array<unknown> = []
            const failing = yield* Pool.applyAsync(pool, tasks.fail, ["bad"], {
              callback: () => {
                seen.push("wrong")
              },
              errorCallback: (e) => Effect.sync(() => errors.push(e))
            })
            yield* failing.wait()
            expect(yield* failing.successful).toBe(false)
            const error = yield* Effect.flip(failing.get())
            assert(error instanceof TaskError)
            expect(errors).toEqual([error])
            expect(seen).toEqual(["ok:late"])

            const lists: Array<ReadonlyArray<number>> = []
            const mapped = yield* Pool.mapAsync(pool, tasks.square, [1, 2, 3], {
              callback: (list) => {
                lists.push(list)
              }
            })
            expect(yield* mapped.get()).toEqual([1, 4, 9])
            expect(lists).toEqual([[1, 4, 9]])
            const star = yield* Pool.starmapAsync(pool, tasks.mul, [[2, 3]])
            expect(yield* star.get()).toEqual([6])
          }))

        it.effect("imap yields in input order, imapUnordered in completion order", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            // Two workers: the first task takes longest; the other three run one after another meanwhile.
            const inputs = [[900, 0], [100, 1], [100, 2], [100, 3]] as const
            const ordered = yield* Stream.runCollect(Pool.imap(pool, tasks.sleepThen, inputs))
            expect(Chunk.toReadonlyArray(ordered)).toEqual([0, 1, 2, 3])
            const unordered = yield* Stream.runCollect(Pool.imapUnordered(pool, tasks.sleepThen, inputs))
            expect(Chunk.toReadonlyArray(unordered)).toEqual([1, 2, 3, 0])
            const xs = Array.from({ length: 30 }, (_, i) => i)
            const chunked = yield* Stream.runCollect(Pool.imap(pool, tasks.square, xs, { chunksize: 4 }))
            expect(Chunk.toReadonlyArray(chunked)).toEqual(xs.map((x) => x * x))
            const fromStream = yield* Stream.runCollect(
              pool.pipe(Pool.imapUnordered(tasks.square, Stream.range(1, 10), { chunksize: 3 }))
            )
            expect([...fromStream].sort((a, b) => a - b)).toEqual(xs.slice(1, 11).map((x) => x * x))
            expect(Chunk.toReadonlyArray(yield* Stream.runCollect(Pool.imap(pool, tasks.square, [])))).toEqual([])
          }))

        it.effect("imap emits the results before a failure, then fails (task or input)", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            const got: Array<number> = []
            const xs = Array.from({ length: 12 }, (_, i) => i)
            const error = yield* Effect.flip(
              Stream.runForEach(Pool.imap(pool, tasks.failAt, xs), (x) => Effect.sync(() => got.push(x)))
            )
            assert(error instanceof TaskError)
            expect(got).toEqual([0, 1, 4, 9, 16, 25, 36])
            // The input raises at item 7: with chunks of 2, the results of the 3 whole chunks before it.
            const input = Stream.range(0, 20).pipe(
              Stream.mapEffect((i) => (i === 7 ? Effect.fail("input broke" as const) : Effect.succeed(i)))
            )
            const collected: Array<number> = []
            const inputError = yield* Effect.flip(
              Stream.runForEach(
                Pool.imap(pool, tasks.square, input, { chunksize: 2 }),
                (x) => Effect.sync(() => collected.push(x))
              )
            )
            expect(inputError).toBe("input broke")
            expect(collected).toEqual([0, 1, 4, 9, 16, 25])
          }))

        it.effect("imap reads an endless input only as fast as results are taken", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            let pulled = 0
            const endless = Stream.iterate(0, (n) => n + 1).pipe(Stream.tap(() => Effect.sync(() => pulled++)))
            const first = yield* Stream.runCollect(
              Pool.imap(pool, tasks.square, endless, { bufferSize: 8 }).pipe(Stream.take(50))
            )
            expect(Chunk.toReadonlyArray(first)).toEqual(Array.from({ length: 50 }, (_, i) => i * i))
            // Bounded by the buffer (8 chunks of 1): at most one buffer of results pulled beyond what was
            // taken, one buffer submitted beyond that, and one item in hand.
            expect(pulled).toBeLessThanOrEqual(50 + 2 * 8 + 1)
            yield* Effect.sleep("100 millis")
            expect(pulled).toBeLessThanOrEqual(50 + 2 * 8 + 1)
          }))

        it.effect("a stream taken early leaves nothing running", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            const dir = traceDir()
            const input = Stream.range(0, 99).pipe(Stream.map((i) => [dir, i, 200] as const))
            const first = yield* Stream.runCollect(
              Pool.imap(pool, tasks.markOne, input, { bufferSize: 4 }).pipe(Stream.take(2))
            )
            expect(Chunk.toReadonlyArray(first)).toEqual([0, 1])
            const seen = traces(dir).length
            // Bounded by the buffer (4): results pulled ahead of the two taken, and submitted ahead of those.
            expect(seen).toBeLessThanOrEqual(2 + 2 * 4)
            yield* Effect.sleep("600 millis")
            expect(traces(dir).length).toBe(seen)
          }))

        it.effect("onProgress reports (done, total) up to the total", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            const progress: Array<[number, number]> = []
            const xs = Array.from({ length: 10 }, (_, i) => i)
            yield* Pool.map(pool, tasks.square, xs, {
              chunksize: 3,
              onProgress: (done, total) => progress.push([done, total])
            })
            expect(progress.length).toBe(4)
            expect(progress.map(([, total]) => total)).toEqual([10, 10, 10, 10])
            expect(progress[progress.length - 1]![0]).toBe(10)
            const dones = progress.map(([done]) => done)
            expect([...dones].sort((a, b) => a - b)).toEqual(dones)
          }))

        it.effect("thousands of concurrent applies and a large map all come back right", () =>
          Effect.gen(function*() {
            const pool = yield* Pool.Pool
            const xs = Array.from({ length: 5_000 }, (_, i) => i)
            const results = yield* Effect.forEach(xs, (x) => Pool.applyAsync(pool, tasks.inc, [x]))
            const values = yield* Effect.forEach(results, (r) => r.get())
            expect(values).toEqual(xs.map((x) => x + 1))
            const applied = yield* Effect.forEach(xs.slice(0, 500), (x) => Pool.apply(pool, tasks.inc, [x]), {
              concurrency: "unbounded"
            })
            expect(applied).toEqual(xs.slice(0, 500).map((x) => x + 1))
            const big = Array.from({ length: 100_000 }, (_, i) => i)
            const mapped = yield* Pool.map(pool, tasks.inc, big)
            expect(mapped.length).toBe(100_000)
            expect(mapped.every((v, i) => v === i + 1)).toBe(true)
          }))

        if (backend !== "fiber") {
          it.effect("what cannot be sent or found is an error at the call", () =>
            Effect.gen(function*() {
              const pool = yield* Pool.Pool
              const arg = yield* Effect.flip(Pool.apply(pool, tasks.echo, [() => 1]))
              assert(arg instanceof SerializationError)
              expect(arg.path).toBe("args[0]")
              const item = yield* Effect.flip(Pool.map(pool, tasks.echo, [1, 2, Symbol("x")]))
              assert(item instanceof SerializationError)
              expect(item.path).toBe("items[2]")
              const result = yield* Effect.flip(Pool.apply(pool, tasks.returnFunction, []))
              assert(result instanceof SerializationError, `got ${String(result)}`)
              expect(yield* Effect.flip(Pool.apply(pool, hiddenTask, []))).toBeInstanceOf(SpawnError)
              const inline = yield* Effect.flip(Pool.apply(pool, (n: number) => n + 1, [1]))
              expect(inline).toBeInstanceOf(SpawnError)
              // The pool is still fine.
              expect(yield* Pool.apply(pool, tasks.square, [3])).toBe(9)
            }))

          it.effect("a pool worker is daemonic: a pool inside it fails with DaemonError", () =>
            Effect.gen(function*() {
              const error = yield* Effect.flip(Pool.apply(yield* Pool.Pool, tasks.nestedPool, []))
              assert(error instanceof DaemonError, `got ${String(error)}`)
            }))
        } else {
          it.effect("plain functions run too (Python's multiprocessing.dummy)", () =>
            Effect.gen(function*() {
              expect(yield* Pool.map(yield* Pool.Pool, (n: number) => n + 1, [1, 2, 3])).toEqual([2, 3, 4])
            }))
        }
      }
    )
  }
})

describe("Pool life cycle", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: join before close → ValueError; close lets queued work finish, then refuses`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({ processes: 2, backend })
        const notYet = yield* Effect.flip(Pool.join(pool))
        assert(notYet instanceof ValueError)
        expect(notYet.message).toBe("Pool is still running")
        const results = yield* Effect.forEach([1, 2, 3, 4, 5, 6], (i) => Pool.applyAsync(pool, tasks.sleep, [100, i]))
        yield* Pool.close(pool)
        const refused = yield* Effect.flip(Pool.apply(pool, tasks.square, [1]))
        assert(refused instanceof PoolClosed)
        expect(refused.message).toBe("Pool not running")
        expect(yield* Effect.flip(Pool.applyAsync(pool, tasks.square, [1]))).toBeInstanceOf(PoolClosed)
        expect(yield* Effect.flip(Pool.map(pool, tasks.square, [1]))).toBeInstanceOf(PoolClosed)
        expect(yield* Effect.flip(Stream.runCollect(Pool.imap(pool, tasks.square, [1])))).toBeInstanceOf(PoolClosed)
        yield* Pool.join(pool)
        for (const [i, result] of results.entries()) {
          expect(yield* result.ready).toBe(true)
          expect(yield* result.get()).toBe(i + 1)
        }
      }), slow)

    it.scopedLive(`${backend}: terminate drops queued work (PoolClosed) and returns promptly`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({ processes: 1, backend })
        const results = yield* Effect.forEach(
          Array.from({ length: 200 }, (_, i) => i),
          (i) => Pool.applyAsync(pool, tasks.sleep, [5_000, i])
        )
        const started = Date.now()
        yield* Pool.terminate(pool)
        yield* Pool.join(pool)
        expect(Date.now() - started).toBeLessThan(4_000)
        for (const result of results) {
          const error = yield* Effect.flip(result.get({ timeout: "1 second" }))
          assert(error instanceof PoolClosed, `got ${String(error)}`)
        }
        expect(yield* Effect.flip(Pool.apply(pool, tasks.square, [1]))).toBeInstanceOf(PoolClosed)
      }), slow)
  }

  it.scopedLive("process: closing the scope ends the workers", () =>
    Effect.gen(function*() {
      const pids = yield* Effect.scoped(
        Effect.gen(function*() {
          const pool = yield* Pool.make({ processes: 2, backend: "process" })
          const who = yield* Pool.map(pool, tasks.whoAmI, [0, 1, 2, 3, 4, 5, 6, 7], { chunksize: 1 })
          return [...new Set(who.map((w) => w.pid))]
        })
      )
      expect(pids.length).toBeGreaterThanOrEqual(1)
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0)
          return true
        } catch {
          return false
        }
      }
      for (const pid of pids) {
        expect(pid).not.toBe(process.pid)
        yield* eventually(() => !alive(pid), 5_000)
      }
    }), slow)
})

describe("Pool workers' lives", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: the initializer runs in every worker, replacements included`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({
          processes: 2,
          backend,
          initializer: tasks.initialize,
          initargs: [`ready-${backend}`],
          maxtasksperchild: 2
        })
        const seen = yield* Pool.map(pool, tasks.readInit, Array.from({ length: 12 }, (_, i) => i), { chunksize: 1 })
        expect(seen).toEqual(Array.from({ length: 12 }, () => `ready-${backend}`))
      }), slow)

    it.scopedLive(`${backend}: maxtasksperchild replaces workers without losing queued work`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({ processes: 2, backend, maxtasksperchild: 3 })
        const who = yield* Pool.map(pool, tasks.whoAmI, Array.from({ length: 12 }, (_, i) => i), { chunksize: 1 })
        expect(who.length).toBe(12)
        const names = new Set(who.map((w) => w.name))
        // 12 tasks, at most 3 per worker.
        expect(names.size).toBeGreaterThanOrEqual(4)
        for (const name of names) expect(who.filter((w) => w.name === name).length).toBeLessThanOrEqual(3)
        // maxtasksperchild=1 and close() before the tasks finish: join does not hang, all results arrive.
        const one = yield* Pool.make({ processes: 2, backend, maxtasksperchild: 1 })
        const results = yield* Pool.mapAsync(one, tasks.sleep, [50, 50, 50], { chunksize: 1 })
        yield* Pool.close(one)
        yield* Pool.join(one)
        expect(yield* results.get()).toEqual([50, 50, 50])
      }), slow)

    it.scopedLive(`${backend}: an initializer that always raises breaks the pool instead of respawning forever`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({ processes: 2, backend, initializer: tasks.initialFail, initargs: ["no init"] })
        const error = yield* Effect.flip(Pool.apply(pool, tasks.square, [2]))
        assert(error instanceof PoolBroken, `got ${String(error)}`)
        assert(error.cause instanceof TaskError, `cause ${String(error.cause)}`)
        expect(error.cause.remoteName).toBe("TypeError")
        expect(error.cause.message).toBe("no init")
        expect(yield* Effect.flip(Pool.apply(pool, tasks.square, [2]))).toBeInstanceOf(PoolBroken)
        yield* Pool.join(pool)
      }), slow)

    it.scopedLive(`${backend}: the restart policy is a Schedule`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({
          processes: 1,
          backend,
          initializer: tasks.initialFail,
          initargs: ["never"],
          restart: Schedule.recurs(0)
        })
        expect(yield* Effect.flip(Pool.apply(pool, tasks.square, [2]))).toBeInstanceOf(PoolBroken)
      }), slow)
  }

  /**
   * Submits tasks 0..7 of `task` (which crashes its worker at 3) and gives the errors of those that
   * failed; every other one must give `i * i`.
   */
  const throughCrash = (pool: Pool.Pool, task: Task.Target, ...more: ReadonlyArray<unknown>) =>
    Effect.gen(function*() {
      const results = yield* Effect.forEach(
        [0, 1, 2, 3, 4, 5, 6, 7],
        (i) => Pool.applyAsync(pool, task, [i, ...more])
      )
      const failures = new Map<number, ProcessExited>()
      for (const [i, result] of results.entries()) {
        const either = yield* Effect.either(result.get({ timeout: "60 seconds" }))
        if (Either.isRight(either)) {
          expect(either.right).toBe(i * i)
          continue
        }
        const error = either.left
        assert(error instanceof ProcessExited, `task ${i}: ${String(error)}`)
        expect(error.process).toMatch(/^PoolWorker-/)
        failures.set(i, error)
      }
      expect(failures.has(3)).toBe(true)
      expect(failures.size).toBeLessThan(8)
      return failures
    })

  for (const backend of isolates) {
    const kills = backend === "process" ? (["exit", "kill"] as const) : (["exit"] as const)
    for (const how of kills) {
      it.scopedLive(
        `${backend}: a worker that dies mid-task (${how}) fails exactly its tasks with ProcessExited; the pool goes on`,
        () =>
          Effect.gen(function*() {
            const pool = yield* Pool.make({ processes: 2, backend })
            const failures = yield* throughCrash(pool, tasks.dieAt, how)
            for (const error of failures.values()) {
              expect(error.exitCode).toBe(how === "kill" ? -9 : 9)
              expect(error.signal).toBe(how === "kill" ? "SIGKILL" : null)
            }
            // The worker said which task it was in: only that one fails. Killed by a signal, a process
            // cannot say which task it was in: the tasks it held fail (those the other worker ran do not).
            if (how === "exit") expect([...failures.keys()]).toEqual([3])
            // A map that meets the crash fails with it; the pool still serves.
            const mapError = yield* Effect.flip(Pool.map(pool, tasks.dieAt, [1, 2, 3, 4], { chunksize: 1 }))
            assert(mapError instanceof ProcessExited)
            expect(yield* Pool.map(pool, tasks.square, [1, 2, 3])).toEqual([1, 4, 9])
          }),
        slow
      )
    }

    // Bun ignores resourceLimits, and Deno loses a thread that runs out: there the pool refuses them.
    it.scopedLive.skipIf(isBun || (isDeno && backend === "thread"))(
      `${backend}: a worker over its resourceLimits fails its task with ProcessExited; the pool goes on`,
      () =>
        Effect.gen(function*() {
          const pool = yield* Pool.make({ processes: 2, backend, resourceLimits: { maxOldGenerationSizeMb: 64 } })
          const failures = yield* throughCrash(pool, tasks.hogAt)
          const error = failures.get(3)!
          if (backend === "thread") {
            // Results computed and not yet sent when the worker ran out are lost with it: they fail too.
            expect(Math.max(...failures.keys())).toBe(3)
            expect(error.exitCode).toBe(1)
            expect(error.reason).toBe("out of memory (resourceLimits)")
            expect(error.message).toMatch(/out of memory/)
          } else {
            // V8 aborts the process (Node: SIGABRT; Deno: SIGTRAP).
            expect(error.signal).not.toBeNull()
            expect(error.exitCode).toBeLessThan(0)
          }
          expect(yield* Pool.map(pool, tasks.square, [1, 2, 3])).toEqual([1, 4, 9])
        }),
      slow
    )
  }

  it.scopedLive("process: a worker that crashes natively (abort) fails its tasks with ProcessExited SIGABRT", () =>
    Effect.gen(function*() {
      const pool = yield* Pool.make({ processes: 2, backend: "process" })
      const failures = yield* throughCrash(pool, tasks.abortAt)
      for (const error of failures.values()) {
        expect(error.signal).toBe("SIGABRT")
        expect(error.exitCode).toBe(-6)
      }
      expect(yield* Pool.map(pool, tasks.square, [1, 2, 3])).toEqual([1, 4, 9])
    }), slow)

  it.effect("resourceLimits must be positive numbers", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.scoped(Pool.make({ processes: 1, resourceLimits: { maxOldGenerationSizeMb: -1 } }))
      )
      expect(error.message).toBe("resourceLimits.maxOldGenerationSizeMb must be a positive number (got -1)")
    }))

  it.effect.runIf(isBun || isDeno)("resourceLimits a runtime cannot enforce are refused at make", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.scoped(Pool.make({ processes: 1, backend: "thread", resourceLimits: { maxOldGenerationSizeMb: 64 } }))
      )
      expect(error).toBeInstanceOf(ValueError)
      expect(error.message).toMatch(isBun ? /Bun does not enforce/ : /Deno does not report/)
    }))
})

describe("Pool cancellation and backpressure", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: interrupting map removes its queued tasks and stops its running ones`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({ processes: 2, backend })
        yield* Pool.map(pool, tasks.square, [1, 2], { chunksize: 1 }) // both workers are up
        const dir = traceDir()
        const items = Array.from({ length: 30 }, (_, i) => [dir, i, 200] as [string, number, number])
        const result = yield* Pool.starmap(pool, tasks.markEffect, items, { chunksize: 1 }).pipe(
          Effect.timeoutOption("300 millis")
        )
        expect(result).toEqual(Option.none())
        const seen = traces(dir).length
        expect(seen).toBeGreaterThanOrEqual(1)
        expect(seen).toBeLessThan(30)
        yield* Effect.sleep("600 millis")
        expect(traces(dir).length).toBe(seen)
        expect(yield* Pool.apply(pool, tasks.square, [4])).toBe(16)
      }), slow)
  }

  for (const backend of isolates) {
    it.scopedLive(`${backend}: a running synchronous task that is interrupted costs its worker, replaced at once`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({ processes: 1, backend, interruptGracePeriod: "50 millis" })
        const before = yield* Pool.apply(pool, tasks.whoAmI, [])
        const spinning = yield* Effect.fork(Pool.apply(pool, tasks.spin, [60_000]))
        yield* Effect.sleep("300 millis")
        const started = Date.now()
        yield* Fiber.interrupt(spinning)
        expect(Date.now() - started).toBeLessThan(5_000)
        const after = yield* Pool.apply(pool, tasks.whoAmI, [])
        expect(after.name).not.toBe(before.name)
        // An interruptible task (an Effect) stops in place: the worker stays.
        const sleeping = yield* Effect.fork(Pool.apply(pool, tasks.effectSleep, [60_000]))
        yield* Effect.sleep("300 millis")
        yield* Fiber.interrupt(sleeping)
        expect((yield* Pool.apply(pool, tasks.whoAmI, [])).name).toBe(after.name)
      }), slow)
  }

  for (const backend of backends) {
    it.scopedLive(`${backend}: maxQueue bounds waiting tasks; submitting waits for room`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({ processes: 1, backend, maxQueue: 2 })
        const first = yield* Pool.applyAsync(pool, tasks.sleep, [400, "a"])
        yield* Effect.sleep("100 millis") // the first task is with the worker now
        yield* Pool.applyAsync(pool, tasks.sleep, [1, "b"])
        yield* Pool.applyAsync(pool, tasks.sleep, [1, "c"])
        const blocked = yield* Pool.applyAsync(pool, tasks.sleep, [1, "d"]).pipe(Effect.timeoutOption("100 millis"))
        expect(blocked).toEqual(Option.none())
        const waiting = yield* Effect.fork(Pool.applyAsync(pool, tasks.sleep, [1, "e"]))
        const fourth = yield* Fiber.join(waiting)
        expect(yield* first.ready).toBe(true)
        expect(yield* fourth.get()).toBe("e")
        // map with more items than maxQueue still completes.
        expect(yield* Pool.map(pool, tasks.square, Array.from({ length: 20 }, (_, i) => i), { chunksize: 1 })).toEqual(
          Array.from({ length: 20 }, (_, i) => i * i)
        )
      }), slow)
  }
})

describe("Pool observability and services", () => {
  /** Sum of a counter over every pool of a backend. */
  const counter = (name: string, backend: string) =>
    Effect.map(Metric.snapshot, (pairs) =>
      pairs
        .filter((p) =>
          p.metricKey.name === name && p.metricKey.tags.some((t) => t.key === "backend" && t.value === backend)
        )
        .reduce((sum, p) => sum + ((p.metricState as { count?: number }).count ?? 0), 0))

  it.scopedLive("metrics count submitted, completed and failed tasks and restarted workers", () =>
    Effect.gen(function*() {
      const pool = yield* Pool.make({ processes: 2, backend: "fiber", maxtasksperchild: 2 })
      const before = {
        submitted: yield* counter("effect_mp_pool_tasks_submitted", "fiber"),
        completed: yield* counter("effect_mp_pool_tasks_completed", "fiber"),
        failed: yield* counter("effect_mp_pool_tasks_failed", "fiber"),
        restarts: yield* counter("effect_mp_pool_worker_restarts", "fiber")
      }
      yield* Pool.map(pool, tasks.square, [1, 2, 3, 4, 5, 6], { chunksize: 1 })
      yield* Effect.flip(Pool.apply(pool, tasks.fail, ["x"]))
      expect((yield* counter("effect_mp_pool_tasks_submitted", "fiber")) - before.submitted).toBe(7)
      expect((yield* counter("effect_mp_pool_tasks_completed", "fiber")) - before.completed).toBe(6)
      expect((yield* counter("effect_mp_pool_tasks_failed", "fiber")) - before.failed).toBe(1)
      expect((yield* counter("effect_mp_pool_worker_restarts", "fiber")) - before.restarts).toBeGreaterThanOrEqual(2)
    }))

  it.scopedLive("with spans on, a call is a span below the caller's, and each of its tasks a span below it", () =>
    Effect.gen(function*() {
      const recorded: Array<{ name: string; parent: string | undefined; attributes: Map<string, unknown> }> = []
      const base = yield* Effect.tracer
      const recording = Tracer.make({
        span: (name, parent, ...rest) => {
          const span = base.span(name, parent, ...rest)
          recorded.push({
            name,
            parent: Option.isSome(parent) && parent.value._tag === "Span" ? parent.value.name : undefined,
            attributes: span.attributes as Map<string, unknown>
          })
          return span
        },
        context: (f, fiber) => base.context(f, fiber)
      })
      const pool = yield* Pool.make({ processes: 1, backend: "fiber", spans: true })
      yield* Effect.gen(function*() {
        yield* Pool.apply(pool, tasks.square, [2])
        yield* Pool.map(pool, tasks.square, [1, 2, 3], { chunksize: 2 })
        yield* Effect.flip(Pool.apply(pool, tasks.fail, ["x"]))
        yield* Stream.runDrain(Pool.imap(pool, tasks.square, [1]))
      }).pipe(Effect.withSpan("caller"), Effect.withTracer(recording))
      const pairs = recorded.filter((s) => s.name.startsWith("Pool.")).map((s) => `${s.parent} > ${s.name}`)
      expect(pairs).toEqual([
        "caller > Pool.apply",
        "Pool.apply > Pool.task",
        "caller > Pool.map",
        "Pool.map > Pool.task",
        "Pool.map > Pool.task",
        "caller > Pool.apply",
        "Pool.apply > Pool.task",
        "caller > Pool.imap",
        "Pool.imap > Pool.task"
      ])
      const mapTasks = recorded.filter((s) => s.name === "Pool.task" && s.parent === "Pool.map")
      expect(mapTasks.map((s) => s.attributes.get("pool.items"))).toEqual([2, 1])
      expect(mapTasks[0]!.attributes.get("pool.worker")).toMatch(/^PoolWorker-/)
      const quiet = yield* Pool.make({ processes: 1, backend: "fiber" })
      recorded.length = 0
      yield* Pool.apply(quiet, tasks.square, [2]).pipe(Effect.withTracer(recording))
      expect(recorded).toEqual([])
    }))

  it.scopedLive("Pool.layerConfig takes its size and backend from Config", () =>
    Effect.gen(function*() {
      const pool = yield* Pool.Pool
      expect(pool.processes).toBe(3)
      expect(pool.backend).toBe("fiber")
      expect(yield* Pool.apply(pool, tasks.square, [5])).toBe(25)
    }).pipe(
      Effect.provide(
        Pool.layerConfig({ prefix: "pool" }).pipe(
          Layer.provide(Layer.setConfigProvider(
            ConfigProvider.fromMap(new Map([["pool.processes", "3"], ["pool.backend", "fiber"]]))
          ))
        )
      )
    ))
})

describe("Pool transfer", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: transfer moves buffers to a thread worker and back; otherwise they are copied`, () =>
      Effect.gen(function*() {
        const pool = yield* Pool.make({ processes: 1, backend })
        const fill = (n: number) => {
          const bytes = new Uint8Array(1 << 20)
          for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096 + n) & 0xff
          return bytes
        }
        const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])
        const copied = fill(1)
        const back = yield* Pool.apply(pool, tasks.echoBytes, [copied])
        expect(same(back, fill(1))).toBe(true)
        expect(copied.byteLength).toBe(1 << 20)
        const moved = fill(2)
        const movedBack = yield* Pool.apply(pool, tasks.echoBytes, [moved], { transfer: true })
        expect(same(movedBack, fill(2))).toBe(true)
        // Moved on the thread backend (the sender's view is detached); copied or shared elsewhere.
        expect(moved.byteLength).toBe(backend === "thread" ? 0 : 1 << 20)
        const chunks = yield* Pool.map(pool, tasks.echoBytes, [fill(3), fill(4)], { transfer: true, chunksize: 1 })
        expect(same(chunks[0]!, fill(3)) && same(chunks[1]!, fill(4))).toBe(true)
      }), slow)
  }
})
