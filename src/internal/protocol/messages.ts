/**
 * The wire between a parent and a child isolate (thread or OS process). Effect-free: the child bootstrap
 * loads this before anything else, and keeping Effect out of that path is what makes a child start fast.
 */
import type { EncodedError } from "./errors.ts"

/** How a child finds the code to run: the module's URL and the key under which the task is exported. */
export interface TaskRef {
  readonly module: string
  readonly key: string
}

/** What a child knows about itself (Python's `current_process()`). */
export interface ChildInfo {
  readonly name: string
  readonly daemon: boolean
  readonly ppid: number
  readonly backend: "process" | "thread"
  /** The child's node in the tree of isolates (see `router.ts`). */
  readonly node: string
}

/** Parent → child. For threads it travels in `workerData`; for processes it is the first IPC message. */
export interface RunMessage {
  readonly _: "run"
  readonly task: TaskRef
  readonly args: ReadonlyArray<unknown>
  readonly info: ChildInfo
}

/** Child → parent. */
export type ChildMessage =
  | { readonly _: "started"; readonly pid: number }
  | { readonly _: "result"; readonly value: unknown }
  | { readonly _: "failed"; readonly kind: "fail" | "die"; readonly error: EncodedError }

/** The key in `workerData` under which a thread child finds its run message. */
export const workerDataKey = "__effectMultiprocessing"

/** Environment variable set in every child process: the pid of its parent (and a marker for leak checks). */
export const parentPidEnv = "EFFECT_MP_PARENT_PID"
