/**
 * How jobs are handed to a worker. A worker takes jobs when it holds none; while everything it holds is
 * known to be cheap, it may take one more batch (so it never waits for a round trip) if the queue
 * holds more than a batch per worker. A batch takes jobs while their measured cost stays within
 * `batchBudgetUs`: tiny jobs travel thousands per message, a long (or not yet measured) job travels
 * alone, and workers stay evenly loaded.
 */
import { type DefMessage, JobFlag, type ToWorker } from "../protocol/pool.ts"
import { JobState } from "./job.ts"
import type { JobQueue } from "./jobQueue.ts"
import { now } from "./trace.ts"
import { type WorkerSlot, WorkerState } from "./worker.ts"

/** About this much work (µs) per batch, so that results come back often and balance holds. */
export const batchBudgetUs = 2000
export const maxBatch = 16384

export const canTake = (w: WorkerSlot, plenty: boolean): boolean => {
  if (w.state !== WorkerState.ready && w.state !== WorkerState.starting) return false
  if (w.inflight.length === 0) return true
  return plenty && w.inflightCost <= batchBudgetUs
}

/** Whether the queue holds more than a batch's worth of work per worker. */
export const plentyQueued = (queue: JobQueue, workers: number): boolean => {
  const head = queue.peek()
  return head !== undefined && head.cost() * queue.size > batchBudgetUs * workers
}

/**
 * Moves up to `limit` jobs from the queue to `w` and gives the message that carries them (with the
 * functions `w` has not been told about yet, and the buffers to move), or `undefined` when none was taken.
 */
export const packBatch = (
  queue: JobQueue,
  w: WorkerSlot,
  limit: number
): { readonly message: ToWorker; readonly transfer: ReadonlyArray<ArrayBuffer> | undefined } | undefined => {
  const t: Array<unknown> = []
  let defs: Array<DefMessage> | undefined
  let transfer: Array<ArrayBuffer> | undefined
  let cost = 0
  let count = 0
  while (count < limit) {
    const job = queue.peek()
    if (job === undefined) break
    const c = job.cost()
    if (count > 0 && cost + c > batchBudgetUs) break
    queue.take()
    job.state = JobState.sent
    job.worker = w
    job.sentCost = c
    const def = job.def
    if (!w.known.has(def.index)) {
      w.known.add(def.index)
      ;(defs ??= []).push([def.index, def.ref.module, def.ref.key])
    }
    if (job.transfer === undefined) t.push(job.id, def.index, job.kind, job.payload)
    else {
      t.push(job.id, def.index, job.kind | JobFlag.moveResult, job.payload)
      ;(transfer ??= []).push(...job.transfer)
    }
    if (job.trace !== undefined) job.sentAt = now()
    w.inflight.push(job)
    cost += c
    count++
  }
  if (count === 0) return undefined
  w.assigned += count
  w.inflightCost += cost
  return { message: { _: "run", d: defs, t }, transfer }
}
