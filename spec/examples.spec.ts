/**
 * Every program in `examples/` runs as a real subprocess of the runtime running this test (Node through
 * tsx, Deno, Bun), exits with 0, and prints what it promises: children with their own pids whose parent
 * is the example, output ordered by `join`, exit codes, `-15` after terminate, a daemon that never
 * finishes while its non-daemonic sibling does, the child's error and stack seen by the parent.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type Ran, mainLines, runExampleOk } from "./fixtures/examples-run.ts"
import { isRunning } from "./fixtures/subprocess.ts"

// Many processes each, and on Node from TypeScript sources a child costs about a second: be generous.
const timeout = "420 seconds"
const testTimeout = 480_000

/** A line a child printed about itself: `Process-1 pid=4242 ppid=4200: text`. */
interface Said {
  readonly name: string
  readonly pid: number
  readonly ppid: number
  readonly text: string
  readonly index: number
}

const said = (ran: Ran): ReadonlyArray<Said> =>
  ran.lines.flatMap((line, index) => {
    const m = /^(\S+) pid=(\d+) ppid=(\d+): (.*)$/.exec(line)
    return m === null ? [] : [{ name: m[1]!, pid: Number(m[2]), ppid: Number(m[3]), text: m[4]!, index }]
  })

const run = (name: string, backend?: "process" | "thread" | "fiber") =>
  runExampleOk(name, backend === undefined ? { timeout } : { backend, timeout })

/** Each child ran in an OS process of its own, started by the example. */
const expectOwnProcesses = (ran: Ran, children: ReadonlyArray<Said>): void => {
  for (const child of children) {
    expect(child.pid, child.name).not.toBe(ran.pid)
    expect(child.ppid, child.name).toBe(ran.pid)
  }
  expect(new Set(children.map((c) => c.pid)).size).toBe(new Set(children.map((c) => c.name)).size)
  expect(children.map((c) => c.pid).filter(isRunning)).toEqual([])
}

describe("examples", () => {
  it.live("main (npm start): three child processes count primes; results and exit codes", () =>
    Effect.gen(function*() {
      const ran = yield* run("main")
      expect(ran.lines[0]).toMatch(
        new RegExp(`^MainProcess pid=${ran.pid}: \\d+ CPUs; starting 3 children on the process backend$`)
      )
      const started = new Map(ran.lines.flatMap((line) => {
        const m = /^MainProcess pid=\d+: started (Process-\d+) pid=(\d+)$/.exec(line)
        return m === null ? [] : [[m[1]!, Number(m[2])] as const]
      }))
      expect([...started.keys()]).toEqual(["Process-1", "Process-2", "Process-3"])
      const found = said(ran).filter((s) => s.text.startsWith("found"))
      expect(found.map((s) => s.name).sort()).toEqual(["Process-1", "Process-2", "Process-3"])
      for (const s of found) expect(s.pid).toBe(started.get(s.name))
      expect(found.map((s) => s.text).sort()).toEqual([
        "found 8013 primes in [200000, 300000)",
        "found 8392 primes in [100000, 200000)",
        "found 9592 primes in [0, 100000)"
      ])
      expectOwnProcesses(ran, found)
      expect(ran.lines.slice(-4)).toEqual([
        "MainProcess: 9592 + 8392 + 8013 = 25997 primes below 300000",
        "MainProcess: Process-1 exit code 0",
        "MainProcess: Process-2 exit code 0",
        "MainProcess: Process-3 exit code 0"
      ])
    }), testTimeout)

  it.live("main with EFFECT_MP_BACKEND=thread: the children are threads of the example's process", () =>
    Effect.gen(function*() {
      const ran = yield* run("main", "thread")
      expect(ran.lines[0]).toMatch(/starting 3 children on the thread backend$/)
      const found = said(ran).filter((s) => s.text.startsWith("found"))
      expect(found.map((s) => s.name).sort()).toEqual(["Process-1", "Process-2", "Process-3"])
      for (const s of found) expect([s.pid, s.ppid]).toEqual([ran.pid, ran.pid])
      expect(ran.lines.slice(-4)).toEqual([
        "MainProcess: 9592 + 8392 + 8013 = 25997 primes below 300000",
        "MainProcess: Process-1 exit code 0",
        "MainProcess: Process-2 exit code 0",
        "MainProcess: Process-3 exit code 0"
      ])
    }), testTimeout)

  it.live("hello: the child prints its pid and its parent's; the isMain guard keeps it from rerunning main", () =>
    Effect.gen(function*() {
      const ran = yield* run("hello")
      const children = said(ran)
      expect(ran.lines).toEqual([
        `MainProcess pid=${ran.pid}: starting a child`,
        `Process-1 pid=${children[0]?.pid} ppid=${ran.pid}: hello from the child`,
        `MainProcess pid=${ran.pid}: Process-1 exited with code 0`
      ])
      expectOwnProcesses(ran, children)
    }), testTimeout)

  it.live("join: every line of the child comes before the parent's line after join", () =>
    Effect.gen(function*() {
      const ran = yield* run("join")
      const children = said(ran)
      expect(children.map((s) => `${s.name}: ${s.text}`)).toEqual([
        "Process-1: step 1 of 3",
        "Process-1: step 2 of 3",
        "Process-1: step 3 of 3",
        "Process-1: finished"
      ])
      expectOwnProcesses(ran, children)
      expect(mainLines(ran)).toEqual([
        "MainProcess: started Process-1, alive: true; joining it",
        "MainProcess: join returned; Process-1 alive: false, exit code 0"
      ])
      expect(ran.lines.at(-1)).toBe("MainProcess: join returned; Process-1 alive: false, exit code 0")
    }), testTimeout)

  it.live("ten children: started, then joined; each in its own process; results in order", () =>
    Effect.gen(function*() {
      const ran = yield* run("ten-children")
      const children = said(ran)
      expect(children).toHaveLength(10)
      for (const child of children) {
        const n = Number(child.name.replace("Process-", "")) - 1
        expect(child.text).toBe(`${n} squared is ${n * n}`)
      }
      expect(children.map((c) => c.name).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `Process-${i + 1}`).sort()
      )
      expectOwnProcesses(ran, children)
      const started = ran.lines.findIndex((line) => /^MainProcess: started all 10, \d+ still running$/.test(line))
      const joined = ran.lines.indexOf("MainProcess: joined all 10; exit codes 0 0 0 0 0 0 0 0 0 0")
      expect(started).toBeGreaterThan(0)
      expect(joined).toBeGreaterThan(Math.max(started, ...children.map((c) => c.index)))
      expect(ran.lines.at(-1)).toBe("MainProcess: results 0 1 4 9 16 25 36 49 64 81")
    }), testTimeout)

  it.live("isolation: a process or thread child changes its own copy of a module variable; a fiber shares it", () =>
    Effect.gen(function*() {
      const ran = yield* run("isolation")
      expect(mainLines(ran)).toEqual([
        "MainProcess: value = 1",
        "MainProcess: the process child set value to 100; here value = 1",
        "MainProcess: the thread child set value to 200; here value = 1",
        "MainProcess: the fiber child set value to 300; here value = 300"
      ])
      const [processChild, threadChild, fiberChild] = [...said(ran)].sort((a, b) => a.name.localeCompare(b.name))
      expect(processChild?.text).toBe("value was 1, set it to 100")
      expectOwnProcesses(ran, [processChild!])
      expect(processChild!.index).toBeLessThan(ran.lines.indexOf(mainLines(ran)[1]!))
      expect([threadChild?.text, threadChild?.pid]).toEqual(["value was 1, set it to 200", ran.pid])
      expect([fiberChild?.text, fiberChild?.pid]).toEqual(["value was 1, set it to 300", ran.pid])
    }), testTimeout)

  it.live("daemon: terminated (-15) when the main scope ends, never finishing; the worker is waited for", () =>
    Effect.gen(function*() {
      const ran = yield* run("daemon")
      const children = said(ran)
      const closed = "MainProcess: scope closed; daemon exit code -15, worker exit code 0"
      expect(ran.lines.at(-1)).toBe(closed)
      expect(ran.lines).toContain("MainProcess: after join(daemon, 1 second): daemon alive: true")
      expect(ran.lines).toContain("MainProcess: leaving the main scope")
      const worker = children.filter((s) => s.name === "worker")
      expect(worker.map((s) => s.text)).toEqual([
        "started, 8 ticks to go",
        ...Array.from({ length: 8 }, (_, i) => `tick ${i + 1}`),
        "finished"
      ])
      const daemon = children.filter((s) => s.name === "daemon")
      expect(daemon.map((s) => s.text)).not.toContain("finished")
      expect(daemon.length + worker.length).toBe(children.length)
      expectOwnProcesses(ran, children)
    }), testTimeout)

  for (const backend of ["process", "thread"] as const) {
    it.live(`terminate on the ${backend} backend: a busy child ends with exit code -15`, () =>
      Effect.gen(function*() {
        const ran = yield* run("terminate", backend)
        const p = (state: string) => `<Process name='Process-1' backend=${backend} ${state}>`
        expect(mainLines(ran)).toEqual([
          `MainProcess: before start: ${p("initial")}, alive: false, exit code: none`,
          `MainProcess: after start: ${p("started")}, alive: true, exit code: none`,
          `MainProcess: after join(1 second): ${p("started")}, alive: true, exit code: none`,
          `MainProcess: after terminate: ${p("stopped exitcode=-15")}, alive: false, exit code: -15`,
          "MainProcess: result: ProcessExited: Process-1 exited with code -15 (SIGTERM)"
        ])
        // The child may have been terminated before it could say anything.
        const children = said(ran)
        expect(children.map((s) => s.text)).toEqual(children.length === 0 ? [] : ["busy, counting for ever"])
        if (backend === "process") expectOwnProcesses(ran, children)
      }), testTimeout)
  }

  it.live("error: the child exits with 1 and prints its stack; the parent gets a TaskError and a typed error", () =>
    Effect.gen(function*() {
      const ran = yield* run("error")
      expect(ran.lines.slice(0, 4)).toEqual([
        "MainProcess: Process-1 exit code 1",
        "MainProcess: TaskError: the child raised RangeError: cannot divide by zero",
        "MainProcess: the child's stack:",
        "RangeError: cannot divide by zero"
      ])
      const stack = ran.lines.slice(4, ran.lines.length - 1)
      expect(stack.find((line) => /^\s+at check \(.*examples\/tasks\/failing\.ts:\d+:\d+\)$/.test(line))).toBeDefined()
      expect(stack.find((line) => /^\s+at divide \(.*examples\/tasks\/failing\.ts:\d+:\d+\)$/.test(line))).toBeDefined()
      expect(ran.lines.at(-1)).toBe(
        "MainProcess: typed error Overdrawn (instance of its class: true): balance 100, amount 250"
      )
      expect(ran.stderr).toContain("Process Process-1:\nRangeError: cannot divide by zero\n")
      expect(ran.stderr).toContain("Process Process-2:\n")
    }), testTimeout)
})
