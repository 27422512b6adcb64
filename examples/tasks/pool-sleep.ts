/** The task of `pool-apply-vs-async.ts`: a square that takes its time, as a task waiting on I/O would. */
import * as Effect from "effect/Effect"
import * as Task from "../../src/Task.ts"

const slowSquare = (n: number, ms: number) => Effect.as(Effect.sleep(ms), n * n)

export const tasks = Task.module(import.meta.url, { slowSquare })
