/**
 * Terminating a busy child: `terminate` sends SIGTERM (a thread is terminated, a fiber interrupted),
 * waits for the end (killing after a grace period), and the exit code is `-15`, as in Python.
 *
 *   npx tsx examples/terminate.ts   npx deno run -A examples/terminate.ts   npx bun examples/terminate.ts
 */
import { Effect, Option } from "effect"
import { Process } from "../src/index.ts"
import { tasks } from "./tasks/busy.ts"

const program = Effect.gen(function*() {
  const p = yield* Process.make(tasks.busy, [])
  const show = (when: string) =>
    Effect.gen(function*() {
      const alive = yield* Process.isAlive(p)
      const code = Option.getOrElse(yield* Process.exitCode(p), () => "none")
      console.log(`MainProcess: ${when}: ${p}, alive: ${alive}, exit code: ${code}`)
    })
  yield* show("before start")
  yield* Process.start(p)
  yield* show("after start")
  // The child never ends by itself: `join` with a timeout returns, it does not wait for ever.
  yield* Process.join(p, { timeout: "1 second" })
  yield* show("after join(1 second)")
  yield* Process.terminate(p)
  yield* show("after terminate")
  const error = yield* Effect.flip(Process.result(p))
  console.log(`MainProcess: result: ${error._tag}: ${error.message}`)
})

await Effect.runPromise(Effect.scoped(program))
