// How busy the machine was during a measurement, and how much of that was someone else (other sessions
// share these 2 vCPUs). Linux only: reads /proc/stat and /proc/self/stat; elsewhere reports nothing.
import { readFileSync } from "node:fs"

const HZ = 100 // USER_HZ, the unit of /proc/*/stat on Linux

const read = () => {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number)
    const idle = cpu[3] + (cpu[4] ?? 0)
    const busy = cpu.reduce((a, b) => a + b, 0) - idle
    // fields after the ")" of the command name: state is [0]; utime, stime, cutime, cstime are [11..14]
    const self = readFileSync("/proc/self/stat", "utf8")
    const f = self.slice(self.lastIndexOf(")") + 2).split(" ").map(Number)
    return { busy, own: f[11] + f[12] + f[13] + f[14], at: performance.now() }
  } catch {
    return undefined
  }
}

/**
 * Starts watching. `stop()` (call it after every child, including the Python twin, has been waited
 * for, so that their CPU time is counted as ours) returns the average number of busy cores during the
 * interval, how many of them were this benchmark's and how many were foreign, or `undefined` off Linux.
 */
export const watchCpu = () => {
  const start = read()
  return {
    stop: () => {
      const end = read()
      if (start === undefined || end === undefined) return undefined
      const seconds = (end.at - start.at) / 1000
      const busy = (end.busy - start.busy) / HZ / seconds
      const own = (end.own - start.own) / HZ / seconds
      return { busy, own, foreign: Math.max(0, busy - own), seconds }
    }
  }
}

export const describeCpu = (usage) =>
  usage === undefined
    ? "unknown"
    : `${usage.busy.toFixed(2)} busy cores on average over ${usage.seconds.toFixed(0)} s: ${usage.own.toFixed(2)} this benchmark, ` +
      `${usage.foreign.toFixed(2)} other processes${usage.foreign > 0.3 ? " (a noisy run: compare ratios, not absolute times)" : ""}`

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits until the machine is quiet: fewer than `maxBusy` busy cores (this process idles meanwhile)
 * over a `windowMs` sample, checked again and again until `timeoutMs`. Resolves to the last busy
 * figure and whether it was quiet; off Linux resolves at once.
 */
export const waitForQuiet = async ({ maxBusy = 0.3, windowMs = 3000, timeoutMs = 10 * 60_000, onWait } = {}) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const watch = watchCpu()
    await sleep(windowMs)
    const usage = watch.stop()
    if (usage === undefined) return { busy: undefined, quiet: true }
    if (usage.busy < maxBusy) return { busy: usage.busy, quiet: true }
    if (Date.now() > deadline) return { busy: usage.busy, quiet: false }
    onWait?.(usage.busy)
  }
}

/**
 * CPU time (user + system, ms) of this process's children that have ended and been waited for,
 * all their threads included (Linux, from /proc/self/stat; `undefined` elsewhere). The difference
 * around one child's life is that child's CPU time, to a clock tick (10 ms): average it over many
 * children. Unlike wall time it hardly moves when other processes load the machine.
 */
export const childrenCpuMs = () => {
  try {
    const self = readFileSync("/proc/self/stat", "utf8")
    const f = self.slice(self.lastIndexOf(")") + 2).split(" ").map(Number)
    return ((f[13] + f[14]) * 1000) / HZ
  } catch {
    return undefined
  }
}
