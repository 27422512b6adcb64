// `npm run bench -- ipc [--runtime node|deno|bun|all] [--pin 0] [--reps 3] [--warmup 1] [--no-python]
//                       [--only queue,rtt,bytes,lock,value] [--backends thread,process] [--py-start fork]
//                       [--budget-ms 3000] [--json out.json]`
// `BENCH_SCALE=0.1 npm run bench -- ipc` shrinks every size (a quick run).
//
// Shared resources between processes, ours beside Python's multiprocessing doing the same work in the
// same run (bench/ipc.py), interleaved round by round:
//
// - Queue: 200,000 small ints, 1 producer → 1 consumer and 2 → 2, all children (thread / process),
//   the queue owned by the parent (Python: mp.Queue between processes); ours an item a call (put/get)
//   and 1,000 a call (putAll/getUpTo; Python has no such call: its rows are the same put/get ones);
// - Pipe: ping-pong round trip of a small message parent ↔ child (median, p99);
// - Pipe: a child sends 1 MiB messages with sendBytes, the parent reads them (MB/s);
// - Lock: two children contending, acquire/release pairs per second (Python: mp.Lock in shared memory,
//   and Manager().Lock() served by a process, as our process backend serves it);
// - Value: two children incrementing a Value under its lock (Python: mp.Value, and a Manager Value
//   under a Manager Lock).
//
// Rows named "floor: …" do the same work without the library (a bare forked child on the same IPC
// channel; bare Effect steps): what no implementation on this runtime gets under.
//
// Children start before the clock: each says "ready" and waits for an Event `go`; the clock stops when
// the parent has every consumer's "done". Our children run built code (dist/) from the plain .mjs task
// module bench/fixtures/ipc-tasks.mjs.
import * as CP from "node:child_process"
import { fileURLToPath } from "node:url"
import { parseOptions, scriptArgs } from "./lib/args.mjs"
import { describeCpu, watchCpu } from "./lib/cpuwatch.mjs"
import { printEnvironment } from "./lib/env.mjs"
import { startTwin } from "./lib/python.mjs"
import { runRounds } from "./lib/rounds.mjs"
import { currentRuntime } from "./lib/runtimes.mjs"
import { printTable } from "./lib/table.mjs"
import { formatMs, formatRate, now } from "./lib/time.mjs"

const { options } = parseOptions(scriptArgs(), {
  reps: 3,
  warmup: 1,
  python: true,
  only: "queue,rtt,bytes,lock,value",
  backends: "thread,process",
  pyStart: "fork",
  budgetMs: 3000,
  json: ""
})
const groups = new Set(options.only.split(",").filter(Boolean))
const backends = options.backends.split(",").filter(Boolean)
const scale = Number(process.env.BENCH_SCALE ?? 1)
if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`)
const scaled = (n) => Math.max(1, Math.round(n * scale))

// Sizes at BENCH_SCALE=1. Where one side is 100× faster than the other (shared-memory locks), each side
// gets a size that takes it a similar time: the rows compare rates, not totals.
const sizes = {
  queueItems: scaled(200_000),
  queueChunk: 1_000, // items a putAll/getUpTo (the chunked Queue rows)
  rttTrips: scaled(2_000),
  rttWarmup: 200,
  bytesMessages: scaled(200),
  bytesSize: 1 << 20,
  lockPairs: scaled(10_000), // per contender, ours (process children: calls to the owner)
  lockPairsThread: scaled(200_000), // per contender, ours (thread children: shared memory)
  pyLockPairs: scaled(1_000_000), // per contender, Python mp.Lock
  pyManagerLockPairs: scaled(10_000), // per contender, Python Manager lock
  valueIncrements: scaled(5_000), // per contender, ours (process children)
  valueIncrementsThread: scaled(100_000), // per contender, ours (thread children: shared memory)
  pyValueIncrements: scaled(500_000), // per contender, Python mp.Value
  pyManagerValueIncrements: scaled(3_000) // per contender, Python Manager Value + Lock
}
/** Longest a measured run of one contender should take. */
const budgetMs = options.budgetMs
/** The first (warm-up) run of a contender uses this fraction of its size. */
const warmupFraction = 0.02

const t0 = now()
const Lib = await import("../dist/index.js")
const Effect = await import("effect/Effect")
const { tasks } = await import("./fixtures/ipc-tasks.mjs")
const importMs = now() - t0
const { Event, Lock, Pipe, Process, Queue } = Lib
const SENTINEL = -1

const python = options.python ? await startTwin(fileURLToPath(new URL("./ipc.py", import.meta.url))) : undefined
const pyStart = options.pyStart

// ---------------------------------------------------------------------------------------------------
// Our measurements: each returns an Effect of one sample ({ ms } or { median, p99 } in ms)
// ---------------------------------------------------------------------------------------------------

/** Starts children, waits for their "ready"s, sets `go`; the sample is the time until `until` ends. */
const contend = (spawnAll, until) =>
  Effect.gen(function*() {
    const control = yield* Queue.make()
    const go = yield* Event.make
    const children = yield* spawnAll(control, go)
    for (let i = 0; i < children.length; i++) {
      const hello = yield* Queue.get(control)
      if (hello !== "ready") return yield* Effect.die(new Error(`expected "ready", got ${JSON.stringify(hello)}`))
    }
    const t = now()
    yield* Event.set(go)
    const value = yield* until(control)
    const ms = now() - t
    for (const child of children) yield* Process.result(child)
    return { ms, value }
  })

const spawnN = (n, task, args, backend) =>
  Effect.forEach(Array.from({ length: n }), () => Process.spawn(task, args, { backend }))

/** Waits for `n` ["done", count] on the control queue; the sum of the counts. */
const doneCounts = (n) => (control) =>
  Effect.gen(function*() {
    let total = 0
    for (let i = 0; i < n; i++) {
      const message = yield* Queue.get(control)
      if (!Array.isArray(message) || message[0] !== "done") return yield* Effect.die(new Error(`expected done, got ${JSON.stringify(message)}`))
      total += message[1]
    }
    return total
  })

const check = (what, got, expected) =>
  got === expected ? Effect.void : Effect.die(new Error(`${what}: got ${got}, expected ${expected}`))

/** Queue throughput: `put`/`get` an item at a time, or `putAll`/`getUpTo` `chunk` items at a time. */
const ourQueue = (backend, producers, consumers, chunk) => (n) =>
  Effect.gen(function*() {
    const q = yield* Queue.make()
    const per = Math.floor(n / producers)
    const [producer, consumer] = chunk === undefined
      ? [[tasks.queueProducer, []], [tasks.queueConsumer, []]]
      : [[tasks.queueChunkProducer, [chunk]], [tasks.queueChunkConsumer, [chunk]]]
    const { ms, value } = yield* contend(
      (control, go) =>
        Effect.zipWith(
          spawnN(producers, producer[0], [q, control, go, per, ...producer[1]], backend),
          spawnN(consumers, consumer[0], [q, control, ...consumer[1]], backend),
          (a, b) => [...a, ...b]
        ),
      doneCounts(consumers)
    )
    yield* check("items consumed", value, per * producers)
    return { ms }
  })

const ourPipeRtt = (backend) => (n) =>
  Effect.gen(function*() {
    const [a, b] = yield* Pipe.make()
    const child = yield* Process.spawn(tasks.pipeEcho, [b], { backend })
    const samples = []
    for (let i = 0; i < sizes.rttWarmup + n; i++) {
      const t = now()
      yield* Pipe.send(a, i)
      const back = yield* Pipe.recv(a)
      if (i >= sizes.rttWarmup) samples.push(now() - t)
      if (back !== i) return yield* Effect.die(new Error(`echo: sent ${i}, got ${back}`))
    }
    yield* Pipe.send(a, null)
    yield* check("round trips", (yield* Process.result(child)) - sizes.rttWarmup, n)
    samples.sort((x, y) => x - y)
    return { median: samples[samples.length >> 1], p99: samples[Math.max(0, Math.ceil(0.99 * samples.length) - 1)] }
  })

const ourPipeBytes = (backend) => (k) =>
  Effect.gen(function*() {
    const [a, b] = yield* Pipe.make()
    const child = yield* Process.spawn(tasks.pipeBytesWriter, [b, k, sizes.bytesSize], { backend })
    yield* Pipe.recv(a) // "ready"
    const t = now()
    yield* Pipe.send(a, "go")
    let total = 0
    for (let i = 0; i < k; i++) total += (yield* Pipe.recvBytes(a)).byteLength
    const ms = now() - t
    yield* Process.result(child)
    yield* check("bytes", total, k * sizes.bytesSize)
    return { ms }
  })

const ourLock = (backend) => (m) =>
  Effect.gen(function*() {
    const lock = yield* Lock.make
    const { ms, value } = yield* contend((control, go) => spawnN(2, tasks.lockContender, [lock, control, go, m], backend), doneCounts(2))
    yield* check("pairs", value, 2 * m)
    return { ms }
  })

const ourValue = (backend) => (m) =>
  Effect.gen(function*() {
    const value = yield* Lib.Value.make("i", 0)
    const { ms } = yield* contend((control, go) => spawnN(2, tasks.valueIncrementer, [value, control, go, m], backend), doneCounts(2))
    yield* check("value", yield* Lib.Value.get(value), 2 * m)
    return { ms }
  })

// ---------------------------------------------------------------------------------------------------
// Floors: what the same work costs without the library (the rows named "floor: …")
// ---------------------------------------------------------------------------------------------------

const bareIpc = fileURLToPath(new URL("./fixtures/bare-ipc.mjs", import.meta.url))

/** Forks the bare IPC child (as the process backend forks: advanced serialization); `use` drives it. */
const withBareChild = async (args, use) => {
  const child = CP.fork(bareIpc, args, { serialization: "advanced", stdio: ["inherit", "inherit", "inherit", "ipc"] })
  const ended = new Promise((resolve) => child.once("exit", resolve))
  try {
    return await use(child)
  } finally {
    if (child.connected) child.disconnect()
    await ended
  }
}

/** The next message from a bare child. */
const nextMessage = (child) => new Promise((resolve) => child.once("message", resolve))

const bareRtt = (n) =>
  withBareChild([], async (child) => {
    const samples = []
    for (let i = 0; i < sizes.rttWarmup + n; i++) {
      const t = now()
      const back = nextMessage(child)
      child.send(i)
      if ((await back) !== i) throw new Error(`bare echo: sent ${i}, got something else`)
      if (i >= sizes.rttWarmup) samples.push(now() - t)
    }
    child.send(null)
    samples.sort((x, y) => x - y)
    return { median: samples[samples.length >> 1], p99: samples[Math.max(0, Math.ceil(0.99 * samples.length) - 1)] }
  })

const bareBytes = (k) =>
  withBareChild(["bytes", String(k), String(sizes.bytesSize)], (child) =>
    new Promise((resolve, reject) => {
      let total = 0
      let t = 0
      child.on("message", (message) => {
        if (message !== null) return void (total += message.byteLength)
        const ms = now() - t
        if (total === k * sizes.bytesSize) resolve({ ms })
        else reject(new Error(`bare bytes: got ${total}, expected ${k * sizes.bytesSize}`))
      })
      t = now()
      child.send("go")
    }))

/** Two Effect steps a pair (a compare-and-swap, a store) in one fiber: no lock, no contention. */
const effectPairs = (m) =>
  Effect.sync(() => {
    const cells = new Int32Array(new SharedArrayBuffer(4))
    const acquire = Effect.sync(() => Atomics.compareExchange(cells, 0, 0, 1) === 0)
    const release = Effect.sync(() => Atomics.store(cells, 0, 0))
    const t = now()
    Effect.runSync(Effect.gen(function*() {
      for (let i = 0; i < m; i++) {
        yield* acquire
        yield* release
      }
    }))
    return { ms: now() - t }
  })

// ---------------------------------------------------------------------------------------------------
// Rows: what each contender measures, its unit, and which Python contender it is compared with
// ---------------------------------------------------------------------------------------------------

const available = {
  Pipe: typeof Lib.Pipe?.make === "function",
  Lock: typeof Lib.Lock?.make === "object" || typeof Lib.Lock?.make === "function",
  Value: typeof Lib.Value?.make === "function"
}

/**
 * A contender does `size` units of work per run and returns one sample in its row's unit: `figure`
 * turns { n, ms } into it (a rate), or the run returns { median, p99 } round trips in ms (a latency,
 * given in µs). The first (warm-up) run uses `warmupFraction` of the size; when it shows that a full
 * run would take longer than the budget, the measured runs use a size that fits it (the table shows
 * the size used): our slowest rows would otherwise take minutes per run.
 */
const contender = (name, size, runN, figure) => {
  let calls = 0
  let n = size
  return {
    name,
    get size() {
      return n
    },
    run: async () => {
      const warm = calls++ === 0 && options.warmup > 0
      const runSize = warm ? Math.max(1, Math.round(size * warmupFraction)) : n
      const sample = await runN(runSize)
      if (warm) {
        // the measured part only (children start before the clock, as in every run)
        const measuredMs = sample.ms ?? sample.median * runSize
        const projected = (measuredMs / runSize) * size
        if (projected > budgetMs) n = Math.max(runSize, Math.floor((size * budgetMs) / projected))
      }
      return figure === undefined ? { value: sample.median * 1000, p99: sample.p99 * 1000 } : { value: figure({ n: runSize, ms: sample.ms }) }
    }
  }
}

const ourContender = (name, size, makeEffect, figure) =>
  contender(name, size, (n) => Effect.runPromise(Effect.scoped(makeEffect(n))), figure)

const pyContender = (name, size, method, params, figure) =>
  contender(name, size, (n) => python.call(method, { ...params(n), start: pyStart }), figure)

const perSecond = (unitsPerN) => ({ n, ms }) => (n * unitsPerN) / (ms / 1000)

/** Each group is measured on its own, its contenders interleaved round by round. */
const plan = []

if (groups.has("queue")) {
  const figure = perSecond(1)
  const contenders = []
  const rows = []
  for (const [p, c] of [[1, 1], [2, 2]]) {
    const shape = `${p}→${c}`
    const pyName = `python mp.Queue ${shape} (processes)`
    if (python) contenders.push(pyContender(pyName, sizes.queueItems, "queue", (n) => ({ producers: p, consumers: c, n }), figure))
    for (const backend of backends) {
      for (const chunk of [undefined, sizes.queueChunk]) {
        const how = chunk === undefined ? "" : ` (putAll/getUpTo ${chunk})`
        const name = `Queue ${shape}, ${backend}→${backend}${how}`
        contenders.push(ourContender(name, sizes.queueItems, ourQueue(backend, p, c, chunk), figure))
        rows.push({ name, py: pyName, unit: "items/s", higher: true, goal: backend === "thread" ? 10 : backend === "process" ? 2 : undefined })
      }
    }
  }
  plan.push({ title: "Queue throughput", contenders, rows })
}

if (groups.has("rtt")) {
  const contenders = []
  const rows = []
  const pyName = "python Pipe round trip (processes)"
  if (python) contenders.push(pyContender(pyName, sizes.rttTrips, "pipe_rtt", (n) => ({ n, warmup: sizes.rttWarmup })))
  if (available.Pipe) {
    for (const backend of backends) {
      const name = `Pipe round trip, parent↔${backend}`
      contenders.push(ourContender(name, sizes.rttTrips, ourPipeRtt(backend)))
      rows.push({ name, py: pyName, unit: "µs median (p99)", higher: false, goal: backend === "thread" ? 1 : backend === "process" ? 1.5 : undefined })
    }
  }
  if (backends.includes("process")) {
    const name = "floor: bare fork IPC round trip (no library)"
    contenders.push(contender(name, sizes.rttTrips, bareRtt))
    rows.push({ name, py: pyName, unit: "µs median (p99)", higher: false })
  }
  plan.push({ title: "Pipe round trip", contenders, rows, latency: true })
}

if (groups.has("bytes")) {
  const figure = perSecond(sizes.bytesSize / 1e6)
  const contenders = []
  const rows = []
  const pyName = "python Pipe send_bytes 1 MiB (processes)"
  if (python) contenders.push(pyContender(pyName, sizes.bytesMessages, "pipe_bytes", (k) => ({ k, size: sizes.bytesSize }), figure))
  if (available.Pipe) {
    for (const backend of backends) {
      const name = `Pipe sendBytes 1 MiB, ${backend}→parent`
      contenders.push(ourContender(name, sizes.bytesMessages, ourPipeBytes(backend), figure))
      rows.push({ name, py: pyName, unit: "MB/s", higher: true, goal: 1 })
    }
  }
  if (backends.includes("process")) {
    const name = "floor: bare fork IPC 1 MiB child→parent (no library)"
    contenders.push(contender(name, sizes.bytesMessages, bareBytes, figure))
    rows.push({ name, py: pyName, unit: "MB/s", higher: true })
  }
  plan.push({ title: "Pipe 1 MiB throughput", contenders, rows })
}

if (groups.has("lock")) {
  const figure = perSecond(2)
  const contenders = []
  const rows = []
  const pyShm = "python mp.Lock, 2 processes (shared memory)"
  const pyManager = "python Manager().Lock(), 2 processes"
  if (python) {
    contenders.push(pyContender(pyShm, sizes.pyLockPairs, "lock", (m) => ({ m }), figure))
    contenders.push(pyContender(pyManager, sizes.pyManagerLockPairs, "manager_lock", (m) => ({ m }), figure))
  }
  if (available.Lock) {
    for (const backend of backends) {
      const name = `Lock pairs, 2 ${backend} children`
      contenders.push(ourContender(name, backend === "thread" ? sizes.lockPairsThread : sizes.lockPairs, ourLock(backend), figure))
      rows.push({
        name,
        py: backend === "process" ? pyManager : pyShm,
        unit: "pairs/s",
        higher: true,
        goal: backend === "process" ? 2 : backend === "thread" ? 1 : undefined
      })
    }
  }
  {
    const name = "floor: 2 Effect steps a pair, 1 fiber, no contention (no library)"
    contenders.push(ourContender(name, sizes.lockPairsThread, effectPairs, perSecond(1)))
    rows.push({ name, py: pyShm, unit: "pairs/s", higher: true })
  }
  plan.push({ title: "Lock contention", contenders, rows })
}

if (groups.has("value")) {
  const figure = perSecond(2)
  const contenders = []
  const rows = []
  const pyShm = "python mp.Value under its lock, 2 processes"
  const pyManager = "python Manager Value + Lock, 2 processes"
  if (python) {
    contenders.push(pyContender(pyShm, sizes.pyValueIncrements, "value", (m) => ({ m }), figure))
    contenders.push(pyContender(pyManager, sizes.pyManagerValueIncrements, "manager_value", (m) => ({ m }), figure))
  }
  if (available.Value && available.Lock) {
    for (const backend of backends) {
      const name = `Value increments under its lock, 2 ${backend} children`
      contenders.push(ourContender(name, backend === "thread" ? sizes.valueIncrementsThread : sizes.valueIncrements, ourValue(backend), figure))
      rows.push({ name, py: backend === "process" ? pyManager : pyShm, unit: "increments/s", higher: true })
    }
  }
  plan.push({ title: "Value increments", contenders, rows })
}

const missing = Object.entries(available).filter(([, ok]) => !ok).map(([name]) => name)

printEnvironment(`ipc: queues, pipes, locks, values (${currentRuntime().name})`, {
  python: python === undefined ? (options.python ? "not found" : "skipped") : `${python.version}, start method ${pyStart} (twin: bench/ipc.py)`,
  scale: `BENCH_SCALE=${scale}: ${sizes.queueItems.toLocaleString("en-US")} queue items, ${sizes.rttTrips} round trips, ${sizes.bytesMessages} × 1 MiB`,
  repetitions: `${options.reps} measured after ${options.warmup} warm-up (at ${warmupFraction * 100}% size), interleaved round by round; ` +
    `runs longer than ${(budgetMs / 1000).toFixed(1)} s are shortened (--budget-ms)`,
  "parent imports dist/index.js + effect/Effect + tasks": `${formatMs(importMs)} ms`,
  ...(missing.length > 0 ? { "not in dist/index.js yet (rows skipped)": missing.join(", ") } : {})
})

// ---------------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------------

const cpu = watchCpu()
const results = new Map()
try {
  for (const group of plan) {
    if (group.contenders.length === 0) continue
    process.stderr.write(`${group.title} …\n`)
    const r = await runRounds({ contenders: group.contenders, reps: options.reps, warmup: options.warmup, timeoutMs: 300_000 })
    for (const contender of group.contenders) {
      const { stats, cold } = r.get(contender.name)
      results.set(contender.name, { group, stats, cold, size: contender.size })
    }
  }
} finally {
  await python?.close()
}
const cpuUsage = cpu.stop()

/** A row's figure: the median over the measured runs (and its range; p99 for a latency). */
const figureOf = (name) => {
  const r = results.get(name)
  if (r === undefined) return undefined
  return { value: r.stats.value.median, min: r.stats.value.min, max: r.stats.value.max, p99: r.stats.p99?.median }
}

const showFigure = (f, latency) =>
  f === undefined ? undefined : latency ? `${f.value.toFixed(0)} (${f.p99.toFixed(0)})` : formatRate(f.value)

const tableRows = []
const goals = []
for (const group of plan) {
  for (const row of group.rows) {
    const ours = figureOf(row.name)
    const py = figureOf(row.py)
    const ratio = ours !== undefined && py !== undefined ? ours.value / py.value : undefined
    const met = ratio === undefined || row.goal === undefined
      ? undefined
      : row.higher
      ? ratio >= row.goal
      : ratio <= row.goal
    tableRows.push([
      row.name,
      row.unit,
      showFigure(ours, group.latency),
      showFigure(py, group.latency),
      ratio === undefined ? undefined : `${ratio.toFixed(ratio < 0.1 ? 3 : 2)}×`,
      row.goal === undefined ? undefined : `${row.higher ? "≥" : "≤"} ${row.goal}×`,
      met === undefined ? undefined : met ? "yes" : "NO"
    ])
    if (met !== undefined) goals.push(met)
  }
}

console.log("")
printTable(["row (ours)", "unit", ">ours", ">python", ">ours ÷ python", ">goal", "met"], tableRows)
console.log("\nPython side of each row:")
for (const group of plan) {
  for (const row of group.rows) console.log(`- ${row.name}: ${row.py}`)
}

// Every contender, with its spread over the runs.
console.log("")
printTable(
  ["contender", ">size per run", ">median", ">range over runs", ">µs per unit"],
  [...results].map(([name, r]) => {
    const f = figureOf(name)
    if (r.group.latency) {
      return [name, formatRate(r.size), `${f.value.toFixed(0)} µs (p99 ${f.p99.toFixed(0)})`, `${f.min.toFixed(0)}–${f.max.toFixed(0)} µs`, f.value.toFixed(1)]
    }
    return [name, formatRate(r.size), formatRate(f.value), `${formatRate(f.min)}–${formatRate(f.max)}`, (1e6 / f.value).toFixed(2)]
  })
)
console.log("Sizes: per run (items, round trips, MiB messages, pairs or increments per contender); a size below the")
console.log(`row's nominal size was cut to fit the ${(budgetMs / 1000).toFixed(1)} s budget per run after the warm-up run.`)
console.log(`\nCPU during the run: ${describeCpu(cpuUsage)}`)
if (missing.length > 0) console.log(`Rows not measured (${missing.join(", ")} not exported by dist/index.js yet).`)
console.log(`Goals met: ${goals.filter(Boolean).length} of ${goals.length}.`)

if (options.json) {
  const { writeFileSync } = await import("node:fs")
  writeFileSync(
    options.json,
    JSON.stringify({ runtime: currentRuntime(), options, scale, sizes, cpu: cpuUsage, rows: tableRows, results: Object.fromEntries([...results].map(([n, r]) => [n, { stats: r.stats, cold: r.cold, size: r.size }])) }, null, 2)
  )
}
