/**
 * The task of `pool-echo-server.ts`: one client's session. It holds its worker until the client hangs
 * up, as a process serving a connection would; the parent moves the lines between the socket and the
 * session's two queues.
 */
import * as Effect from "effect/Effect"
import * as Process from "../../src/Process.ts"
import * as Queue from "../../src/Queue.ts"
import * as Task from "../../src/Task.ts"

/**
 * Welcomes the client, then echoes each line of `inbox` to `outbox` until `null` (the client hung up);
 * ends with `null` on `outbox`, and returns the number of lines echoed.
 */
const session = (inbox: Queue.Queue<string | null>, outbox: Queue.Queue<string | null>) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    yield* Queue.put(outbox, `welcome: ${me.name} serves you`)
    let echoed = 0
    for (;;) {
      const line = yield* Queue.get(inbox)
      if (line === null) break
      yield* Queue.put(outbox, `echo: ${line}`)
      echoed++
    }
    yield* Queue.put(outbox, null)
    return echoed
  })

export const tasks = Task.module(import.meta.url, { session })
