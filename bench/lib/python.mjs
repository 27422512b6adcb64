// Launches a benchmark's Python twin (bench/<name>.py, served by bench/lib/twin.py) with the same
// environment and CPU affinity as the benchmark, and calls its measurements one at a time.
import { spawn, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { createInterface } from "node:readline"

const python = process.env.EFFECT_MP_BENCH_PYTHON ?? "python3"

/** The Python version, or `undefined` when there is no python3. */
export const pythonVersion = () => {
  const r = spawnSync(python, ["--version"], { encoding: "utf8" })
  return r.status === 0 ? (r.stdout || r.stderr).trim().replace(/^Python /, "") : undefined
}

/**
 * Starts `script` in serve mode. Resolves to `{ version, call(method, params), close() }`, or to
 * `undefined` when python3 or the script is missing.
 */
export const startTwin = async (script) => {
  if (!existsSync(script) || pythonVersion() === undefined) return undefined
  const child = spawn(python, ["-u", script], { stdio: ["pipe", "pipe", "inherit"] })
  const lines = createInterface({ input: child.stdout })
  const pending = new Map()
  let ready
  const readyPromise = new Promise((resolve, reject) => {
    ready = { resolve, reject }
  })
  let nextId = 1
  lines.on("line", (line) => {
    let message
    try {
      message = JSON.parse(line)
    } catch {
      return // a stray print from the twin
    }
    if (message.ready) return ready.resolve(message)
    const call = pending.get(message.id)
    if (call === undefined) return
    pending.delete(message.id)
    if (message.error !== undefined) call.reject(new Error(`python twin: ${message.error}`))
    else call.resolve(message.result)
  })
  child.on("exit", (code) => {
    const error = new Error(`python twin exited with code ${code}`)
    ready.reject(error)
    for (const call of pending.values()) call.reject(error)
    pending.clear()
  })
  const hello = await readyPromise
  return {
    version: hello.python,
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        child.stdin.write(`${JSON.stringify({ id, method, params })}\n`)
      }),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.stdin.end()
      })
  }
}
