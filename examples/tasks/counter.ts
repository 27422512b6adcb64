/**
 * Task of the shared-counter example: increments a shared `Value` under its lock.
 */
import { Effect } from "effect"
import { Process, RLock, Task, Value } from "../../src/index.ts"

/** Python's `for _ in range(n): with counter.get_lock(): counter.value += 1`. */
const increment = (counter: Value.Value<number>, n: number) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    const lock = Value.getLock(counter)
    for (let i = 0; i < n; i++) {
      yield* RLock.withLock(lock, Effect.flatMap(Value.get(counter), (value) => Value.set(counter, value + 1)))
    }
    console.log(`${me.name}: incremented ${n} times`)
    return n
  })

export const tasks = Task.module(import.meta.url, { increment })
