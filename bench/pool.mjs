// `npm run bench -- pool [--runtime node|deno|bun|all] [--pin 0] [--quick] [--reps 3] [--warmup 1]
//                        [--start-reps 10] [--no-python] [--backends thread,process] [--peers piscina,tinypool]
//                        [--only tiny,rtt,cpu,start,echo] [--workers 2] [--chunk 1000] [--py-start fork]
//                        [--timeout-s 600] [--json out.json]`
//
// Our Pool (thread and process backends) beside piscina, tinypool (threads, and its child_process
// runtime beside our process backend) and Python's multiprocessing.Pool (bench/pool.py), the same work in
// the same run, contenders interleaved round by round (issue 4, point 9):
//
// (a) tiny:  100,000 tasks x → x + 1, tasks/s: our `map` (default chunking), `apply` for every item at
//            once (Effect.forEach, unbounded), `applyAsync` for every item then `get` each, and the
//            Promise facade's `pool.apply` via Promise.all; the peers' one `run` per item at once, and
//            hand-chunked runs of 1,000 items; Python's `map` (default chunksize, and chunksize=1) and
//            `apply_async` for every item.
// (b) rtt:   10,000 sequential `apply` round trips, µs median and p99.
// (c) cpu:   32 busy-loop tasks of ~20 ms (calibrated on each side) on 1 and then 2 workers: speedup.
// (d) start: a new pool of 1 worker to its first result, beside a bare Worker (and a bare fork) to its
//            first message.
// (e) echo:  a 1 MiB ArrayBuffer sent and returned 200 times in sequence, copied and moved (our
//            `{ transfer: true }`, `Piscina.move`), beside a bare Worker doing the same; MB/s, counting
//            the payload once per echo.
// `--quick` shrinks every size for a smoke run (10,000 tasks, 1,000 round trips, 8 CPU tasks, 20 echoes).
//
// Every pool but in (d) starts before the clock and runs one tiny task per worker first. Our workers run
// built code (dist/) from the plain .mjs task module bench/fixtures/pool-tasks.mjs; the peers' workers
// run bench/fixtures/pool-{piscina,tinypool}.mjs; all three export the functions of pool-work.mjs.
// Each pool is first probed in a process of its own: one that fails or hangs on this runtime (tinypool
// on Deno, its child_process runtime on Deno and Bun) shows "n/a", with the reason under the tables.
import * as CP from "node:child_process"
import { fileURLToPath } from "node:url"
import * as WT from "node:worker_threads"
import { parseOptions, scriptArgs } from "./lib/args.mjs"
import { describeCpu, watchCpu } from "./lib/cpuwatch.mjs"
import { printEnvironment } from "./lib/env.mjs"
import { startTwin } from "./lib/python.mjs"
import { runRounds } from "./lib/rounds.mjs"
import { commandFor, currentRuntime } from "./lib/runtimes.mjs"
import { median, percentile } from "./lib/stats.mjs"
import { printTable } from "./lib/table.mjs"
import { formatMs, formatRate, now, timed } from "./lib/time.mjs"
import { spin } from "./fixtures/pool-work.mjs"

const { options } = parseOptions(scriptArgs(), {
  quick: false,
  reps: 0,
  warmup: 1,
  startReps: 0,
  python: true,
  backends: "thread,process",
  peers: "piscina,tinypool",
  only: "tiny,rtt,cpu,start,echo",
  workers: 2,
  chunk: 1000,
  pyStart: "fork",
  timeoutS: 600,
  json: "",
  probe: ""
})
const reps = options.reps || (options.quick ? 1 : 3)
const startReps = options.startReps || (options.quick ? 3 : 10)
const sections = new Set(options.only.split(",").filter(Boolean))
const backends = options.backends.split(",").filter(Boolean)
const peers = new Set(options.peers.split(",").filter(Boolean))
const workers = options.workers

/** Sizes of the workloads; `--quick` shrinks them for a smoke run. */
const sizes = options.quick
  ? { tiny: 10_000, trips: 1_000, tripWarmup: 50, cpuTasks: 8, cpuMs: 20, echoes: 20, echoBytes: 1 << 20 }
  : { tiny: 100_000, trips: 10_000, tripWarmup: 200, cpuTasks: 32, cpuMs: 20, echoes: 200, echoBytes: 1 << 20 }

const t0 = now()
const { Pool } = await import("../dist/index.js")
const Effect = await import("effect/Effect")
const Exit = await import("effect/Exit")
const Scope = await import("effect/Scope")
const { tasks } = await import("./fixtures/pool-tasks.mjs")
const importMs = now() - t0
const { createPool } = await import("../dist/promise/index.js")

const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url)
const range = (n) => Array.from({ length: n }, (_, i) => i)
const sumOf = (xs) => {
  let s = 0
  for (const x of xs) s += x
  return s
}

/** Results of `n` tiny tasks over 0 … n-1, checked by their sum. */
const checkTiny = (n, results) => {
  if (results.length !== n || sumOf(results) !== (n * (n + 1)) / 2) throw new Error(`wrong results for ${n} tiny tasks`)
}

// ---------------------------------------------------------------------------------------------------
// Pools under test
//
// An adapter is { name, open(workers), first(workers) }. `open` starts a pool, runs one tiny task per
// worker, and resolves to a session: { tiny: { way: (items) => results }, roundTrips(n, warmup) →
// samples in ms, cpu: { way: (k, iterations) => void }, echo: { copy, transfer: (k, buffer) => buffer },
// close() }; a missing way is a row the pool does not have. `first` times a new pool to its first
// result (ms) and ends it.
// ---------------------------------------------------------------------------------------------------

/** Times `call(i)` for i in 0 … warmup+n-1, one after another; the last `n` samples in ms. */
const timeEach = async (n, warmup, call) => {
  const samples = []
  for (let i = 0; i < warmup + n; i++) {
    const t = now()
    const y = await call(i)
    if (i >= warmup) samples.push(now() - t)
    if (y !== i + 1) throw new Error(`round trip ${i}: got ${y}`)
  }
  return samples
}

const describe = (v) =>
  v instanceof ArrayBuffer ? `an ArrayBuffer of ${v.byteLength} bytes` : `${Object.prototype.toString.call(v)} ${JSON.stringify(v)?.slice(0, 40)}`

/** `k` echoes of `buffer` one after another with `call(buffer)`, each sending what the last returned. */
const echoes = async (k, buffer, call) => {
  const size = buffer.byteLength // the buffer is detached once moved
  let b = buffer
  for (let i = 0; i < k; i++) b = await call(b)
  if (!(b instanceof ArrayBuffer) || b.byteLength !== size) {
    throw new Error(`echo: sent an ArrayBuffer of ${size} bytes, got back ${describe(b)}`)
  }
  return b
}

const ours = (backend) => {
  const run = Effect.runPromise
  return {
    name: `Pool (${backend})`,
    open: async (n) => {
      const scope = Effect.runSync(Scope.make())
      const close = () => run(Scope.close(scope, Exit.void))
      try {
        const pool = await run(Scope.extend(Pool.make({ processes: n, backend }), scope))
        await run(Pool.map(pool, tasks.inc, range(n), { chunksize: 1 }))
        // The Promise facade's pool, in the same scope (its workers idle while the other pool works).
        const facade = await createPool({ processes: n, backend })
        await run(Scope.addFinalizer(scope, Effect.promise(() => facade.terminate())))
        await facade.map(tasks.inc, range(n), { chunksize: 1 })
        const applyEach = (task, items) =>
          run(Effect.forEach(items, (x) => Pool.apply(pool, task, [x]), { concurrency: "unbounded" }))
        return {
          tiny: {
            map: (items) => run(Pool.map(pool, tasks.inc, items)),
            apply: (items) => applyEach(tasks.inc, items),
            // Python's apply_async pattern: submit every item (no fiber each), then get every result.
            applyAsync: (items) =>
              run(Effect.flatMap(
                Effect.forEach(items, (x) => Pool.applyAsync(pool, tasks.inc, [x])),
                (pending) => Effect.forEach(pending, (r) => Pool.get(r))
              )),
            promise: (items) => Promise.all(items.map((x) => facade.apply(tasks.inc, [x])))
          },
          // In one Effect, as an Effect user loops: no runPromise per call.
          roundTrips: (trips, warmup) =>
            run(Effect.gen(function*() {
              const samples = []
              for (let i = 0; i < warmup + trips; i++) {
                const t = now()
                const y = yield* Pool.apply(pool, tasks.inc, [i])
                if (i >= warmup) samples.push(now() - t)
                if (y !== i + 1) return yield* Effect.die(new Error(`round trip ${i}: got ${y}`))
              }
              return samples
            })),
          cpu: {
            apply: (k, iterations) => applyEach(tasks.spin, Array(k).fill(iterations)),
            map: (k, iterations) => run(Pool.map(pool, tasks.spin, Array(k).fill(iterations)))
          },
          echo: {
            copy: (k, buffer) => echoes(k, buffer, (b) => run(Pool.apply(pool, tasks.echo, [b]))),
            ...(backend === "thread"
              ? { transfer: (k, buffer) => echoes(k, buffer, (b) => run(Pool.apply(pool, tasks.echo, [b], { transfer: true }))) }
              : {})
          },
          close
        }
      } catch (error) {
        await close()
        throw error
      }
    },
    first: (n) =>
      run(Effect.scoped(Effect.gen(function*() {
        const t = now()
        const pool = yield* Pool.make({ processes: n, backend })
        yield* Pool.apply(pool, tasks.inc, [1])
        return now() - t
      })))
  }
}

/**
 * piscina or tinypool: `load()` gives the pool class and its `move`; `extra` is added to the options
 * (tinypool's `runtime: "child_process"`). Both take `{ filename, minThreads, maxThreads }`, run named
 * exports with `run(task, { name })` and end with `destroy()`.
 */
const peer = ({ name, load, file, extra = {}, transfer = true }) => {
  const filename = fileURLToPath(fixture(file))
  const start = async (n) => {
    const { Ctor, move } = await load()
    return { pool: new Ctor({ filename, minThreads: n, maxThreads: n, ...extra }), move }
  }
  return {
    name,
    open: async (n) => {
      const { pool, move } = await start(n)
      try {
        const run = (task, fn) => pool.run(task, { name: fn })
        const each = (fn, items) => Promise.all(items.map((x) => run(x, fn)))
        await each("inc", range(n))
        return {
          tiny: {
            each: (items) => each("inc", items),
            chunked: async (items) => {
              const chunks = []
              for (let at = 0; at < items.length; at += options.chunk) chunks.push(items.slice(at, at + options.chunk))
              return (await each("incChunk", chunks)).flat()
            }
          },
          roundTrips: (trips, warmup) => timeEach(trips, warmup, (i) => run(i, "inc")),
          cpu: { each: (k, iterations) => each("spin", Array(k).fill(iterations)) },
          echo: {
            copy: (k, buffer) => echoes(k, buffer, (b) => run(b, "echo")),
            ...(transfer ? { transfer: (k, buffer) => echoes(k, buffer, (b) => run(move(b), "echoMove")) } : {})
          },
          close: () => pool.destroy()
        }
      } catch (error) {
        await pool.destroy()
        throw error
      }
    },
    first: async (n) => {
      const t = now()
      const { pool } = await start(n)
      await pool.run(1, { name: "inc" })
      const ms = now() - t
      await pool.destroy()
      return ms
    }
  }
}

const piscina = peer({
  name: "piscina",
  file: "pool-piscina.mjs",
  load: async () => {
    const { Piscina } = await import("piscina")
    return { Ctor: Piscina, move: Piscina.move }
  }
})

const loadTinypool = async () => {
  const { Tinypool } = await import("tinypool")
  return { Ctor: Tinypool, move: Tinypool.move }
}
const tinypool = peer({ name: "tinypool", file: "pool-tinypool.mjs", load: loadTinypool })
const tinypoolProcess = peer({
  name: "tinypool (child_process)",
  file: "pool-tinypool.mjs",
  load: loadTinypool,
  // As our process backend and the bare fork: the parent's environment (tinypool's default is an empty
  // one, which here skips loading NODE_EXTRA_CA_CERTS) and "advanced" serialization (its default, JSON,
  // cannot carry an ArrayBuffer).
  extra: { runtime: "child_process", env: process.env, serialization: "advanced" },
  transfer: false
})

/** The floors: a bare worker_threads Worker (start, echo) and a bare child_process.fork (start). */
const bareWorker = {
  name: "floor: bare Worker",
  open: async () => {
    const worker = new WT.Worker(fixture("pool-bare-echo.mjs"))
    let next
    worker.on("message", (m) => next?.(m))
    worker.on("error", (e) => next?.(Promise.reject(e)))
    const message = () => new Promise((resolve) => (next = resolve))
    await message()
    const send = (transfer) => (buffer) => {
      const reply = message()
      worker.postMessage({ buffer, transfer }, transfer ? [buffer] : [])
      return reply.then((m) => m.buffer)
    }
    return {
      echo: {
        copy: (k, buffer) => echoes(k, buffer, send(false)),
        transfer: (k, buffer) => echoes(k, buffer, send(true))
      },
      close: () => worker.terminate()
    }
  },
  // new Worker → its first message (then it is terminated, untimed)
  first: () =>
    new Promise((resolve, reject) => {
      const t = now()
      const worker = new WT.Worker(fixture("bare-worker.mjs"))
      worker.once("error", reject)
      worker.once("message", () => {
        const ms = now() - t
        worker.terminate().then(() => resolve(ms), reject)
      })
    })
}

const bareFork = {
  name: "floor: bare fork",
  // child_process.fork with the process backend's options → its first IPC message (then its exit, untimed)
  first: () =>
    new Promise((resolve, reject) => {
      const t = now()
      const child = CP.fork(fileURLToPath(fixture("bare-child.mjs")), [], {
        serialization: "advanced",
        stdio: ["inherit", "inherit", "inherit", "ipc"]
      })
      let ms
      child.once("error", reject)
      child.once("message", () => (ms = now() - t))
      child.once("close", (code) => (code === 0 && ms !== undefined ? resolve(ms) : reject(new Error(`bare fork: exit ${code}`))))
    })
}

// ---------------------------------------------------------------------------------------------------
// Which pools run here
// ---------------------------------------------------------------------------------------------------

/** Fails the run in progress (see `guarded`); errors thrown when none runs are kept in `stray`. */
let failCurrent
const stray = []
const onStray = (error) => (failCurrent !== undefined ? failCurrent(error) : stray.push(error))
process.on("uncaughtException", onStray)
process.on("unhandledRejection", onStray)

/**
 * `promise`, failed after `ms` or when something throws asynchronously meanwhile (a pool failing on this
 * runtime throws from its event handlers, as tinypool's child_process runtime does on Deno), instead of
 * hanging or ending the benchmark. Runs are sequential: one is guarded at a time.
 */
const guarded = (promise, ms, what) => {
  let timer
  return new Promise((resolve, reject) => {
    failCurrent = reject
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms)
    promise.then(resolve, reject)
  }).finally(() => {
    failCurrent = undefined
    clearTimeout(timer)
  })
}

/** Why a pool or a contender gave no figure (it failed on this runtime), by name. */
const unavailable = new Map()
/** The first line of an error's message, at most 160 characters. */
const reason = (error) => {
  const line = String(error?.message ?? error).split("\n")[0]
  return line.length > 160 ? `${line.slice(0, 159)}…` : line
}
let abandoned = false

/**
 * Opens and closes `adapter` with one worker, in this process. Resolves to the ways it offers (the keys
 * of its session's `tiny`, `cpu` and `echo`), or to `{ why }` when it fails or hangs.
 */
const probeHere = async (adapter) => {
  try {
    const session = await guarded(adapter.open(1), 30_000, adapter.name)
    const ways = Object.fromEntries(["tiny", "cpu", "echo"].map((k) => [k, Object.keys(session[k] ?? {})]))
    await guarded(session.close(), 30_000, `${adapter.name} close`)
    return { ways }
  } catch (error) {
    return { why: reason(error) }
  }
}

/**
 * Probes `adapter` in a child process of this runtime (`--probe <name>`), because a pool that fails on a
 * runtime may take the whole process down (tinypool's child_process runtime on Deno does) or hang it
 * (tinypool on Deno). Sets `adapter.ways`, or marks the adapter n/a and resolves to false.
 */
const probe = (adapter) =>
  new Promise((resolve) => {
    const [command, args] = commandFor(currentRuntime().name, fileURLToPath(import.meta.url), ["--probe", adapter.name])
    CP.execFile(command, args, { timeout: 120_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      const line = stdout.trim().split("\n").at(-1)
      let answer
      try {
        answer = JSON.parse(line)
      } catch {
        const last = stderr.replace(/\x1b\[[0-9;]*m/g, "").trim().split("\n").find((l) => /error/i.test(l)) ?? ""
        answer = { why: `the probe process ended (${error?.code ?? error?.signal ?? "no answer"}) ${last}`.trim() }
      }
      if (answer.ways !== undefined) adapter.ways = answer.ways
      else unavailable.set(adapter.name, reason(answer.why))
      resolve(answer.ways !== undefined)
    })
  })

const candidates = [
  ...backends.map(ours),
  ...(peers.has("piscina") ? [piscina] : []),
  ...(peers.has("tinypool") ? [tinypool] : []),
  ...(peers.has("tinypool") && backends.includes("process") ? [tinypoolProcess] : [])
]

if (options.probe) {
  // A probe process: one line of JSON, then exit (a failed pool may hold the event loop).
  const adapter = [...["thread", "process", "fiber"].map(ours), piscina, tinypool, tinypoolProcess, bareWorker]
    .find((a) => a.name === options.probe)
  const answer = adapter === undefined ? { why: `no pool named ${options.probe}` } : await probeHere(adapter)
  process.stdout.write(`${JSON.stringify(answer)}\n`, () => process.exit(0))
  await new Promise(() => {})
}

process.stderr.write("probing pools (each in a process of its own) …\n")
const pools = []
for (const adapter of candidates) if (await probe(adapter)) pools.push(adapter)
const echoFloor = sections.has("echo") && (await probe(bareWorker)) ? [bareWorker] : []

const python = options.python ? await startTwin(fileURLToPath(new URL("./pool.py", import.meta.url))) : undefined
const pyParams = (params) => ({ workers, start: options.pyStart, ...params })

// ---------------------------------------------------------------------------------------------------
// Contenders
// ---------------------------------------------------------------------------------------------------

/**
 * A contender whose failure (or hang, past --timeout-s) makes its rows n/a instead of ending the
 * benchmark: it then gives empty samples.
 */
const contender = (name, run) => ({
  name,
  run: async () => {
    if (unavailable.has(name)) return {}
    try {
      return await guarded(run(), options.timeoutS * 1000, name)
    } catch (error) {
      abandoned = true
      unavailable.set(name, reason(error))
      return {}
    }
  }
})

/** Runs `body(session)` on a fresh pool of `n` workers, started and warmed before `body`. */
const onPool = (adapter, n, body) => async () => {
  const session = await adapter.open(n)
  try {
    return await body(session)
  } finally {
    await session.close()
  }
}

const pyRate = (n) => ({ ms }) => ({ rate: n / (ms / 1000) })

const pyContender = (name, method, params, toSample = (r) => r) =>
  contender(name, async () => toSample(await python.call(method, pyParams(params))))

/** Summary of one run's round trips: median and p99 in µs. */
const tripSample = (samples) => ({ median: median(samples) * 1000, p99: percentile(samples, 99) * 1000 })

/** A section: its contenders (interleaved round by round) and its table rows. */
const plan = []

// Row labels of the ways of running tiny tasks.
const tinyWays = {
  map: "map (default chunking)",
  apply: "apply ×n at once (Effect.forEach, unbounded)",
  applyAsync: "applyAsync ×n, then get each",
  promise: "Promise facade: pool.apply ×n at once (Promise.all)",
  each: "run ×n at once",
  chunked: `run ×n/${options.chunk} at once, ${options.chunk} items each (hand-chunked)`
}
// … and of running CPU tasks.
const cpuWays = { apply: `apply ×${sizes.cpuTasks} at once`, map: "map (default chunking)", each: `run ×${sizes.cpuTasks} at once` }

if (sections.has("tiny")) {
  const n = sizes.tiny
  const items = range(n)
  const contenders = []
  for (const adapter of pools) {
    for (const way of adapter.ways.tiny) {
      contenders.push(contender(`${adapter.name}: ${tinyWays[way]}`, onPool(adapter, workers, async (s) => {
        const { ms, value } = await timed(() => s.tiny[way](items))
        checkTiny(n, value)
        return { rate: n / (ms / 1000) }
      })))
    }
  }
  if (python) {
    contenders.push(pyContender("python: map (default chunksize)", "tiny", { n, how: "map" }, pyRate(n)))
    contenders.push(pyContender("python: map chunksize=1", "tiny", { n, how: "map1" }, pyRate(n)))
    contenders.push(pyContender("python: apply_async ×n at once", "tiny", { n, how: "apply_async" }, pyRate(n)))
  }
  plan.push({ key: "tiny", title: `(a) ${formatRate(n)} tiny tasks x → x+1, ${workers} workers`, contenders })
}

if (sections.has("rtt")) {
  const contenders = pools.map((adapter) =>
    contender(`${adapter.name}: apply`, onPool(adapter, workers, async (s) => tripSample(await s.roundTrips(sizes.trips, sizes.tripWarmup))))
  )
  if (python) {
    contenders.push(pyContender("python: apply", "round_trips", { n: sizes.trips, warmup: sizes.tripWarmup }, (r) => tripSample(r.samples)))
  }
  plan.push({ key: "rtt", title: `(b) ${formatRate(sizes.trips)} sequential round trips, ${workers} workers`, contenders })
}

let cpuIterations
let pyCpuIterations
if (sections.has("cpu")) {
  cpuIterations = calibrate(sizes.cpuMs)
  pyCpuIterations = python ? (await python.call("calibrate", { ms: sizes.cpuMs })).iterations : undefined
  const k = sizes.cpuTasks
  const contenders = []
  for (const adapter of pools) {
    for (const way of adapter.ways.cpu) {
      for (const n of [1, 2]) {
        contenders.push(contender(`${adapter.name}: ${cpuWays[way]} | ${n}`, onPool(adapter, n, async (s) => {
          const { ms } = await timed(() => s.cpu[way](k, cpuIterations))
          return { ms }
        })))
      }
    }
  }
  if (python) {
    for (const n of [1, 2]) contenders.push(pyContender(`python: ${cpuWays.map} | ${n}`, "cpu", { k, iterations: pyCpuIterations, workers: n }))
  }
  plan.push({ key: "cpu", title: `(c) ${k} CPU tasks of ~${sizes.cpuMs} ms on 1 and 2 workers`, contenders })
}

if (sections.has("start")) {
  const floors = [bareWorker, ...(backends.includes("process") ? [bareFork] : [])]
  const contenders = [...floors, ...pools].map((adapter) =>
    contender(`${adapter.name}: start`, async () => ({ first: await adapter.first(1) }))
  )
  if (python) contenders.push(pyContender("python: start", "first_result", { workers: 1 }))
  plan.push({ key: "start", title: "(d) a new pool of 1 worker to its first result", contenders, reps: startReps })
}

if (sections.has("echo")) {
  const contenders = []
  const size = sizes.echoBytes
  const rate = (ms) => ({ rate: (sizes.echoes * size) / 1e6 / (ms / 1000) })
  for (const adapter of [...echoFloor, ...pools]) {
    for (const how of adapter.ways.echo) {
      contenders.push(contender(`${adapter.name}: ${how}`, onPool(adapter, 1, async (s) => {
        // one echo first, untimed: the peers' workers load their `move` on the first echoMove
        const buffer = await s.echo[how](1, new ArrayBuffer(size))
        const { ms } = await timed(() => s.echo[how](sizes.echoes, buffer))
        return rate(ms)
      })))
    }
  }
  if (python) contenders.push(pyContender("python: copy", "echo_bytes", { k: sizes.echoes, size, workers: 1 }, ({ ms }) => rate(ms)))
  plan.push({ key: "echo", title: `(e) ${sizes.echoes} echoes of a ${size / (1 << 20)} MiB ArrayBuffer, 1 worker`, contenders })
}

/** Steps of `spin` that take `ms` on this runtime here (the median of 5 timings, after warming it). */
function calibrate(ms) {
  let n = 10_000
  for (;;) {
    const t = now()
    spin(n)
    if (now() - t >= 5) break
    n *= 2
  }
  const rates = []
  for (let i = 0; i < 5; i++) {
    const t = now()
    spin(n)
    rates.push(n / (now() - t))
  }
  return Math.round(median(rates) * ms)
}

printEnvironment(`pool: Pool beside piscina, tinypool and multiprocessing.Pool (${currentRuntime().name})`, {
  python: python === undefined ? (options.python ? "not found" : "skipped") : `${python.version}, start method ${options.pyStart} (twin: bench/pool.py)`,
  sizes: `${options.quick ? "--quick: " : ""}${formatRate(sizes.tiny)} tiny tasks, ${formatRate(sizes.trips)} round trips, ` +
    `${sizes.cpuTasks} CPU tasks, ${sizes.echoes} echoes; ${workers} workers in (a) and (b)`,
  repetitions: `${reps} measured after ${options.warmup} warm-up (${startReps} for start-up), interleaved round by round`,
  "parent imports dist/index.js + effect + task module": `${formatMs(importMs)} ms`,
  ...(cpuIterations === undefined ? {} : {
    "CPU task": `spin(${formatRate(cpuIterations)}) ≈ ${sizes.cpuMs} ms here` +
      (pyCpuIterations === undefined ? "" : `; Python spin(${formatRate(pyCpuIterations)}) ≈ ${sizes.cpuMs} ms`)
  }),
  ...(unavailable.size === 0 ? {} : { "n/a on this runtime": [...unavailable].map(([n, why]) => `${n} (${why})`).join("; ") })
})

// ---------------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------------

const cpu = watchCpu()
const results = new Map()
try {
  for (const section of plan) {
    process.stderr.write(`${section.title} …\n`)
    const r = await runRounds({
      contenders: section.contenders,
      reps: section.reps ?? reps,
      warmup: options.warmup,
      timeoutMs: options.timeoutS * 1000 + 10_000
    })
    for (const [name, value] of r) results.set(name, value)
  }
} finally {
  await python?.close()
}
const cpuUsage = cpu.stop()

// ---------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------

/** The median over the measured runs of a contender's metric; undefined when it has none (n/a). */
const figure = (name, metric) => {
  const s = results.get(name)?.stats[metric]
  return s === undefined || !(s.n > 0) ? undefined : s.median
}

const ratio = (a, b) => (a === undefined || b === undefined || !(b > 0) ? undefined : a / b)
const showRatio = (r) => (r === undefined ? undefined : `${r.toFixed(r < 0.1 ? 3 : 2)}×`)

/** Every goal checked: { section, row, against, ratio, limit, higher, met }. */
const goals = []
/**
 * A verdict cell: whether `row`'s ratio `r` to `against` meets the issue's `limit` (at least, or at
 * most when `higher` is false); recorded for the summary. Nothing when the ratio is unknown (n/a).
 */
const verdict = (section, row, against, r, limit, higher = true) => {
  if (r === undefined) return undefined
  const met = higher ? r >= limit : r <= limit
  goals.push({ section, row, against, ratio: r, limit, higher, met })
  return `${higher ? "≥" : "≤"} ${limit}× ${against}: ${met ? "yes" : "NO"}`
}
const verdicts = (...cells) => cells.filter(Boolean).join("; ") || undefined
const isOurs = (name) => name.startsWith("Pool (")
/** A figure, or "n/a" for a contender that gave none (it failed on this runtime). */
const shown = (name, value, format) => (value !== undefined ? format(value) : results.has(name) ? "n/a" : undefined)

const printSection = (title, headers, rows, notes) => {
  console.log(`\n### ${title}\n`)
  printTable(headers, rows)
  for (const note of notes) console.log(note)
}

const tinyTable = (names) => {
  const pyMap = "python: map (default chunksize)"
  // map-like rows (one call for all items, or hand-made chunks) against their like; the others against
  // one task per message
  const mapLike = (name) => name.endsWith(tinyWays.map) || name.endsWith(tinyWays.chunked) || name === pyMap
  const rows = names.map((name) => {
    const rate = figure(name, "rate")
    const vsPiscina = ratio(rate, figure(`piscina: ${mapLike(name) ? tinyWays.chunked : tinyWays.each}`, "rate"))
    const vsPython = ratio(rate, figure(mapLike(name) ? pyMap : "python: apply_async ×n at once", "rate"))
    const goal = !isOurs(name) ? undefined : name.endsWith(tinyWays.map)
      ? verdicts(verdict("a", name, "piscina hand-chunked", vsPiscina, 1.5), verdict("a", name, "python map", vsPython, 1))
      : verdict("a", name, "piscina run ×n", vsPiscina, 10)
    return [name, shown(name, rate, formatRate), showRatio(vsPiscina), showRatio(vsPython), goal]
  })
  return [["contender", ">tasks/s", ">÷ piscina", ">÷ python", "goal (issue 4)"], rows, [
    `÷ piscina: map-like rows against piscina ${tinyWays.chunked}, the others against piscina ${tinyWays.each};`,
    "÷ python: map-like rows against Python's map (default chunksize), the others against apply_async ×n at once."
  ]]
}

const rttTable = (names) => {
  const rows = names.map((name) => {
    const m = figure(name, "median")
    const vsPiscina = ratio(m, figure("piscina: apply", "median"))
    return [
      name,
      shown(name, m, (v) => `${v.toFixed(0)} (${figure(name, "p99").toFixed(0)})`),
      showRatio(vsPiscina),
      showRatio(ratio(m, figure("python: apply", "median"))),
      isOurs(name) ? verdict("b", name, "piscina's median", vsPiscina, 1, false) : undefined
    ]
  })
  return [["contender", ">µs median (p99)", ">÷ piscina", ">÷ python", "goal (issue 4)"], rows, [
    "Median and p99 of each run's round trips, median over runs; ratios of medians (lower is faster).",
    "piscina, tinypool: `await pool.run(i)` in a loop; ours: `yield* Pool.apply` in a loop in one Effect."
  ]]
}

const cpuTable = (names) => {
  const rowNames = [...new Set(names.map((n) => n.replace(/ \| \d$/, "")))]
  const rows = rowNames.map((row) => {
    const one = figure(`${row} | 1`, "ms")
    const two = figure(`${row} | 2`, "ms")
    const speedup = ratio(one, two)
    return [
      row,
      shown(`${row} | 1`, one, formatMs),
      shown(`${row} | 2`, two, formatMs),
      one === undefined ? undefined : formatMs(one / sizes.cpuTasks),
      showRatio(speedup),
      showRatio(ratio(two, figure(`piscina: ${cpuWays.each} | 2`, "ms"))),
      showRatio(ratio(two, figure(`python: ${cpuWays.map} | 2`, "ms"))),
      isOurs(row) ? verdict("c", row, "speedup", speedup, 1.9) : undefined
    ]
  })
  return [["contender", ">1 worker ms", ">2 workers ms", ">ms per task", ">speedup", ">÷ piscina", ">÷ python", "goal (issue 4)"], rows, [
    "Speedup = 1-worker ÷ 2-worker wall time. ÷ piscina, ÷ python: 2-worker wall times (lower is faster); each side's",
    "loop is calibrated to the same duration on its own runtime. On a loaded 2-core machine the second worker",
    "competes with other processes: read the speedup with the CPU line below."
  ]]
}

const startTable = (names) => {
  const floorOf = (name) => (/process|fork/.test(name) ? "floor: bare fork" : "floor: bare Worker")
  const rows = names.map((name) => {
    const ms = figure(name, "first")
    const floor = floorOf(name)
    const vsFloor = name.startsWith("floor") ? undefined : ratio(ms, figure(`${floor}: start`, "first"))
    return [
      name,
      shown(name, ms, formatMs),
      showRatio(vsFloor),
      showRatio(ratio(ms, figure("piscina: start", "first"))),
      showRatio(ratio(ms, figure("python: start", "first"))),
      isOurs(name) ? verdict("d", name, floor.replace("floor: ", ""), vsFloor, 1.5, false) : undefined
    ]
  })
  return [["contender", ">ms median", ">÷ floor", ">÷ piscina", ">÷ python", "goal (issue 4)"], rows, [
    "From the constructor (Pool.make in a scope, new Piscina(…), Pool(1)) to the first result; a floor: new Worker or",
    "fork to its first message. ÷ floor: the process backend and tinypool (child_process) against the bare fork."
  ]]
}

const echoTable = (names) => {
  const rows = names.map((name) => {
    const rate = figure(name, "rate")
    const how = name.endsWith("transfer") ? "transfer" : "copy"
    const vsPiscina = ratio(rate, figure(`piscina: ${how}`, "rate"))
    const vsFloor = name.startsWith("floor") ? undefined : ratio(rate, figure(`floor: bare Worker: ${how}`, "rate"))
    const goal = !isOurs(name) ? undefined : how === "transfer"
      ? verdicts(
        verdict("e", name, "piscina move", vsPiscina, 1),
        verdict("e", name, "bare floor", vsFloor, 0.9),
        verdict("e", name, "own copy (brief)", ratio(rate, figure(name.replace(/transfer$/, "copy"), "rate")), 5)
      )
      : name.includes("thread") ? verdict("e", name, "piscina copy", vsPiscina, 1) : undefined
    return [
      name,
      shown(name, rate, formatRate),
      showRatio(vsPiscina),
      showRatio(ratio(rate, figure("python: copy", "rate"))),
      showRatio(vsFloor),
      goal
    ]
  })
  return [["contender", ">MB/s", ">÷ piscina", ">÷ python", ">÷ floor", "goal (issue 4, and the brief's ≥ 5× copy)"], rows, [
    "MB/s counts the payload once per echo (sent and returned). transfer: our { transfer: true }, Piscina.move,",
    "Tinypool.move, postMessage(…, [buffer]); the process backend, tinypool (child_process) and Python copy."
  ]]
}

const tables = { tiny: tinyTable, rtt: rttTable, cpu: cpuTable, start: startTable, echo: echoTable }
for (const section of plan) printSection(section.title, ...tables[section.key](section.contenders.map((c) => c.name)))

console.log(`\nCPU during the run: ${describeCpu(cpuUsage)}`)
if (unavailable.size > 0) {
  console.log("n/a:")
  for (const [name, why] of unavailable) console.log(`- ${name}: ${why}`)
}
if (stray.length > 0) {
  console.log(`${stray.length} error(s) thrown outside any run (by pools already n/a), the first: ${reason(stray[0])}`)
}
console.log(`Goals met: ${goals.filter((g) => g.met).length} of ${goals.length}.`)

if (options.json) {
  const { writeFileSync } = await import("node:fs")
  writeFileSync(
    options.json,
    JSON.stringify({
      runtime: currentRuntime(),
      options,
      sizes,
      cpuIterations,
      pyCpuIterations,
      cpu: cpuUsage,
      unavailable: Object.fromEntries(unavailable),
      goals,
      results: Object.fromEntries(results)
    }, null, 2)
  )
}
// A pool that hung on this runtime may hold the event loop open.
if (abandoned) process.exit(process.exitCode ?? 0)
