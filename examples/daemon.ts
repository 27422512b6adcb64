/**
 * Daemonic and non-daemonic children: when the main scope ends, the daemonic child is terminated and
 * the other one is waited for (Python terminates daemonic children at exit and joins the others).
 * The daemon never prints `finished`; the worker does, before the scope has closed.
 *
 *   npx tsx examples/daemon.ts      npx deno run -A examples/daemon.ts      npx bun examples/daemon.ts
 */
import { Effect, Option } from "effect"
import { Process } from "../src/index.ts"
import { tasks } from "./tasks/ticker.ts"

const program = Effect.gen(function*() {
  const [daemon, worker] = yield* Effect.scoped(Effect.gen(function*() {
    const daemon = yield* Process.spawn(tasks.tick, [400], { name: "daemon", daemon: true })
    const worker = yield* Process.spawn(tasks.tick, [8], { name: "worker" })
    // Python's `d.join(1)`: gives up after a second; the daemon is still running.
    yield* Process.join(daemon, { timeout: "1 second" })
    console.log(`MainProcess: after join(daemon, 1 second): daemon alive: ${yield* Process.isAlive(daemon)}`)
    console.log("MainProcess: leaving the main scope")
    return [daemon, worker] as const
  }))
  const daemonCode = Option.getOrThrow(yield* Process.exitCode(daemon))
  const workerCode = Option.getOrThrow(yield* Process.exitCode(worker))
  console.log(`MainProcess: scope closed; daemon exit code ${daemonCode}, worker exit code ${workerCode}`)
})

await Effect.runPromise(program)
