/**
 * A call of one job (`apply`, `applyAsync`): the lightest owner there is, since concurrent calls come by
 * the hundred thousand.
 */
import { type PoolCore, PoolState } from "./core.ts"
import { type Job, JobState, type Owner } from "./job.ts"

export class OneCall implements Owner {
  done: ((ok: boolean, value: unknown) => void) | undefined = undefined

  settle(_job: Job, ok: boolean, value: unknown): void {
    const done = this.done
    this.done = undefined
    done?.(ok, value)
  }
}

/**
 * Queues a one-job call. When `maxQueue` is full it waits for room (a closing pool waits for it) and
 * calls `offered` once queued; a pool that stops meanwhile settles the job with its refusal. Returns
 * whether the job was queued at once.
 */
export const offerOne = (core: PoolCore, job: Job, offered: (() => void) | undefined): boolean => {
  if (core.offer([job], 0) === 1) return true
  core.openSubmission()
  const retry = () => {
    if (job.state !== JobState.waiting) return core.endSubmission()
    if (core.state >= PoolState.terminate) {
      job.state = JobState.settled
      core.endSubmission()
      return job.owner.settle(job, false, core.refusal())
    }
    if (core.offer([job], 0) === 0) return core.onRoom(retry)
    core.endSubmission()
    offered?.()
  }
  core.onRoom(retry)
  return false
}
