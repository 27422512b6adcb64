/** The task of `join.ts`: a few slow steps, so that the parent visibly waits for them. */
import * as Effect from "effect/Effect"
import * as Task from "../../src/Task.ts"
import { say } from "./whoami.ts"

const work = (steps: number) =>
  Effect.gen(function*() {
    for (let step = 1; step <= steps; step++) {
      yield* say(`step ${step} of ${steps}`)
      yield* Effect.sleep("300 millis")
    }
    yield* say("finished")
  })

export const tasks = Task.module(import.meta.url, { work })
