// Measuring contenders side by side: every round runs each contender once, in an order rotated from
// round to round, so that a noisy moment on this shared machine hits all of them alike.
import { summarize } from "./stats.mjs"

const withDeadline = (promise, ms, what) => {
  let timer
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

const progress = (text) => {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K`)
}

/**
 * Runs `warmup` then `reps` rounds. A contender is `{ name, run }` where `run()` resolves to one sample:
 * an object of named timings in ms (`{ first: 41.2, exit: 44.0 }`). Returns, per contender name,
 * `{ cold, stats }`: the very first sample (cold start) and a summary (`summarize`) of each metric over
 * the measured rounds.
 */
export const runRounds = async ({ contenders, reps, warmup, timeoutMs = 60_000 }) => {
  const samples = new Map(contenders.map((c) => [c.name, { cold: undefined, metrics: {} }]))
  const rounds = warmup + reps
  for (let round = 0; round < rounds; round++) {
    progress(`round ${round + 1}/${rounds}${round < warmup ? " (warm-up)" : ""}`)
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(round + i) % contenders.length]
      const sample = await withDeadline(contender.run(), timeoutMs, contender.name)
      const entry = samples.get(contender.name)
      entry.cold ??= sample
      if (round < warmup) continue
      for (const [metric, ms] of Object.entries(sample)) (entry.metrics[metric] ??= []).push(ms)
    }
  }
  progress("")
  if (process.stderr.isTTY) process.stderr.write("\r")
  const results = new Map()
  for (const [name, { cold, metrics }] of samples) {
    results.set(name, {
      cold,
      stats: Object.fromEntries(Object.entries(metrics).map(([metric, values]) => [metric, summarize(values)]))
    })
  }
  return results
}
