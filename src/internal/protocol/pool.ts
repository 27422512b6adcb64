/**
 * The wire between a pool and its workers. Effect-free: the pool worker's bootstrap loads it.
 *
 * Tags differ from the router's (`call`, `reply`, `cancel`, `gone`, `batch`): resource calls of the
 * tasks share the channel.
 *
 * Jobs and results travel as flat arrays (`[id, def, kind, payload, id, def, …]`), many per message:
 * per-message overhead, not the work, is what a pool of tiny tasks pays for, and flat arrays of
 * primitives are the cheapest thing to clone.
 */
import type { EncodedError } from "./errors.ts"
import type { ChildInfo, TaskRef } from "./messages.ts"

/** Sent once, before anything else (thread: `workerData`; process: the first IPC message). */
export interface PoolInit {
  readonly _: "pool-init"
  readonly info: ChildInfo
  /** Runs before the first job, in every worker (Python's `initializer(*initargs)`). */
  readonly initializer: { readonly task: TaskRef; readonly args: ReadonlyArray<unknown> } | undefined
  /**
   * Thread workers only: `[cancel generation, job running now]`. The parent bumps the generation when it
   * sends a cancel, so that a worker in a run of synchronous jobs looks at its messages; the worker
   * publishes the id of the job it runs, so that the parent knows which job a stuck worker is stuck in.
   */
  readonly signals: SharedArrayBuffer | undefined
}

/** What a job is: a call with an argument list, a chunk of `map` items, or a chunk of `starmap` tuples. */
export const JobKind = { apply: 0, map: 1, starmap: 2 } as const
export type JobKind = (typeof JobKind)[keyof typeof JobKind]

/** Flags added to a job's kind on the wire. `moveResult`: transfer the result's buffers back. */
export const JobFlag = { kindMask: 3, moveResult: 8 } as const

/** A job's outcome. `fail` is an Effect failure, `die` a thrown error; both carry an `EncodedError`. */
export const Status = { ok: 0, fail: 1, die: 2, cancelled: 3 } as const
export type Status = (typeof Status)[keyof typeof Status]

/** Signals slots (Int32Array indexes) shared with a thread worker. */
export const Signal = { cancelGeneration: 0, running: 1 } as const

/** A function the worker will be asked to run, registered once per worker under a small number. */
export type DefMessage = readonly [index: number, module: string, key: string]

/** Parent → worker. */
export type ToWorker =
  | {
    readonly _: "run"
    /** Functions this worker has not seen yet. */
    readonly d: ReadonlyArray<DefMessage> | undefined
    /** `[id, def, kind, payload]` per job; payload is the argument list, or the items of a chunk. */
    readonly t: ReadonlyArray<unknown>
  }
  /** Cancel these jobs: skip them if not started, interrupt the one running if it is an Effect. */
  | { readonly _: "drop"; readonly ids: ReadonlyArray<number> }
  | { readonly _: "exit" }

/** Worker → parent. */
export type FromWorker =
  | { readonly _: "ready" }
  | { readonly _: "init-failed"; readonly error: EncodedError }
  /** `[id, status, value]` per job, in the order the jobs were sent; `us`: time spent running them. */
  | { readonly _: "done"; readonly r: ReadonlyArray<unknown>; readonly us: number }
  /**
   * Sent from the worker's `exit` handler when it ends unasked (a task called `process.exit`), after
   * the results it had: `running` is the job it was in (0 if none), the only one its death fails.
   */
  | { readonly _: "dying"; readonly running: number }
