/**
 * Who pays for a worker that died unasked. The job it was running fails with `ProcessExited`; jobs it
 * had not started go back to the queue. It knows which job that was when it could say so (its exit
 * handler ran: a task called `process.exit`), and a thread's shared signals tell it in any case. When
 * nothing tells (a process killed by a signal), every job it held fails. A job before the running one
 * whose result never came (lost with the worker) fails too: results are delivered at most once. A job
 * found in three dead workers in a row fails as well.
 */
import { Signal } from "../protocol/pool.ts"
import { type Job, JobState } from "./job.ts"
import type { WorkerSlot } from "./worker.ts"

const maxRequeues = 2

export const blame = (
  w: WorkerSlot,
  held: ReadonlyArray<Job>
): { readonly failed: ReadonlyArray<Job>; readonly spared: ReadonlyArray<Job> } => {
  const running = w.dyingIn ?? (w.signals === undefined ? undefined : Atomics.load(w.signals, Signal.running))
  const at = running === undefined ? held.length - 1 : held.findIndex((job) => job.id === running)
  const failed = held.slice(0, at + 1)
  const spared: Array<Job> = []
  for (const job of held.slice(at + 1)) {
    if (job.state === JobState.sent && ++job.requeued > maxRequeues) failed.push(job)
    else spared.push(job)
  }
  return { failed, spared }
}
