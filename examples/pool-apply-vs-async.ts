/**
 * `apply` against `applyAsync`, as in Python: ten tasks of 200 ms each. `apply` waits for each result
 * before it submits the next task, so the tasks run one after another (about 2 s) however many workers
 * there are; `applyAsync` submits them all at once and the results are taken afterwards, so five
 * workers run them five at a time (about 0.4 s). The results are the same.
 *
 *   npx tsx examples/pool-apply-vs-async.ts   npx deno run -A examples/pool-apply-vs-async.ts   npx bun examples/pool-apply-vs-async.ts
 *
 * The workers are threads; `EFFECT_MP_BACKEND=process` (or `fiber`) makes them OS processes (or fibers).
 */
import { Effect } from "effect"
import { Pool, Task } from "../src/index.ts"
import { poolBackend, range, seconds } from "./tasks/pool-common.ts"
import { tasks } from "./tasks/pool-sleep.ts"

const numbers = range(10)
const ms = 200

if (Task.isMain(import.meta)) {
  const program = Effect.gen(function*() {
    const pool = yield* Pool.make({ processes: 5, backend: yield* poolBackend })
    // One task per worker first (a task not yet measured travels alone), so that the timings below do
    // not count the workers' start-up.
    const [warmUp] = yield* Effect.timed(
      Pool.starmap(pool, tasks.slowSquare, range(pool.processes).map((i) => [i, ms] as const))
    )
    const workers = `${pool.processes} ${pool.backend} workers`
    console.log(`MainProcess: ${workers} started and ran a task each in ${seconds(warmUp)}`)
    console.log(`MainProcess: ${numbers.length} tasks of ${ms} ms each`)

    const [inTurn, applied] = yield* Effect.timed(
      Effect.forEach(numbers, (n) => Pool.apply(pool, tasks.slowSquare, [n, ms]))
    )
    console.log(`MainProcess: apply: [${applied.join(", ")}]`)

    const [together, submitted] = yield* Effect.timed(
      Effect.gen(function*() {
        const results = yield* Effect.forEach(numbers, (n) => Pool.applyAsync(pool, tasks.slowSquare, [n, ms]))
        return yield* Effect.forEach(results, (r) => Pool.get(r))
      })
    )
    console.log(`MainProcess: applyAsync: [${submitted.join(", ")}]`)

    console.log(`MainProcess: apply took ${seconds(inTurn)} (one after another)`)
    console.log(`MainProcess: applyAsync took ${seconds(together)} (${pool.processes} at a time)`)
  })
  await Effect.runPromise(Effect.scoped(program))
}
