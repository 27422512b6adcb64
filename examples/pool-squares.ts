/**
 * Python's first Pool example, `with Pool(5) as p: print(p.map(f, range(10)))`: five workers square
 * ten numbers; the results come back in input order.
 *
 *   npx tsx examples/pool-squares.ts   npx deno run -A examples/pool-squares.ts   npx bun examples/pool-squares.ts
 *
 * This file is both the program and the module of its task: every worker imports it to find `f`, so
 * the program runs only under `Task.isMain(import.meta)` (Python's `if __name__ == "__main__":`).
 * The workers are threads; `EFFECT_MP_BACKEND=process` (or `fiber`) makes them OS processes (or fibers).
 */
import { Effect } from "effect"
import { Pool, Task } from "../src/index.ts"
import { poolBackend, range } from "./tasks/pool-common.ts"

const f = (x: number): number => x * x

export const tasks = Task.module(import.meta.url, { f })

if (Task.isMain(import.meta)) {
  const program = Effect.gen(function*() {
    const pool = yield* Pool.make({ processes: 5, backend: yield* poolBackend })
    console.log(`MainProcess: a pool of ${pool.processes} ${pool.backend} workers`)
    const squares = yield* Pool.map(pool, tasks.f, range(10))
    console.log(`MainProcess: [${squares.join(", ")}]`)
  })
  // Leaving the scope terminates the pool, as leaving Python's `with Pool(5) as p:` does.
  await Effect.runPromise(Effect.scoped(program))
}
