/**
 * `join` makes the parent wait: the child's steps are all printed before the parent's line after
 * `join`, although the parent had nothing else to do.
 *
 *   npx tsx examples/join.ts        npx deno run -A examples/join.ts        npx bun examples/join.ts
 */
import { Effect, Option } from "effect"
import { Process } from "../src/index.ts"
import { tasks } from "./tasks/steps.ts"

const program = Effect.gen(function*() {
  const child = yield* Process.spawn(tasks.work, [3])
  console.log(`MainProcess: started ${Process.name(child)}, alive: ${yield* Process.isAlive(child)}; joining it`)
  yield* Process.join(child)
  const code = Option.getOrThrow(yield* Process.exitCode(child))
  console.log(`MainProcess: join returned; ${Process.name(child)} alive: ${yield* Process.isAlive(child)}, exit code ${code}`)
})

await Effect.runPromise(Effect.scoped(program))
