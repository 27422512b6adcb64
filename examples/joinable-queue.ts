/**
 * JoinableQueue with daemon consumers: three daemon workers square numbers and mark each one done;
 * two producers put their numbers and `join` the queue, which returns once every number put has been
 * done. The workers never end on their own: leaving the scope terminates them (they are daemons).
 *
 *   npx tsx examples/joinable-queue.ts   npx deno run -A examples/joinable-queue.ts   npx bun examples/joinable-queue.ts
 */
import { Effect, Option } from "effect"
import { JoinableQueue, Process, Queue } from "../src/index.ts"
import { tasks } from "./tasks/queues.ts"

const program = Effect.gen(function*() {
  const results = yield* Queue.make<string>()
  const workers = yield* Effect.scoped(Effect.gen(function*() {
    const numbers = yield* JoinableQueue.make<number>()
    const workers = []
    for (let w = 1; w <= 3; w++) {
      workers.push(yield* Process.spawn(tasks.square, [numbers, results], { name: `worker-${w}`, daemon: true }))
    }
    const producers = [
      yield* Process.spawn(tasks.feed, [numbers, [1, 2, 3, 4, 5]], { name: "producer-1" }),
      yield* Process.spawn(tasks.feed, [numbers, [6, 7, 8, 9, 10]], { name: "producer-2" })
    ]
    for (const p of producers) yield* Process.result(p)
    // both producers joined the queue: every number has been squared and recorded
    const done = yield* Queue.qsize(results)
    console.log(`MainProcess: producers joined; ${done} results recorded`)
    yield* JoinableQueue.join(numbers)
    console.log("MainProcess: queue joined; leaving the scope (the daemon workers are terminated)")
    return workers
  }))
  const lines: Array<string> = []
  while (!(yield* Queue.empty(results))) lines.push(yield* Queue.get(results))
  for (const line of lines.sort((a, b) => Number(a.split("^")[0]) - Number(b.split("^")[0]))) {
    console.log(`MainProcess: ${line}`)
  }
  const codes = []
  for (const w of workers) codes.push(Option.getOrThrow(yield* Process.exitCode(w)))
  console.log(`MainProcess: worker exit codes ${codes.join(" ")}`)
})

await Effect.runPromise(Effect.scoped(program))
