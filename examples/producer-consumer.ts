/**
 * Producer/consumer with a Queue: two producers put numbered items, two consumers take them until
 * they get the sentinel `null` (Python's `None`); the parent puts one sentinel per consumer once the
 * producers are done. Every item is consumed exactly once, and each producer's items arrive in the
 * order they were put.
 *
 *   npx tsx examples/producer-consumer.ts   npx deno run -A examples/producer-consumer.ts   npx bun examples/producer-consumer.ts
 */
import { Effect } from "effect"
import { Process, Queue } from "../src/index.ts"
import { tasks } from "./tasks/queues.ts"

const perProducer = 10

const program = Effect.gen(function*() {
  const q = yield* Queue.make<string | null>({ maxsize: 4 })
  const consumers = [
    yield* Process.spawn(tasks.consume, [q], { name: "consumer-1" }),
    yield* Process.spawn(tasks.consume, [q], { name: "consumer-2" })
  ]
  const producers = [
    yield* Process.spawn(tasks.produce, [q, perProducer], { name: "producer-1" }),
    yield* Process.spawn(tasks.produce, [q, perProducer], { name: "producer-2" })
  ]
  let produced = 0
  for (const p of producers) produced += yield* Process.result(p)
  for (const _ of consumers) yield* Queue.put(q, null)
  const consumed: Array<string> = []
  for (const c of consumers) {
    const got = yield* Process.result(c)
    console.log(`MainProcess: ${Process.name(c)} consumed ${got.length} items`)
    consumed.push(...got)
  }
  const once = new Set(consumed).size === consumed.length
  console.log(`MainProcess: produced ${produced}, consumed ${consumed.length}, each once: ${once}`)
  if (!once || consumed.length !== produced) return yield* Effect.die(new Error("items were lost or duplicated"))
})

await Effect.runPromise(Effect.scoped(program))
