/**
 * A shared counter in a Value: four processes each increment it 500 times, each increment under the
 * value's lock (Python's `with counter.get_lock(): counter.value += 1`): the total is exact. Without
 * the lock, read-then-write increments from several processes lose updates; `Value.update` is the
 * one-call form of the locked increment.
 *
 *   npx tsx examples/shared-counter.ts   npx deno run -A examples/shared-counter.ts   npx bun examples/shared-counter.ts
 */
import { Effect } from "effect"
import { Process, Value } from "../src/index.ts"
import { tasks } from "./tasks/counter.ts"

const workers = 4
const times = 500

const program = Effect.gen(function*() {
  const counter = yield* Value.make("i", 0)
  const children = []
  for (let w = 0; w < workers; w++) children.push(yield* Process.spawn(tasks.increment, [counter, times]))
  for (const child of children) yield* Process.result(child)
  const total = yield* Value.get(counter)
  console.log(`MainProcess: counter = ${total} (expected ${workers * times})`)
  yield* Value.update(counter, (n) => n + 1)
  console.log(`MainProcess: after one more update: ${yield* Value.get(counter)}`)
  if (total !== workers * times) return yield* Effect.die(new Error("lost updates"))
})

await Effect.runPromise(Effect.scoped(program))
