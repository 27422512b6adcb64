/**
 * Request and response over a duplex Pipe: a child adds the pairs of numbers the parent sends it and
 * answers each with the sum; the parent checks every answer, then closes its end, and the child, seeing
 * `EOFError`, returns how many requests it answered.
 *
 *   npx tsx examples/pipe-adder.ts  npx deno run -A examples/pipe-adder.ts  npx bun examples/pipe-adder.ts
 */
import { Effect, Option } from "effect"
import { Pipe, Process } from "../src/index.ts"
import { tasks } from "./tasks/pipe.ts"

const pairs: ReadonlyArray<readonly [number, number]> = [[1, 2], [3, 4], [10, -10], [0.5, 0.25], [1e6, 2e6]]

const program = Effect.gen(function*() {
  const [conn, childConn] = yield* Pipe.make<readonly [number, number], number>()
  const adder = yield* Process.spawn(tasks.adder, [childConn])
  for (const [a, b] of pairs) {
    yield* Pipe.send(conn, [a, b])
    const sum = yield* Pipe.recv(conn)
    console.log(`MainProcess: ${a} + ${b} = ${sum}`)
    if (sum !== a + b) return yield* Effect.die(new Error(`the adder answered ${sum} for ${a} + ${b}`))
  }
  yield* Pipe.close(conn)
  const answered = yield* Process.result(adder)
  const code = Option.getOrThrow(yield* Process.exitCode(adder))
  console.log(`MainProcess: ${Process.name(adder)} answered ${answered} requests and exited with code ${code}`)
  if (answered !== pairs.length) return yield* Effect.die(new Error(`expected ${pairs.length} answers`))
})

await Effect.runPromise(Effect.scoped(program))
