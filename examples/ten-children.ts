/**
 * Ten children: made, started one after the other, then joined one after the other (Python's
 * `for p in procs: p.start()` then `for p in procs: p.join()`).
 *
 *   npx tsx examples/ten-children.ts   npx deno run -A examples/ten-children.ts   npx bun examples/ten-children.ts
 */
import { Effect, Option } from "effect"
import { Process } from "../src/index.ts"
import { tasks } from "./tasks/squares.ts"

const program = Effect.gen(function*() {
  console.log(`MainProcess pid=${process.pid}: making 10 children`)
  const processes = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i), (i) =>
    Process.make(tasks.square, [i]))
  yield* Effect.forEach(processes, Process.start)
  console.log(`MainProcess: started all 10, ${(yield* Process.activeChildren).length} still running`)
  yield* Effect.forEach(processes, (p) => Process.join(p))
  const codes = yield* Effect.forEach(processes, (p) => Effect.map(Process.exitCode(p), Option.getOrThrow))
  const squares = yield* Effect.forEach(processes, Process.result)
  console.log(`MainProcess: joined all 10; exit codes ${codes.join(" ")}`)
  console.log(`MainProcess: results ${squares.join(" ")}`)
})

await Effect.runPromise(Effect.scoped(program))
