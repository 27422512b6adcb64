/**
 * Tasks of the Semaphore example: a worker waits for everybody to be ready, then does its work
 * holding one of the semaphore's permits, counting the workers inside in a shared JSON file (under a
 * Lock) as it enters and leaves.
 *
 * Every child imports this module: it imports the modules it uses, not the barrels, to start faster.
 */
import { readFileSync, writeFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import * as Barrier from "../../src/Barrier.ts"
import * as Lock from "../../src/Lock.ts"
import * as Process from "../../src/Process.ts"
import * as Semaphore from "../../src/Semaphore.ts"
import * as Task from "../../src/Task.ts"

export interface Inside {
  readonly now: number
  readonly max: number
}

const update = (lock: Lock.Lock, file: string, delta: number) =>
  Lock.withLock(lock)(
    Effect.sync(() => {
      const { max, now } = JSON.parse(readFileSync(file, "utf8")) as Inside
      const next = { now: now + delta, max: Math.max(max, now + delta) }
      writeFileSync(file, JSON.stringify(next))
      return next.now
    })
  )

/** Waits at `start` with the others, then works for `ms` holding a permit; reports how many were inside. */
const work = (sem: Semaphore.Semaphore, start: Barrier.Barrier, lock: Lock.Lock, file: string, ms: number) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    yield* Barrier.wait(start)
    return yield* Semaphore.withLock(sem)(
      Effect.gen(function*() {
        const inside = yield* update(lock, file, +1)
        console.log(`${me.name}: in (${inside} inside)`)
        yield* Effect.sleep(ms)
        yield* update(lock, file, -1)
        console.log(`${me.name}: out`)
        return inside
      })
    )
  })

export const tasks = Task.module(import.meta.url, { work })
