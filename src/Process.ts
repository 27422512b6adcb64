/**
 * Python's `multiprocessing.Process`, as a typed resource: a child running a task on the `"process"`
 * (OS child), `"thread"` (worker thread) or `"fiber"` backend.
 *
 * `spawn` gives a Process owned by the caller's `Scope`. Closing the scope terminates its daemonic
 * children and waits for the others, as Python does at exit. Interrupting a fiber waiting in `result`
 * terminates the child (grace period, then kill).
 *
 * Exit codes follow Python: none until the end, `0` on return, `1` when the task raised (with
 * `Process <name>:` and the stack on the child's stderr), `n` after `process.exit(n)`, `-15` after
 * `terminate` and `-9` after `kill`. Threads and fibers report `-15`/`-9` too when they were ended
 * by `terminate`/`kill`, so a terminated child is always told from one that exited.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { BackendName } from "./Backend.ts"
import type { DaemonError, ProcessExited, ProcessStateError, SerializationError, SpawnError, TaskError } from "./Errors.ts"
import * as internal from "./internal/process.ts"
import type * as Task from "./Task.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof internal.TypeId

/**
 * A child process whose task succeeds with `A` or fails with `E`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Process<out A, out E> extends Pipeable {
  readonly [TypeId]: TypeId
  readonly name: string
  readonly backend: BackendName
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default: `Process-<n>`, or `<parent name>:<n>` below the main process. */
  readonly name?: string
  /** Default `false`, as in Python. Daemonic children are terminated when their scope closes. */
  readonly daemon?: boolean
  /** Default: the `ProcessBackend` reference (`EFFECT_MP_BACKEND` or `"process"`). */
  readonly backend?: BackendName
  /** How long `terminate` waits after SIGTERM before it kills. Default 5 seconds. */
  readonly gracePeriod?: Duration.DurationInput
}

/**
 * What a process knows about itself (Python's `current_process()`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Current {
  readonly name: string
  readonly pid: number
  readonly ppid: Option.Option<number>
  readonly daemon: boolean
  readonly backend: "main" | "process" | "thread" | "fiber"
}

/**
 * Errors of a process's result: the task's own typed failure, a raised error, or a child that ended
 * without a result.
 *
 * @since 0.1.0
 * @category models
 */
export type ResultError<E> = E | TaskError | ProcessExited | SerializationError | SpawnError

/**
 * @since 0.1.0
 * @category refinements
 */
export const isProcess: (u: unknown) => u is Process<unknown, unknown> = internal.isProcess

/**
 * A process that has not started yet (Python's `Process(target=…, args=…)`). A target the child cannot
 * import fails with `SpawnError`, an argument that cannot be sent with `SerializationError`, both here.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <T extends Task.Target>(
  target: T,
  args: Task.Args<T>,
  options?: Options
) => Effect.Effect<Process<Task.Success<T>, Task.Failure<T>>, SpawnError | SerializationError, Scope.Scope> =
  internal.make

/**
 * Starts a process. Twice → `ProcessStateError`; from a daemonic process → `DaemonError`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const start: <A, E>(self: Process<A, E>) => Effect.Effect<void, ProcessStateError | DaemonError | SpawnError> =
  internal.start

/**
 * `make` then `start`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawn: <T extends Task.Target>(
  target: T,
  args: Task.Args<T>,
  options?: Options
) => Effect.Effect<
  Process<Task.Success<T>, Task.Failure<T>>,
  SpawnError | SerializationError | DaemonError,
  Scope.Scope
> = internal.spawn

/**
 * Runs a task in a child and gives its result: `spawn` then `result`, in a scope of its own.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run: <T extends Task.Target>(
  target: T,
  args: Task.Args<T>,
  options?: Options
) => Effect.Effect<Task.Success<T>, ResultError<Task.Failure<T>> | DaemonError> = internal.run

/**
 * Waits until the process ends, or until `timeout` passes (then it returns anyway, as Python's
 * `join(timeout)` does). Before `start` → `ProcessStateError`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const join: {
  (options?: { readonly timeout?: Duration.DurationInput }): <A, E>(
    self: Process<A, E>
  ) => Effect.Effect<void, ProcessStateError>
  <A, E>(self: Process<A, E>, options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<
    void,
    ProcessStateError
  >
} = internal.join

/**
 * The task's return value, or its error once the process has ended. Interrupting the waiting fiber
 * terminates the child.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const result: <A, E>(self: Process<A, E>) => Effect.Effect<A, ResultError<E> | ProcessStateError> =
  internal.result

/**
 * Asks the child to end (SIGTERM; thread and fiber: terminate/interrupt), waits for it, and kills it
 * when it has not ended within the grace period. Exit code `-15` (`-9` if it had to be killed).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const terminate: <A, E>(self: Process<A, E>) => Effect.Effect<void> = internal.terminate

/**
 * Ends the child now (SIGKILL) and waits for it. Exit code `-9`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const kill: <A, E>(self: Process<A, E>) => Effect.Effect<void> = internal.kill

/**
 * @since 0.1.0
 * @category getters
 */
export const isAlive: <A, E>(self: Process<A, E>) => Effect.Effect<boolean> = internal.isAlive

/**
 * `None` until the process has ended; then `0`, the task's exit code, or minus the signal number.
 *
 * @since 0.1.0
 * @category getters
 */
export const exitCode: <A, E>(self: Process<A, E>) => Effect.Effect<Option.Option<number>> = internal.exitCode

/**
 * The OS process id once started (for threads and fibers, the pid of the process they run in).
 *
 * @since 0.1.0
 * @category getters
 */
export const pid: <A, E>(self: Process<A, E>) => Effect.Effect<Option.Option<number>> = internal.pid

/**
 * @since 0.1.0
 * @category getters
 */
export const name: <A, E>(self: Process<A, E>) => string = internal.name

/**
 * @since 0.1.0
 * @category getters
 */
export const daemon: <A, E>(self: Process<A, E>) => boolean = internal.daemon

/**
 * Sets the daemon flag before `start` (after it → `ProcessStateError`).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const setDaemon: {
  (daemonic: boolean): <A, E>(self: Process<A, E>) => Effect.Effect<void, ProcessStateError>
  <A, E>(self: Process<A, E>, daemonic: boolean): Effect.Effect<void, ProcessStateError>
} = internal.setDaemon

/**
 * This process: `MainProcess` in the main isolate, the child's own name, pid, parent pid and daemon
 * flag inside a child.
 *
 * @since 0.1.0
 * @category getters
 */
export const current: Effect.Effect<Current> = internal.current

/**
 * The children of this isolate that are still running.
 *
 * @since 0.1.0
 * @category getters
 */
export const activeChildren: Effect.Effect<ReadonlyArray<Process<unknown, unknown>>> = internal.activeChildren

/**
 * The number of CPUs this process may use.
 *
 * @since 0.1.0
 * @category getters
 */
export const cpuCount: Effect.Effect<number> = internal.cpuCount
