/**
 * The suite ends by checking that no child process it started is still alive: every child carries
 * EFFECT_MP_PARENT_PID and this run's marker in its environment; any such process left at the end is
 * reported (and then ended, by pid) and fails the run.
 */
import { readdirSync, readFileSync } from "node:fs"

const marker = "EFFECT_MP_TEST_RUN"

const leftovers = (id: string): Array<{ pid: number; cmd: string }> => {
  const found: Array<{ pid: number; cmd: string }> = []
  let entries: Array<string>
  try {
    entries = readdirSync("/proc")
  } catch {
    return found // not Linux: nothing to inspect
  }
  for (const entry of entries) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    try {
      const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")
      if (env.includes(`${marker}=${id}`) && env.some((v) => v.startsWith("EFFECT_MP_PARENT_PID="))) {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        if (/\) Z /.test(stat)) continue // a zombie waiting for its parent to reap it is not running
        found.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim() })
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found
}

export default function setup(): () => Promise<void> {
  const id = `${process.pid}-${Date.now()}`
  process.env[marker] = id
  return async () => {
    let left = leftovers(id)
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      left = leftovers(id)
    }
    if (left.length > 0) {
      for (const { pid } of left) {
        try {
          process.kill(pid, "SIGKILL")
        } catch {
          // already gone
        }
      }
      throw new Error(
        `child processes left running after the suite:\n${left.map((l) => `  ${l.pid} ${l.cmd}`).join("\n")}`
      )
    }
  }
}
