/**
 * The built package (`tsc -p tsconfig.build.json`) runs under the plain runtime: no tsx, plain `.mjs`
 * task modules, children on the thread and process backends.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

const runtime = (globalThis as { Deno?: unknown }).Deno !== undefined
  ? "deno"
  : (globalThis as { Bun?: unknown }).Bun !== undefined
  ? "bun"
  : "node"
const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..")
const out = join(root, ".dist-test", runtime)

const tasks = `import { Task } from "./index.js"
const square = (n) => n * n
const whoAmI = () => ({ pid: process.pid })
export const tasks = Task.module(import.meta.url, { square, whoAmI })
`
const main = `import * as Effect from "effect/Effect"
import { Process } from "./index.js"
import { tasks } from "./tasks.mjs"
const program = Effect.gen(function*() {
  const results = []
  for (const backend of ["process", "thread"]) {
    results.push({ backend, square: yield* Process.run(tasks.square, [9], { backend }), pid: (yield* Process.run(tasks.whoAmI, [], { backend })).pid })
  }
  console.log(JSON.stringify({ parent: process.pid, results }))
})
Effect.runPromise(program).catch((e) => { console.error(e); process.exit(1) })
`

describe("dist", () => {
  it("builds and runs under the plain runtime", () => {
    rmSync(out, { recursive: true, force: true })
    mkdirSync(out, { recursive: true })
    const build = spawnSync("node", [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", out], {
      cwd: root,
      encoding: "utf8"
    })
    expect(build.stdout + build.stderr).toBe("")
    expect(build.status).toBe(0)
    writeFileSync(join(out, "tasks.mjs"), tasks)
    writeFileSync(join(out, "main.mjs"), main)
    const args = runtime === "deno" ? ["run", "-A", join(out, "main.mjs")] : [join(out, "main.mjs")]
    const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } })
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    const report = JSON.parse(run.stdout.trim().split("\n").pop()!) as {
      parent: number
      results: Array<{ backend: string; square: number; pid: number }>
    }
    expect(report.results.map((r) => r.square)).toEqual([81, 81])
    expect(report.results[0]!.pid).not.toBe(report.parent)
    expect(report.results[1]!.pid).toBe(report.parent)
    rmSync(out, { recursive: true, force: true })
  }, 180_000)
})
