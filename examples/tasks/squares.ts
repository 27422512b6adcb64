/** The task of `ten-children.ts`. */
import * as Effect from "effect/Effect"
import * as Task from "../../src/Task.ts"
import { say } from "./whoami.ts"

const square = (n: number) => Effect.as(say(`${n} squared is ${n * n}`), n * n)

export const tasks = Task.module(import.meta.url, { square })
