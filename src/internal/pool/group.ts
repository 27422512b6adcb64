/**
 * The jobs of one `map` or `starmap` call (or their async forms) and its one outcome: the chunks'
 * results put back together in input order, or the first error. On the first
 * error the call's other jobs are cancelled and the outcome waits until none of them is still running,
 * so that a failed or interrupted call never leaves work behind it.
 *
 * With `maxQueue`, jobs are offered as room frees up.
 */
import * as Exit from "effect/Exit"
import { type PoolCore, PoolState } from "./core.ts"
import { type Job, JobState, type Owner } from "./job.ts"

export type Progress = (done: number, total: number) => void

export class Group implements Owner {
  private readonly core: PoolCore
  jobs: ReadonlyArray<Job> = []
  private results: Array<unknown> = []
  private remaining = 0
  private offered = 0
  private items = 0
  private done = 0
  private finished = false
  private submitting = false
  /** `undefined` until a cancel started; then the callers waiting for it to end. */
  private stopWaiters: Array<() => void> | undefined
  private stopped = false
  private complete: ((exit: Exit.Exit<unknown, unknown>) => void) | undefined
  private offeredCallback: (() => void) | undefined
  private readonly onProgress: Progress | undefined

  constructor(core: PoolCore, onProgress: Progress | undefined) {
    this.core = core
    this.onProgress = onProgress
  }

  setJobs(jobs: ReadonlyArray<Job>, items: number): void {
    this.jobs = jobs
    this.remaining = jobs.length
    this.results = new Array(jobs.length)
    this.items = items
  }

  /**
   * Submits the jobs; `complete` is called once with the outcome, `offered` once every job is queued
   * (or the group has ended).
   */
  start(complete: (exit: Exit.Exit<unknown, unknown>) => void, offered?: () => void): void {
    this.complete = complete
    this.offeredCallback = offered
    const refusal = this.core.refusal()
    if (refusal !== undefined) return this.finish(Exit.fail(refusal))
    if (this.jobs.length === 0) return this.finish(Exit.succeed([]))
    this.submitting = true
    this.core.openSubmission()
    this.pump()
  }

  private pump(): void {
    if (!this.submitting) return
    if (this.core.state >= PoolState.terminate) {
      this.endSubmission()
      for (const job of this.jobs) if (job.state === JobState.waiting) job.state = JobState.settled
      return this.fail(this.core.refusal())
    }
    this.offered += this.core.offer(this.jobs, this.offered)
    if (this.offered < this.jobs.length) this.core.onRoom(() => this.pump())
    else this.endSubmission()
  }

  private endSubmission(): void {
    if (this.submitting) {
      this.submitting = false
      this.core.endSubmission()
    }
    const offered = this.offeredCallback
    this.offeredCallback = undefined
    offered?.()
  }

  settle(job: Job, ok: boolean, value: unknown): void {
    if (this.finished) return
    if (!ok) return this.fail(value)
    this.results[job.slot] = value
    if (this.onProgress !== undefined) {
      this.done += job.size
      this.onProgress(this.done, this.items)
    }
    if (--this.remaining === 0) {
      this.finish(Exit.succeed(concat(this.results, this.items)))
    }
  }

  private fail(error: unknown): void {
    if (this.finished) return
    this.results = []
    this.stop(() => this.finish(Exit.fail(error)))
  }

  /** Cancels what is left; `onStopped` runs once none of the jobs can still be running. */
  stop(onStopped: () => void): void {
    if (this.stopped) return onStopped()
    if (this.stopWaiters !== undefined) {
      this.stopWaiters.push(onStopped)
      return
    }
    this.finished = true
    this.stopWaiters = [onStopped]
    this.endSubmission()
    this.core.cancel(this.jobs, () => {
      this.stopped = true
      for (const waiter of this.stopWaiters!.splice(0)) waiter()
    })
  }

  private finish(exit: Exit.Exit<unknown, unknown>): void {
    this.finished = true
    this.endSubmission()
    const complete = this.complete
    this.complete = undefined
    complete?.(exit)
  }
}

const concat = (chunks: ReadonlyArray<unknown>, total: number): Array<unknown> => {
  if (chunks.length === 1) return chunks[0] as Array<unknown>
  const out = new Array<unknown>(total)
  let k = 0
  for (const chunk of chunks as ReadonlyArray<ReadonlyArray<unknown>>) {
    for (let i = 0; i < chunk.length; i++) out[k++] = chunk[i]
  }
  return out
}
