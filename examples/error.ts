/**
 * An error raised in a child and seen by the parent. The child prints `Process <name>:` and its stack on
 * its stderr and exits with code 1, as in Python; unlike Python, the parent also gets the error: a
 * `TaskError` with the child's stack, or, for a typed error whose class the task's module exports, an
 * instance of that class.
 *
 *   npx tsx examples/error.ts       npx deno run -A examples/error.ts       npx bun examples/error.ts
 */
import { Effect, Option } from "effect"
import { Process } from "../src/index.ts"
import { Overdrawn, tasks } from "./tasks/failing.ts"

const program = Effect.gen(function*() {
  const p = yield* Process.spawn(tasks.divide, [1, 0])
  yield* Process.join(p)
  console.log(`MainProcess: ${Process.name(p)} exit code ${Option.getOrThrow(yield* Process.exitCode(p))}`)

  yield* Process.result(p).pipe(
    Effect.catchTag("TaskError", (error) =>
      Effect.sync(() => {
        console.log(`MainProcess: TaskError: the child raised ${error.remoteName}: ${error.message}`)
        console.log(`MainProcess: the child's stack:\n${error.remoteStack}`)
      }))
  )

  yield* Process.run(tasks.withdraw, [250]).pipe(
    Effect.catchTag("Overdrawn", (error) =>
      Effect.sync(() => {
        console.log(
          `MainProcess: typed error Overdrawn (instance of its class: ${error instanceof Overdrawn}): ` +
            `balance ${error.balance}, amount ${error.amount}`
        )
      }))
  )
})

await Effect.runPromise(Effect.scoped(program))
