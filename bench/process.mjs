// `npm run bench -- process [--runtime node|deno|bun|all] [--reps 20] [--warmup 3] [--no-python]`
//
// Start-up latency of a Process on each backend, beside the bare floors of the same runtime and
// Python's multiprocessing, all measured in the same run, interleaved round by round:
//
// - start: time inside the call that starts the child (Backend spawn / Process.spawn / Python start()),
// - first: from that call to the first message from the child received by the parent,
// - exit:  from that call to the child's end seen by the parent (Process.spawn + join, Python start()+join()).
//
// Our children run built code (dist/, imported by the plain .mjs task module bench/fixtures/tasks.mjs),
// as a user's would: no tsx anywhere.
import * as CP from "node:child_process"
import { fileURLToPath } from "node:url"
import * as WT from "node:worker_threads"
import { parseOptions, scriptArgs } from "./lib/args.mjs"
import { childrenCpuMs, describeCpu, watchCpu } from "./lib/cpuwatch.mjs"
import { printEnvironment } from "./lib/env.mjs"
import { startTwin } from "./lib/python.mjs"
import { runRounds } from "./lib/rounds.mjs"
import { currentRuntime } from "./lib/runtimes.mjs"
import { printTable } from "./lib/table.mjs"
import { formatMs, formatRatio, now } from "./lib/time.mjs"

const { options } = parseOptions(scriptArgs(), {
  reps: 20,
  warmup: 3,
  python: true,
  backends: "thread,process,fiber",
  json: ""
})
const backends = options.backends.split(",").filter(Boolean)

// The parent's own start-up cost, measured once: loading the library (and Effect), then the task module.
const t0 = now()
const { Backend, Process } = await import("../dist/index.js")
const Effect = await import("effect/Effect")
const importLibraryMs = now() - t0
const t1 = now()
const { tasks } = await import("./fixtures/tasks.mjs")
const importTasksMs = now() - t1

const bareWorker = new URL("./fixtures/bare-worker.mjs", import.meta.url)
const bareChild = fileURLToPath(new URL("./fixtures/bare-child.mjs", import.meta.url))
// What any implementation must do beyond the floor: receive what to run and import the task's module.
const bareWorkerTask = new URL("./fixtures/bare-worker-task.mjs", import.meta.url)
const bareChildTask = fileURLToPath(new URL("./fixtures/bare-child-task.mjs", import.meta.url))

const expectExit = (what, code, resolve, reject, sample) =>
  code === 0 && sample.first !== undefined
    ? resolve(sample)
    : reject(new Error(`${what}: exit code ${code}, first message ${sample.first === undefined ? "never came" : "came"}`))

/** Floor: `new Worker(file.mjs)` → first message → exit (`withTask`: the worker imports the task module). */
const floorThread = (withTask = false) => () =>
  new Promise((resolve, reject) => {
    const t = now()
    const worker = withTask
      ? new WT.Worker(bareWorkerTask, { workerData: { module: tasks.noop.module } })
      : new WT.Worker(bareWorker)
    const start = now() - t
    let first
    worker.once("message", () => (first = now() - t))
    worker.once("error", reject)
    worker.once("exit", (code) => expectExit("bare worker", code, resolve, reject, { start, first, exit: now() - t }))
  })

/**
 * Floor: `child_process.fork(file.mjs)` with the process backend's options → first IPC message → exit.
 * `env` other than this process's is for the informational row without NODE_EXTRA_CA_CERTS.
 */
const floorProcess = (env = process.env, withTask = false) => () =>
  new Promise((resolve, reject) => {
    const cpu = childrenCpuMs()
    const t = now()
    const child = CP.fork(withTask ? bareChildTask : bareChild, [], {
      serialization: "advanced",
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env
    })
    if (withTask) child.send({ module: tasks.noop.module })
    const start = now() - t
    let first
    child.once("message", () => (first = now() - t))
    child.once("error", reject)
    child.once("close", (code) =>
      expectExit("bare fork", code, resolve, reject, { start, first, exit: now() - t, ...childCpu(cpu) })
    )
  })

const withoutExtraCerts = () => {
  const env = { ...process.env }
  delete env.NODE_EXTRA_CA_CERTS
  return env
}

/** `{ cpu }`: CPU time of the child that just ended (Linux), for the process rows. */
const childCpu = (before) => {
  const after = childrenCpuMs()
  return before === undefined || after === undefined ? {} : { cpu: after - before }
}

let counter = 0

/**
 * The library one level down: a backend's `spawn` and its ChildHandle (first message = the task's
 * result). The run message is built as `start` in src/internal/process.ts builds it.
 */
const viaBackend = (name) => () =>
  new Promise((resolve, reject) => {
    const run = {
      _: "run",
      task: { module: tasks.noop.module, key: tasks.noop.key },
      args: [],
      info: { name: `Bench-${++counter}`, daemon: false, ppid: process.pid, backend: name === "thread" ? "thread" : "process", node: `bench.${counter}` }
    }
    const cpu = childrenCpuMs()
    const t = now()
    const handle = Backend.get(name).spawn({ run, fn: tasks.noop.fn })
    const start = now() - t
    let first
    handle.onMessage((message) => {
      first ??= now() - t
      if (message._ !== "result") reject(new Error(`${name} backend: ${JSON.stringify(message)}`))
    })
    handle.onExit(({ code }) =>
      expectExit(`${name} backend`, code, resolve, reject, {
        start,
        first,
        exit: now() - t,
        ...(name === "process" ? childCpu(cpu) : {})
      })
    )
  })

/** The public API as a user calls it: `Process.spawn` then `Process.join`, in a scope. */
const viaProcess = (backend) => () => {
  const cpu = childrenCpuMs()
  const t = now()
  let start
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function*() {
        const p = yield* Process.spawn(tasks.noop, [], { backend })
        start = now() - t
        yield* Process.join(p)
        const code = yield* Process.exitCode(p)
        if (code._tag !== "Some" || code.value !== 0) return yield* Effect.die(new Error(`exit code ${JSON.stringify(code)}`))
      })
    )
  ).then(() => ({ start, exit: now() - t, ...(backend === "process" ? childCpu(cpu) : {}) }))
}

const python = options.python ? await startTwin(fileURLToPath(new URL("./process.py", import.meta.url))) : undefined

const contenders = [
  ...(backends.includes("thread")
    ? [
      { name: "floor: bare Worker (.mjs)", run: floorThread() },
      { name: "info: bare Worker importing the task module", run: floorThread(true) },
      { name: "thread: backend spawn", run: viaBackend("thread") },
      { name: "thread: Process.spawn+join", run: viaProcess("thread") }
    ]
    : []),
  ...(backends.includes("process")
    ? [
      { name: "floor: bare fork (.mjs)", run: floorProcess() },
      { name: "info: bare fork, run message + task module import", run: floorProcess(process.env, true) },
      // What the floor would be without this machine's CA bundle (~55 ms per Node process; not a floor).
      ...(process.env.NODE_EXTRA_CA_CERTS && currentRuntime().name === "node"
        ? [{ name: "info: bare fork, NODE_EXTRA_CA_CERTS unset", run: floorProcess(withoutExtraCerts()) }]
        : []),
      { name: "process: backend spawn", run: viaBackend("process") },
      { name: "process: Process.spawn+join", run: viaProcess("process") }
    ]
    : []),
  ...(backends.includes("fiber")
    ? [
      { name: "fiber: backend spawn", run: viaBackend("fiber") },
      { name: "fiber: Process.spawn+join", run: viaProcess("fiber") }
    ]
    : []),
  ...(python === undefined ? [] : ["spawn", "fork"].map((method) => ({
    name: `python ${method}`,
    run: () => python.call("measure", { method })
  })))
]

printEnvironment(`process start-up (${currentRuntime().name})`, {
  python: python === undefined ? (options.python ? "not found" : "skipped") : `${python.version} (twin: bench/process.py)`,
  repetitions: `${options.reps} measured after ${options.warmup} warm-up, interleaved round by round`,
  "parent imports dist/index.js + effect/Effect": `${formatMs(importLibraryMs)} ms; task module ${formatMs(importTasksMs)} ms`
})

const cpu = watchCpu()
let results
try {
  results = await runRounds({ contenders, reps: options.reps, warmup: options.warmup })
} finally {
  await python?.close()
}
const cpuUsage = cpu.stop()

const floorOf = (name) =>
  name.startsWith("thread") ? results.get("floor: bare Worker (.mjs)") : name.startsWith("process") || name.startsWith("python")
  ? results.get("floor: bare fork (.mjs)")
  : undefined

const cell = (s) => (s === undefined ? undefined : `${formatMs(s.median)} (${formatMs(s.p90)})`)

printTable(
  ["contender", ">start", ">first message", ">exit / join", ">cold exit", ">first ÷ floor", ">exit ÷ floor", ">child CPU"],
  contenders.map(({ name }) => {
    const r = results.get(name)
    const floor = name.startsWith("floor") || name.startsWith("info") ? undefined : floorOf(name)
    return [
      name,
      formatMs(r.stats.start?.median),
      cell(r.stats.first),
      cell(r.stats.exit),
      formatMs(r.cold.exit),
      floor && r.stats.first ? formatRatio(r.stats.first.median, floor.stats.first.median) : undefined,
      floor ? formatRatio(r.stats.exit.median, floor.stats.exit.median) : undefined,
      r.stats.cpu === undefined ? undefined : formatMs(r.stats.cpu.mean)
    ]
  })
)
console.log(
  "\nms, median (p90); start = time inside the start call; cold = the first run (warm-up); child CPU = mean " +
    "user+system time of the child process (all its threads), which other load hardly changes."
)
console.log(`CPU during the run: ${describeCpu(cpuUsage)}`)
if (python !== undefined) {
  const noop = ["spawn", "fork"].map((m) => `${m} ${cell(results.get(`python ${m}`).stats.noop)}`).join(", ")
  console.log(`Python Process(noop).start()+join() (PYTHON-PERF.md row d): ${noop} ms`)
}

// The issue's goals: thread and process within 1.5× of their floor; the process backend no slower than
// Python's spawn.
const goals = []
const ratio = (a, b) => a / b
for (const backend of ["thread", "process"]) {
  const floor = floorOf(backend)
  for (const how of ["backend spawn", "Process.spawn+join"]) {
    const r = results.get(`${backend}: ${how}`)
    if (r === undefined || floor === undefined) continue
    if (r.stats.first) goals.push([`${backend}: ${how}, first message ÷ floor`, ratio(r.stats.first.median, floor.stats.first.median), 1.5])
    goals.push([`${backend}: ${how}, exit ÷ floor`, ratio(r.stats.exit.median, floor.stats.exit.median), 1.5])
  }
}
// The same comparisons in child CPU time, which the machine's other load hardly changes.
const floorCpu = results.get("floor: bare fork (.mjs)")?.stats.cpu
const backendCpu = results.get("process: backend spawn")?.stats.cpu
if (floorCpu !== undefined && backendCpu !== undefined) {
  goals.push(["process: backend spawn, child CPU ÷ floor's child CPU", ratio(backendCpu.mean, floorCpu.mean), 1.5])
}
const spawnPy = results.get("python spawn")
if (spawnPy?.stats.cpu !== undefined && backendCpu !== undefined) {
  goals.push(["process: backend spawn, child CPU ÷ Python spawn child CPU", ratio(backendCpu.mean, spawnPy.stats.cpu.mean), 1])
}
if (spawnPy !== undefined && results.has("process: Process.spawn+join")) {
  goals.push([
    "process: Process.spawn+join ÷ Python spawn start()+join()",
    ratio(results.get("process: Process.spawn+join").stats.exit.median, spawnPy.stats.exit.median),
    1
  ])
  goals.push([
    "process: backend first message ÷ Python spawn first message",
    ratio(results.get("process: backend spawn").stats.first.median, spawnPy.stats.first.median),
    1
  ])
}
if (goals.length > 0) {
  console.log("")
  printTable(
    ["goal", ">ratio", ">limit", "met"],
    goals.map(([what, r, limit]) => [what, `${r.toFixed(2)}×`, `${limit}×`, r <= limit ? "yes" : "NO"])
  )
}

if (options.json) {
  const { writeFileSync } = await import("node:fs")
  const out = Object.fromEntries([...results].map(([name, r]) => [name, r]))
  writeFileSync(options.json, JSON.stringify({ runtime: currentRuntime(), options, cpu: cpuUsage, importLibraryMs, importTasksMs, results: out }, null, 2))
}
