#!/usr/bin/env node
// `npm run bench -- <name…> [--runtime node|deno|bun|all] [--pin 0] [--no-build] [--wait-quiet[=min]] [bench options]`
//
// Runs bench/<name>.{mjs,js,ts} on the chosen runtime (default: node), after building dist/ when the
// sources are newer, so that benchmarks measure built code as a user runs it. `--pin 0` runs the whole
// benchmark (and so every child and the Python twin) under `taskset -c 0`. `--wait-quiet=10` waits up to
// 10 minutes, before each run, for the machine to be quiet (< 0.3 busy cores). Any other option goes to the
// benchmark itself (e.g. `--reps 30 --warmup 3 --no-python`). With no name, lists the benchmarks.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { waitForQuiet } from "../bench/lib/cpuwatch.mjs"
import { pinned } from "../bench/lib/pin.mjs"
import { commandFor, isInstalled, root, runtimeNames } from "../bench/lib/runtimes.mjs"

const benchDir = join(root, "bench")
const extensions = [".mjs", ".js", ".ts"]

const available = () =>
  readdirSync(benchDir)
    .filter((f) => extensions.some((e) => f.endsWith(e)))
    .map((f) => f.replace(/\.[^.]+$/, ""))
    .sort()

const parse = (argv) => {
  const names = []
  const passThrough = []
  let runtimes = ["node"]
  let pin = ""
  let build = true
  let quietMinutes = 0
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.split("=", 2)
    if (flag === "--runtime") {
      const value = inline ?? argv[++i]
      runtimes = value === "all" ? runtimeNames : value.split(",")
    } else if (flag === "--pin") {
      pin = inline ?? argv[++i]
    } else if (flag === "--wait-quiet") {
      quietMinutes = Number(inline ?? 10)
    } else if (arg === "--no-build") {
      build = false
    } else if (arg.startsWith("-")) {
      passThrough.push(arg)
      // A word after `--option` is its value (`--backends process`); after `--no-x` it is a name. Put
      // benchmark names first, or write `--flag=true`, when a boolean flag is followed by a name.
      if (inline === undefined && !arg.startsWith("--no-") && argv[i + 1] !== undefined && !argv[i + 1].startsWith("-")) {
        passThrough.push(argv[++i])
      }
    } else {
      names.push(arg)
    }
  }
  for (const r of runtimes) if (!runtimeNames.includes(r)) throw new Error(`unknown runtime "${r}" (use ${runtimeNames.join(", ")} or all)`)
  return { names, passThrough, runtimes, pin, build, quietMinutes }
}

const newest = (dir) => {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

/** Builds dist/ (tsc -p tsconfig.build.json) when any source is newer than the last build. */
const ensureBuilt = () => {
  const marker = join(root, "dist", "index.js")
  if (existsSync(marker) && statSync(marker).mtimeMs >= newest(join(root, "src"))) return
  console.error("building dist/ (tsc -p tsconfig.build.json) …")
  const r = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit"
  })
  if (r.status !== 0) {
    if (!existsSync(marker)) throw new Error("the build failed and dist/ is missing")
    console.error("warning: tsc reported errors; benchmarking what it emitted")
  }
}

const main = async () => {
  const { names, passThrough, runtimes, pin, build, quietMinutes } = parse(process.argv.slice(2))
  if (names.length === 0) {
    console.log(
      `benchmarks: ${available().join(", ")}\n` +
        "usage: npm run bench -- <name…> [--runtime node|deno|bun|all] [--pin 0] [--no-build] [--wait-quiet[=min]] [options]"
    )
    return 0
  }
  if (build) ensureBuilt()
  let status = 0
  for (const name of names) {
    const ext = extensions.find((e) => existsSync(join(benchDir, `${name}${e}`)))
    if (ext === undefined) throw new Error(`no benchmark bench/${name}.{mjs,js,ts} (have: ${available().join(", ")})`)
    for (const runtime of runtimes) {
      if (!isInstalled(runtime)) {
        console.error(`skipping ${runtime}: not installed (npm ci)`)
        continue
      }
      if (quietMinutes > 0) {
        let lastNotice = 0
        const { busy, quiet } = await waitForQuiet({
          timeoutMs: quietMinutes * 60_000,
          onWait: (b) => {
            if (Date.now() - lastNotice < 60_000) return
            lastNotice = Date.now()
            console.error(`waiting for a quiet machine (${b.toFixed(2)} busy cores) …`)
          }
        })
        if (!quiet) console.error(`still ${busy.toFixed(2)} busy cores after ${quietMinutes} min: running anyway`)
      }
      const [command, args] = pinned(pin, ...commandFor(runtime, join(benchDir, `${name}${ext}`), passThrough))
      const r = spawnSync(command, args, {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, ...(pin ? { EFFECT_MP_BENCH_PIN: pin } : {}) }
      })
      if (r.status !== 0) {
        console.error(`bench ${name} on ${runtime}: exit ${r.status ?? r.signal}`)
        status = 1
      }
    }
  }
  return status
}

main().then(
  (status) => {
    process.exitCode = status
  },
  (error) => {
    console.error(`bench: ${error.message}`)
    process.exitCode = 2
  }
)
