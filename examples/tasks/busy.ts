/**
 * The task of `terminate.ts`: busy for ever. It yields between rounds of work, so that it can be
 * interrupted on the fiber backend too (a thread or an OS process is stopped whatever it does).
 */
import * as Effect from "effect/Effect"
import * as Task from "../../src/Task.ts"
import { say } from "./whoami.ts"

const busy = () =>
  Effect.gen(function*() {
    yield* say("busy, counting for ever")
    let count = 0
    for (;;) {
      for (let i = 0; i < 1_000_000; i++) count++
      yield* Effect.yieldNow()
    }
  })

export const tasks = Task.module(import.meta.url, { busy })
