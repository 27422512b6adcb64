/**
 * The pool's one queue of jobs waiting for a worker (jobs are never queued per worker, so a worker that
 * frees up takes the next job at once). O(1) at both ends; a cancelled job stays in place until it
 * reaches the head. `maxQueue` bounds the live jobs; submitters wait for room in FIFO order.
 */
import { Deque } from "./deque.ts"
import { type Job, JobState } from "./job.ts"

export class JobQueue {
  private readonly jobs = new Deque<Job>()
  private readonly roomWaiters = new Deque<() => void>()
  private readonly maxQueue: number
  /** Live (queued) jobs. */
  size = 0

  constructor(maxQueue: number) {
    this.maxQueue = maxQueue
  }

  room(): number {
    return this.maxQueue - this.size
  }

  push(job: Job): void {
    job.state = JobState.queued
    this.jobs.push(job)
    this.size++
  }

  /** Back to the head (a job whose worker ended before it started). */
  unshift(job: Job): void {
    job.state = JobState.queued
    job.worker = undefined
    this.jobs.unshift(job)
    this.size++
  }

  /** A queued job was cancelled where it stands. */
  withdrawn(): void {
    this.size--
  }

  /** The next live job, without taking it. */
  peek(): Job | undefined {
    let job = this.jobs.peek()
    while (job !== undefined && job.state !== JobState.queued) {
      this.jobs.shift()
      job = this.jobs.peek()
    }
    return job
  }

  /** Takes the job `peek` returned. */
  take(): Job {
    this.size--
    return this.jobs.shift()!
  }

  /** Takes every live job. */
  drain(): Array<Job> {
    this.size = 0
    return this.jobs.drain().filter((job) => job.state === JobState.queued)
  }

  /** Calls `wake` once when there is room again (or `wakeAll` is called), in FIFO order. */
  onRoom(wake: () => void): void {
    this.roomWaiters.push(wake)
  }

  wakeWaiters(all: boolean): void {
    while (this.roomWaiters.length > 0 && (all || this.room() > 0)) this.roomWaiters.shift()!()
  }

  get waiting(): boolean {
    return this.roomWaiters.length > 0
  }
}
