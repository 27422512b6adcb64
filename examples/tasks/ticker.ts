/** The task of `daemon.ts`: prints a tick every quarter of a second, then `finished`. */
import * as Effect from "effect/Effect"
import * as Task from "../../src/Task.ts"
import { say } from "./whoami.ts"

const tick = (ticks: number) =>
  Effect.gen(function*() {
    yield* say(`started, ${ticks} ticks to go`)
    for (let i = 1; i <= ticks; i++) {
      yield* Effect.sleep("250 millis")
      yield* say(`tick ${i}`)
    }
    yield* say("finished")
  })

export const tasks = Task.module(import.meta.url, { tick })
