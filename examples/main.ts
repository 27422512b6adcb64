/**
 * `npm start`: a parent process starts three children, each counts the primes in a third of a range
 * and says who it is (name, pid, parent pid); the parent collects the counts and shows the exit codes.
 *
 *   npx tsx examples/main.ts        npx deno run -A examples/main.ts        npx bun examples/main.ts
 *
 * The children are OS processes (the default backend); `EFFECT_MP_BACKEND=thread` (or `fiber`) runs
 * them as worker threads (or fibers) instead.
 */
import { Effect, Option } from "effect"
import { Backend, Process } from "../src/index.ts"
import { tasks } from "./tasks/primes.ts"

const limit = 300_000
const children = 3

const program = Effect.gen(function*() {
  const backend = yield* Backend.ProcessBackend
  const cpus = yield* Process.cpuCount
  console.log(`MainProcess pid=${process.pid}: ${cpus} CPUs; starting ${children} children on the ${backend} backend`)

  const step = limit / children
  const processes = yield* Effect.forEach(
    Array.from({ length: children }, (_, i) => [i * step, (i + 1) * step] as const),
    ([from, to]) => Process.spawn(tasks.countPrimes, [from, to])
  )
  for (const p of processes) {
    const pid = Option.getOrThrow(yield* Process.pid(p))
    console.log(`MainProcess pid=${process.pid}: started ${Process.name(p)} pid=${pid}`)
  }

  const counts = yield* Effect.forEach(processes, Process.result, { concurrency: "unbounded" })
  console.log(`MainProcess: ${counts.join(" + ")} = ${counts.reduce((a, b) => a + b, 0)} primes below ${limit}`)

  for (const p of processes) {
    const code = Option.getOrThrow(yield* Process.exitCode(p))
    console.log(`MainProcess: ${Process.name(p)} exit code ${code}`)
  }
})

await Effect.runPromise(Effect.scoped(program))
