/**
 * A Pipe closed properly at both ends: a producer child sends numbered messages on the writing end of
 * a one-way pipe and closes it; the parent receives until `EOFError`, which comes only after every
 * message sent before the close, then closes its reading end.
 *
 * Unlike Python, the parent does not close its own copy of the writer after starting the child:
 * `Pipe.close` closes an end for every process that holds it, so the producer's `close` is what ends
 * the pipe (and a parent that closed the writer here would break the producer's sends).
 *
 *   npx tsx examples/pipe-eof.ts    npx deno run -A examples/pipe-eof.ts    npx bun examples/pipe-eof.ts
 */
import { Effect, Option } from "effect"
import { Pipe, Process } from "../src/index.ts"
import { tasks } from "./tasks/pipe.ts"

const count = 5

const program = Effect.gen(function*() {
  const [reader, writer] = yield* Pipe.make<string>({ duplex: false })
  const producer = yield* Process.spawn(tasks.produce, [writer, count])
  let received = 0
  for (;;) {
    const message = yield* Pipe.recv(reader).pipe(Effect.catchTag("EOFError", () => Effect.succeed(undefined)))
    if (message === undefined) break
    console.log(`MainProcess: received "${message}"`)
    received++
  }
  console.log(`MainProcess: EOFError after ${received} messages`)
  yield* Pipe.close(reader)
  const sent = yield* Process.result(producer)
  const code = Option.getOrThrow(yield* Process.exitCode(producer))
  console.log(`MainProcess: ${Process.name(producer)} sent ${sent} messages and exited with code ${code}`)
  console.log(`MainProcess: reader closed: ${yield* Pipe.closed(reader)}, writer closed: ${yield* Pipe.closed(writer)}`)
  if (received !== count || sent !== count) return yield* Effect.die(new Error(`expected ${count} messages`))
})

await Effect.runPromise(Effect.scoped(program))
