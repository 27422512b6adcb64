/**
 * The unit a pool hands to a worker: one call (`apply`) or one chunk of `map`/`starmap` items.
 */
import type { JobKind } from "../protocol/pool.ts"
import type { TaskRef } from "../protocol/messages.ts"
import type { JobTrace } from "./trace.ts"
import type { WorkerSlot } from "./worker.ts"

export type Fn = (...args: ReadonlyArray<any>) => unknown

/** A function the pool runs, known to workers by `index`. */
export interface Def {
  readonly index: number
  readonly ref: TaskRef
  readonly fn: Fn
  /** The task module as the parent imported it: typed errors it exports are revived from it. */
  readonly namespace: Record<string, unknown> | undefined
  /** Measured time per item in µs (moving average); `NaN` until the first batch comes back. */
  costUs: number
}

export const JobState = { waiting: 0, queued: 1, sent: 2, settled: 3, cancelled: 4 } as const
export type JobState = (typeof JobState)[keyof typeof JobState]

/** Who hears about a job's outcome (an `apply`, a `map`, an `imap` stream …). Called once per job. */
export interface Owner {
  readonly settle: (job: Job, ok: boolean, value: unknown) => void
}

export class Job {
  readonly id: number
  readonly def: Def
  readonly kind: JobKind
  payload: ReadonlyArray<unknown> | undefined
  /** Items in the job (1 for a call). */
  readonly size: number
  readonly owner: Owner
  /** Position of the job in its owner's list. */
  readonly slot: number
  state: JobState = JobState.waiting
  /** Called once the job cannot be running any more, after a cancel that had to wait for it. */
  onStopped: (() => void) | undefined = undefined
  /** The worker holding the job once sent. */
  worker: WorkerSlot | undefined = undefined
  /** Times put back in the queue after its worker died unasked. */
  requeued = 0
  /** Buffers of the payload to move to a thread worker, and whether the result's come back moved. */
  transfer: ReadonlyArray<ArrayBuffer> | undefined = undefined
  /** The call's span, when the pool traces jobs; `sentAt`: when the job went to a worker. */
  trace: JobTrace | undefined = undefined
  sentAt: bigint | undefined = undefined
  /** Estimated cost when sent (the worker's load is counted with it). */
  sentCost = 0

  constructor(
    id: number,
    def: Def,
    kind: JobKind,
    payload: ReadonlyArray<unknown>,
    size: number,
    owner: Owner,
    slot: number
  ) {
    this.id = id
    this.def = def
    this.kind = kind
    this.payload = payload
    this.size = size
    this.owner = owner
    this.slot = slot
  }

  /** Estimated run time in µs (`Infinity` while the function's cost is unknown). */
  cost(): number {
    const c = this.def.costUs
    return c !== c ? Infinity : c * this.size
  }
}
