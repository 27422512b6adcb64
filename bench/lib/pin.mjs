// CPU pinning. Latency on this VM depends on which vCPU each side runs on (research/PEERS.md, "Measuring
// fairly"), so a run states its pinning, and every contender (our children, the bare floors, the Python
// twin and its children) inherits the same affinity from the benchmark process.
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"

/** The CPUs this process may run on, as Linux lists them ("0-1"); `undefined` where unknown. */
export const affinity = () => {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]
  } catch {
    return undefined
  }
}

/** `[command, args]` that runs `command args` pinned to `cpus` ("0", "0,1"); unchanged when `cpus` is empty. */
export const pinned = (cpus, command, args) => {
  if (!cpus) return [command, args]
  if (spawnSync("taskset", ["-V"]).error !== undefined) throw new Error("--pin needs taskset (util-linux)")
  return ["taskset", ["-c", cpus, command, ...args]]
}
