#!/usr/bin/env node
// `npm test`: the whole suite on Node, Bun and Deno, one after the other; exit code 1 if any failed.
// Prints a closing line "N passed, N failed" summing the three runs.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const vitest = "./node_modules/vitest/vitest.mjs"
const bin = (name) => join("node_modules", ".bin", name)
const runtimes = [
  ["node", [process.execPath, [vitest, "run"]]],
  ["bun", [bin("bun"), ["--bun", vitest, "run"]]],
  ["deno", [bin("deno"), ["run", "-A", vitest, "run"]]]
]
// Arguments naming a runtime select it; any other argument goes to vitest (a spec file, -t "name" …).
const names = runtimes.map(([name]) => name)
const only = process.argv.slice(2).filter((a) => names.includes(a))
const selected = runtimes.filter(([name]) => only.length === 0 || only.includes(name))
const extra = process.argv.slice(2).filter((a) => !names.includes(a))
const dir = mkdtempSync(join(tmpdir(), "emp-test-"))
let passed = 0
let failed = 0
let broken = false
for (const [name, [cmd, args]] of selected) {
  const out = join(dir, `${name}.json`)
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`)
  const started = Date.now()
  const r = spawnSync(cmd, [...args, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...extra], {
    stdio: "inherit",
    env: { ...process.env, EFFECT_MP_TEST_RUNTIME: name }
  })
  let counts = "no report"
  try {
    const report = JSON.parse(readFileSync(out, "utf8"))
    passed += report.numPassedTests
    failed += report.numFailedTests
    counts = `${report.numPassedTests} passed, ${report.numFailedTests} failed`
    if (report.numTotalTests === 0) broken = true
  } catch {
    broken = true
  }
  console.log(`=== ${name}: exit ${r.status} (${counts}) in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  if (r.status !== 0) broken = true
}
rmSync(dir, { recursive: true, force: true })
console.log(`\n${passed} passed, ${failed} failed`)
process.exit(broken || failed > 0 ? 1 : 0)
