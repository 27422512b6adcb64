/**
 * The module of `isolation.ts`: a module variable that a child changes. A thread or OS process imports
 * this module afresh and changes its own copy; a fiber shares the parent's.
 */
import * as Effect from "effect/Effect"
import * as Task from "../../src/Task.ts"
import { say } from "./whoami.ts"

let value = 1

export const readValue = (): number => value

const change = (to: number) =>
  Effect.gen(function*() {
    const was = value
    value = to
    yield* say(`value was ${was}, set it to ${value}`)
    return value
  })

export const tasks = Task.module(import.meta.url, { change })
