/**
 * Tasks of the Pipe examples: a producer that sends numbered messages and closes its end, and an adder
 * that answers each pair of numbers with their sum until the other end is closed.
 */
import { Effect } from "effect"
import { Pipe, Process, Task } from "../../src/index.ts"

/** Sends `count` messages, then closes the writing end: the reader sees EOF once it has them all. */
const produce = (writer: Pipe.Connection<string, never>, count: number) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    for (let i = 0; i < count; i++) yield* Pipe.send(writer, `message ${i} from ${me.name}`)
    yield* Pipe.close(writer)
    console.log(`${me.name}: sent ${count} messages and closed its end`)
    return count
  })

/** Receives `[a, b]` pairs and sends back `a + b`, until the caller closes its end; the number answered. */
const adder = (conn: Pipe.Connection<number, readonly [number, number]>) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    let answered = 0
    for (;;) {
      const request = yield* Pipe.recv(conn).pipe(Effect.catchTag("EOFError", () => Effect.succeed(undefined)))
      if (request === undefined) break
      const [a, b] = request
      yield* Pipe.send(conn, a + b)
      answered++
    }
    console.log(`${me.name}: the other end closed; answered ${answered} requests`)
    return answered
  })

export const tasks = Task.module(import.meta.url, { produce, adder })
