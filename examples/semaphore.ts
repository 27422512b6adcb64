/**
 * A Semaphore limiting concurrency: 13 workers (processes) start together, but at most 5 work at a
 * time. Each counts itself in and out in a shared file (under a Lock); the most ever inside at once is
 * checked to be 5, not just printed.
 *
 *   npx tsx examples/semaphore.ts        npx deno run -A examples/semaphore.ts        npx bun examples/semaphore.ts
 *
 * `EFFECT_MP_BACKEND=thread` (or `fiber`) runs the workers as worker threads (or fibers).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Barrier, Lock, Process, Semaphore } from "../src/index.ts"
import { type Inside, tasks } from "./tasks/semaphore.ts"

const workers = 13
const limit = 5
const workMs = 300

const program = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "semaphore-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const file = join(dir, "inside.json")
  writeFileSync(file, JSON.stringify({ now: 0, max: 0 } satisfies Inside))
  const sem = yield* Semaphore.make(limit)
  const lock = yield* Lock.make
  // everybody starts at once, so that all 13 want in at the same time
  const start = yield* Barrier.make(workers)

  const processes = yield* Effect.forEach(
    Array.from({ length: workers }, (_, i) => i + 1),
    (i) => Process.spawn(tasks.work, [sem, start, lock, file, workMs], { name: `worker-${i}` })
  )
  const seen = yield* Effect.forEach(processes, Process.result, { concurrency: "unbounded" })

  const { max, now } = JSON.parse(readFileSync(file, "utf8")) as Inside
  console.log(`MainProcess: ${workers} workers done; at most ${max} inside at once (limit ${limit}); ${now} inside now`)
  console.log(`MainProcess: permits free at the end: ${yield* Semaphore.getValue(sem)}`)
  if (max > limit || Math.max(...seen) !== max || now !== 0) {
    return yield* Effect.die(new Error(`the semaphore let ${max} in`))
  }
})

await Effect.runPromise(Effect.scoped(program))
