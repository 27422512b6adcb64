/**
 * Where a child runs. Three backends implement one interface:
 *
 * - `"process"`: an OS child started with `child_process.fork` (own pid, signals, exit codes),
 * - `"thread"`: a `worker_threads` Worker in this process,
 * - `"fiber"`: a fiber in this isolate, like Python's `multiprocessing.dummy` (for I/O-bound work and tests).
 *
 * The default backend of `Process` is `"process"`; set it for a whole program with
 * `Backend.layerProcessDefault("thread")` or the `EFFECT_MP_BACKEND` environment variable, or per call
 * with the `backend` option.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { fiberBackend } from "./backend/fiber.ts"
import { processBackend } from "./backend/process.ts"
import { threadBackend } from "./backend/thread.ts"
import type { ChildInfo, ChildMessage, RunMessage } from "./internal/protocol/messages.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type BackendName = "process" | "thread" | "fiber"

/**
 * How a child ended, as the runtime reported it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChildExit {
  readonly code: number | null
  readonly signal: string | null
  /** Why the runtime ended it, when it said (a thread over its `resourceLimits`: "out of memory"). */
  readonly reason?: string
}

/**
 * Memory limits of a worker's JavaScript engine, as `worker_threads` takes them. Threads honour all of
 * them on Node (Deno enforces them but does not report a thread that runs out mid-task; Bun ignores
 * them); a process child honours `maxOldGenerationSizeMb` on Node and Deno (as `--max-old-space-size`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResourceLimits {
  readonly maxOldGenerationSizeMb?: number
  readonly maxYoungGenerationSizeMb?: number
  readonly codeRangeSizeMb?: number
  readonly stackSizeMb?: number
}

/**
 * What a backend needs to start a child: the run message (task by reference and its arguments) and,
 * for the fiber backend, the function itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface SpawnRequest {
  readonly run: RunMessage
  readonly fn: ((...args: ReadonlyArray<any>) => unknown) | undefined
}

/**
 * A thread or OS process to start on the module `entry`, which receives `init` first (in `workerData`
 * for a thread, as its first IPC message for a process). `modules` are the URLs it will import (on
 * Node, a TypeScript one needs tsx).
 *
 * @since 0.1.0
 * @category models
 */
export interface IsolateRequest {
  readonly entry: URL
  readonly init: unknown
  readonly modules: ReadonlyArray<string>
  readonly name: string
  readonly resourceLimits?: ResourceLimits | undefined
}

/**
 * A running child as a backend sees it. Listeners are attached right after `spawn` returns; events
 * are delivered asynchronously, messages always before the exit.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChildHandle {
  readonly pid: number | undefined
  /**
   * Sends a message to the child (dropped once it has exited). `transfer`: buffers moved rather than
   * copied (thread backend; the others copy).
   */
  readonly send: (message: unknown, transfer?: ReadonlyArray<ArrayBuffer>) => void
  readonly onMessage: (listener: (message: ChildMessage & { readonly raw?: unknown }) => void) => void
  readonly onExit: (listener: (exit: ChildExit) => void) => void
  /** Ask the child to end (SIGTERM; `worker.terminate()`; fiber interruption). */
  readonly terminate: () => void
  /** End the child now (SIGKILL; `worker.terminate()`; fiber interruption). */
  readonly kill: () => void
  /** Whether the child keeps this isolate's event loop alive. */
  readonly ref: () => void
  readonly unref: () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Backend {
  readonly name: BackendName
  /** Starts a child or throws a `SpawnError`. */
  readonly spawn: (request: SpawnRequest) => ChildHandle
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const get = (name: BackendName): Backend =>
  name === "process" ? processBackend : name === "thread" ? threadBackend : fiberBackend

const isBackendName = (u: unknown): u is BackendName => u === "process" || u === "thread" || u === "fiber"

const fromEnv = (): BackendName | undefined => {
  const value = typeof process !== "undefined" ? process.env.EFFECT_MP_BACKEND : undefined
  return isBackendName(value) ? value : undefined
}

/**
 * The backend `Process.make`/`Process.spawn` use when the call does not say: `EFFECT_MP_BACKEND` or
 * `"process"`.
 *
 * @since 0.1.0
 * @category references
 */
export class ProcessBackend extends Context.Reference<ProcessBackend>()(
  "effect-multiprocessing/Backend/ProcessBackend",
  { defaultValue: (): BackendName => fromEnv() ?? "process" }
) {}

/**
 * Provides the default backend of `Process` for a whole program.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerProcessDefault = (name: BackendName): Layer.Layer<never> =>
  Layer.succeed(ProcessBackend, name)

/**
 * Parses a backend name, e.g. from a command-line flag.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isBackend: (u: unknown) => u is BackendName = isBackendName

export type { ChildInfo }
