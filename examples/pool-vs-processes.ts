/**
 * A pool against one process per task: the same 100 small tasks, run by a pool of 4 workers (each
 * started once and given many tasks) and by 100 processes, 4 at a time (each started for one task).
 * The results are the same; the pool is faster, because starting a thread or a process costs far more
 * than a small task (on Node from TypeScript sources, up to a second; with more tasks the gap grows).
 *
 *   npx tsx examples/pool-vs-processes.ts   npx deno run -A examples/pool-vs-processes.ts   npx bun examples/pool-vs-processes.ts
 *
 * Both use worker threads; `EFFECT_MP_BACKEND=process` makes them all OS processes (slower to start,
 * especially on Node), `fiber` fibers (no start-up to speak of: about the same).
 */
import { Effect } from "effect"
import { Pool, Process, Task } from "../src/index.ts"
import { poolBackend, range, seconds } from "./tasks/pool-common.ts"
import { tasks } from "./tasks/pool-cpu.ts"

const blocks = range(100)
const workers = 4

const sum = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0)

if (Task.isMain(import.meta)) {
  const program = Effect.gen(function*() {
    const backend = yield* poolBackend
    console.log(`MainProcess: ${blocks.length} tasks on the ${backend} backend, ${workers} at a time`)

    // The pool's start-up is counted: it is what the pool pays instead of a start-up per task.
    const [pooled, byPool] = yield* Effect.timed(Effect.scoped(
      Effect.flatMap(
        Pool.make({ processes: workers, backend }),
        (pool) => Pool.map(pool, tasks.collatzSteps, blocks)
      )
    ))
    console.log(`MainProcess: pool of ${workers}: ${sum(byPool)} steps`)

    const [spawned, byProcesses] = yield* Effect.timed(Effect.forEach(
      blocks,
      (block) =>
        Effect.scoped(Effect.flatMap(Process.spawn(tasks.collatzSteps, [block], { backend }), Process.result)),
      { concurrency: workers }
    ))
    console.log(`MainProcess: one process per task: ${sum(byProcesses)} steps`)

    console.log(`MainProcess: the same results: ${byPool.every((steps, i) => steps === byProcesses[i])}`)
    console.log(`MainProcess: pool ${seconds(pooled)}, one process per task ${seconds(spawned)}`)
  })
  await Effect.runPromise(program)
}
