/**
 * Python's `multiprocessing.Process` semantics on the three backends: lifecycle and exit codes,
 * names and `current`, recursion and daemons, scopes and interruption, data isolation.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Backend from "../src/Backend.ts"
import { DaemonError, ProcessExited, ProcessStateError } from "../src/Errors.ts"
import * as Process from "../src/Process.ts"
import { launch } from "./fixtures/subprocess.ts"
import { tasks } from "./fixtures/tasks.ts"

const backends = ["process", "thread", "fiber"] as const
/** Backends whose children are separate isolates (their own memory, their own `process.exit`). */
const isolates = ["process", "thread"] as const

const isActive = <A, E>(p: Process.Process<A, E>) => Effect.map(Process.activeChildren, (ps) => ps.includes(p))

/** The child ended without a result: `result` fails with ProcessExited carrying its exit code and signal. */
const expectExited = <A, E>(p: Process.Process<A, E>, exitCode: number, signal: string | null) =>
  Effect.gen(function*() {
    expect(yield* Process.exitCode(p)).toEqual(Option.some(exitCode))
    expect(yield* Process.isAlive(p)).toBe(false)
    const error = yield* Effect.flip(Process.result(p))
    assert(error instanceof ProcessExited, `expected ProcessExited, got ${String(error)}`)
    expect({ process: error.process, exitCode: error.exitCode, signal: error.signal }).toEqual({
      process: p.name,
      exitCode,
      signal
    })
  })

describe("Process lifecycle and exit codes", () => {
  for (const backend of backends) {
    it.scopedLive(
      `${backend}: exit code None before start and while running, -15 after terminate` +
        (backend === "process" ? " (SIGTERM); " : ` (a ${backend} is stopped, and reported as SIGTERM); `) +
        `activeChildren lists it only while it runs; start twice, join/result before start, setDaemon after start → ProcessStateError`,
      () =>
        Effect.gen(function*() {
          const p = yield* Process.make(tasks.park, [], { backend })
          expect(yield* Process.exitCode(p)).toEqual(Option.none())
          expect(yield* Process.isAlive(p)).toBe(false)
          expect(yield* Process.pid(p)).toEqual(Option.none())
          expect(yield* isActive(p)).toBe(false)
          const early = yield* Effect.flip(Process.join(p))
          assert(early instanceof ProcessStateError)
          expect(early.message).toBe("can only join a started process")
          expect(yield* Effect.flip(Process.result(p))).toBeInstanceOf(ProcessStateError)
          yield* Process.setDaemon(p, true)
          expect(Process.daemon(p)).toBe(true)
          yield* Process.setDaemon(p, false)

          yield* Process.start(p)
          expect(yield* Process.isAlive(p)).toBe(true)
          expect(yield* isActive(p)).toBe(true)
          expect(Option.isSome(yield* Process.pid(p))).toBe(true)
          const twice = yield* Effect.flip(Process.start(p))
          assert(twice instanceof ProcessStateError)
          expect(twice.message).toBe("cannot start a process twice")
          const late = yield* Effect.flip(Process.setDaemon(p, true))
          assert(late instanceof ProcessStateError)
          expect(late.message).toBe("process has already started")
          expect(Process.daemon(p)).toBe(false)

          // join with a timeout returns while the child still runs
          yield* Process.join(p, { timeout: "300 millis" })
          expect(yield* Process.isAlive(p)).toBe(true)
          expect(yield* Process.exitCode(p)).toEqual(Option.none())

          yield* Process.terminate(p)
          yield* expectExited(p, -15, "SIGTERM")
          expect(yield* isActive(p)).toBe(false)
          yield* Process.join(p) // returns at once after the end
        })
    )

    it.scopedLive(
      `${backend}: kill → exit code -9 and ProcessExited(-9, SIGKILL)` +
        (backend === "process" ? "" : ` (a ${backend} is stopped, and reported as killed)`),
      () =>
        Effect.gen(function*() {
          // a busy child on the isolates; a fiber that spins would block this isolate, so it waits instead
          const p = yield* (backend === "fiber"
            ? Process.spawn(tasks.park, [], { backend })
            : Process.spawn(tasks.spin, [], { backend }))
          yield* Process.kill(p)
          yield* expectExited(p, -9, "SIGKILL")
        })
    )
  }

  for (const backend of isolates) {
    it.scopedLive(`${backend}: exit code n after process.exit(n); result → ProcessExited(n, no signal)`, () =>
      Effect.gen(function*() {
        const p = yield* Process.spawn(tasks.exitWith, [7], { backend })
        yield* Process.join(p)
        yield* expectExited(p, 7, null)
      }))
  }

  it.scopedLive("process: a child killed from outside by SIGKILL → exit code -9, ProcessExited with its pid", () =>
    Effect.gen(function*() {
      const p = yield* Process.spawn(tasks.park, [], { backend: "process" })
      const pid = Option.getOrThrow(yield* Process.pid(p))
      expect(pid).not.toBe(process.pid)
      process.kill(pid, "SIGKILL")
      yield* Process.join(p)
      yield* expectExited(p, -9, "SIGKILL")
      const error = yield* Effect.flip(Process.result(p))
      assert(error instanceof ProcessExited)
      expect(error.pid).toBe(pid)
    }))

  it.scopedLive(
    "a raised task: exit code 1, `Process <name>:` and the stack on the child's stderr " +
      "(process, thread and fiber, in a fresh program whose children are named Process-1, -2, -3)",
    () =>
      Effect.gen(function*() {
        const program = yield* launch(new URL("./fixtures/failingParent.ts", import.meta.url))
        const exit = yield* program.closed
        const stderr = program.stderr()
        expect(exit, stderr).toEqual({ code: 0, signal: null })
        expect(JSON.parse(program.stdout().at(-1) ?? "null")).toEqual([
          { backend: "process", name: "Process-1", exitCode: 1, error: "TaskError" },
          { backend: "thread", name: "Process-2", exitCode: 1, error: "TaskError" },
          { backend: "fiber", name: "Process-3", exitCode: 1, error: "TaskError" }
        ])
        for (const name of ["Process-1", "Process-2", "Process-3"]) {
          expect(stderr).toMatch(new RegExp(`(^|\\n)Process ${name}:\\nRangeError: boom\\n\\s+at fail \\(.*tasks\\.ts:\\d+`))
        }
      })
  )
})

describe("names, current, recursion, daemons", () => {
  it.effect("the main isolate is MainProcess", () =>
    Effect.gen(function*() {
      expect(yield* Process.current).toEqual({
        name: "MainProcess",
        pid: process.pid,
        ppid: Option.none(),
        daemon: false,
        backend: "main"
      })
    }))

  it.scoped("default names count per creator: Process-n, then Process-(n+1); the backend defaults to process", () =>
    Effect.gen(function*() {
      const a = yield* Process.make(tasks.square, [1])
      const b = yield* Process.make(tasks.square, [1], { backend: "thread" })
      const c = yield* Process.make(tasks.square, [1], { backend: "fiber", name: "custom" })
      const n = Number(/^Process-(\d+)$/.exec(a.name)?.[1])
      expect(n).toBeGreaterThanOrEqual(1)
      expect(b.name).toBe(`Process-${n + 1}`)
      expect(c.name).toBe("custom")
      expect([a.backend, b.backend, c.backend]).toEqual(["process", "thread", "fiber"])
      const d = yield* Process.make(tasks.square, [1]).pipe(Effect.provide(Backend.layerProcessDefault("fiber")))
      expect(d.backend).toBe("fiber")
      expect(d.name).toBe(`Process-${n + 3}`)
    }))

  for (const backend of backends) {
    it.scopedLive(`${backend}: current() in the child gives its name, pid, parent pid and daemon flag; exit code 0, kept by a later terminate/kill`, () =>
      Effect.gen(function*() {
        const p = yield* Process.spawn(tasks.whoAmI, [], { backend, daemon: true })
        const me = yield* Process.result(p)
        const pid = Option.getOrThrow(yield* Process.pid(p))
        expect(me).toEqual({ name: p.name, pid, ppid: process.pid, daemon: true, backend })
        if (backend === "process") expect(pid).not.toBe(process.pid)
        else expect(pid).toBe(process.pid)
        expect(yield* Process.exitCode(p)).toEqual(Option.some(0))
        yield* Process.terminate(p)
        yield* Process.kill(p)
        expect(yield* Process.exitCode(p)).toEqual(Option.some(0))
      }))

    it.live(`${backend}: children spawn children three levels deep, named Process-n:1:1:1, each with its parent's pid`, () =>
      Effect.gen(function*() {
        const levels = yield* Process.run(tasks.lineage, [3, backend], { backend })
        expect(levels).toHaveLength(4)
        const top = levels[0]!.name
        expect(top).toMatch(/^Process-\d+$/)
        expect(levels.map((l) => l.name)).toEqual([0, 1, 2, 3].map((i) => top + ":1".repeat(i)))
        expect(levels.map((l) => l.ppid)).toEqual([process.pid, ...levels.slice(0, -1).map((l) => l.pid)])
        const pids = new Set(levels.map((l) => l.pid))
        if (backend === "process") {
          expect(pids.size).toBe(4)
          expect(pids.has(process.pid)).toBe(false)
        } else {
          expect([...pids]).toEqual([process.pid])
        }
      }))

    it.scopedLive(`${backend}: a daemonic child that spawns fails with DaemonError; exit code 1`, () =>
      Effect.gen(function*() {
        const p = yield* Process.spawn(tasks.spawnChild, [backend], { backend, daemon: true })
        const error = yield* Effect.flip(Process.result(p))
        assert(error instanceof DaemonError, `expected DaemonError, got ${String(error)}`)
        expect(error.message).toBe("daemonic processes are not allowed to have children")
        expect(yield* Process.exitCode(p)).toEqual(Option.some(1))
      }))
  }
})

describe("scope, interruption, timeout", () => {
  for (const backend of backends) {
    it.live(`${backend}: closing the scope terminates daemonic children (-15) and waits for the others (0)`, () =>
      Effect.gen(function*() {
        const [daemonic, worker] = yield* Effect.scoped(Effect.all([
          Process.spawn(tasks.park, [], { backend, daemon: true }),
          Process.spawn(tasks.sleep, [300], { backend })
        ]))
        expect(yield* Process.exitCode(daemonic)).toEqual(Option.some(-15))
        expect(yield* Process.exitCode(worker)).toEqual(Option.some(0))
        expect(yield* Process.result(worker)).toBe("slept")
      }))

    it.scopedLive(`${backend}: interrupting a fiber waiting in result terminates the child (-15)`, () =>
      Effect.gen(function*() {
        const p = yield* Process.spawn(tasks.park, [], { backend })
        const waiting = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(Effect.zipRight(Deferred.succeed(waiting, undefined), Process.result(p)))
        yield* Deferred.await(waiting)
        yield* Fiber.interrupt(fiber)
        yield* expectExited(p, -15, "SIGTERM")
      }))

    it.scopedLive(`${backend}: Effect.timeout around result terminates the child (-15)`, () =>
      Effect.gen(function*() {
        const p = yield* Process.spawn(tasks.park, [], { backend })
        const error = yield* Effect.flip(Effect.timeout(Process.result(p), "300 millis"))
        expect(Cause.isTimeoutException(error)).toBe(true)
        yield* expectExited(p, -15, "SIGTERM")
      }))
  }
})

describe("data isolation", () => {
  for (const backend of isolates) {
    it.live(`${backend}: a child's change to a module variable is invisible to the parent`, () =>
      Effect.gen(function*() {
        const before = tasks.readCounter.fn()
        expect(yield* Process.run(tasks.bump, [], { backend })).toBe(1)
        expect(tasks.readCounter.fn()).toBe(before)
      }))
  }

  it.live("fiber: the child shares the parent's memory (like multiprocessing.dummy)", () =>
    Effect.gen(function*() {
      const before = tasks.readCounter.fn()
      expect(yield* Process.run(tasks.bump, [], { backend: "fiber" })).toBe(before + 1)
      expect(tasks.readCounter.fn()).toBe(before + 1)
    }))

  it.effect("cpuCount is an integer ≥ 1", () =>
    Effect.gen(function*() {
      const n = yield* Process.cpuCount
      expect(Number.isInteger(n)).toBe(true)
      expect(n).toBeGreaterThanOrEqual(1)
    }))
})
