// A header stating the conditions of a run, printed before every result table.
import * as os from "node:os"
import { affinity } from "./pin.mjs"
import { currentRuntime } from "./runtimes.mjs"

export const describeEnvironment = (extra = {}) => {
  const rt = currentRuntime()
  const cpus = os.cpus()
  return {
    runtime: `${rt.name} ${rt.version}`,
    cpus: `${cpus.length} × ${cpus[0]?.model?.trim() ?? "?"}`,
    pinning: process.env.EFFECT_MP_BENCH_PIN ? `taskset -c ${process.env.EFFECT_MP_BENCH_PIN}` : `none (affinity ${affinity() ?? "?"})`,
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(" "),
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ? "set (every Node child loads it)" : "unset",
    ...extra
  }
}

export const printEnvironment = (title, extra) => {
  console.log(`\n## ${title}\n`)
  for (const [key, value] of Object.entries(describeEnvironment(extra))) console.log(`- ${key}: ${value}`)
  console.log("")
}
