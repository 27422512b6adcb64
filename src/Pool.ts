/**
 * Python's `multiprocessing.Pool`: a fixed set of workers (threads, OS processes, or fibers in this
 * isolate) that run tasks for you.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const pool = yield* Pool.make({ processes: 4 })
 *   const squares = yield* Pool.map(pool, tasks.square, [1, 2, 3])   // [1, 4, 9]
 *   const sum = yield* Pool.apply(pool, tasks.add, [2, 3])            // 5
 * })
 * Effect.runPromise(Effect.scoped(program))
 * ```
 *
 * A pool lives in a `Scope`; closing the scope terminates its workers (they are daemonic, and Python's
 * `with Pool() as p:` ends with `terminate()` too). `close` then `join` lets queued work finish first.
 *
 * Where Python hangs, this pool does not: a worker that dies mid-task (`process.exit`, a signal, out of
 * memory) fails exactly the tasks it held with `ProcessExited` and is replaced; workers that keep dying
 * before their first task (an initializer that always raises) break the pool with `PoolBroken`.
 * Interrupting a call cancels its tasks, in the workers too: a running Effect is interrupted; a worker
 * stuck in a synchronous task or a Promise is terminated after `interruptGracePeriod` and replaced.
 *
 * Many tiny tasks travel many per message, so per-message overhead does not dominate; a long task travels
 * alone, so workers stay evenly loaded.
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Pipeable } from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { BackendName, ResourceLimits } from "./Backend.ts"
import type {
  DaemonError,
  PoolBroken,
  PoolClosed,
  ProcessExited,
  SerializationError,
  SpawnError,
  TaskError,
  TimeoutError,
  ValueError
} from "./Errors.ts"
import * as asyncResult from "./internal/pool/asyncResult.ts"
import * as calls from "./internal/pool/calls.ts"
import * as internal from "./internal/pool/pool.ts"
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
 * @since 0.1.0
 * @category models
 */
export interface Pool extends Pipeable {
  readonly [TypeId]: TypeId
  readonly processes: number
  readonly backend: BackendName
}

/**
 * The pool as a service (`yield* Pool.Pool`), provided by `layer` or `layerConfig`.
 *
 * @since 0.1.0
 * @category tags
 */
export const Pool: Context.Tag<Pool, Pool> = internal.PoolTag

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<I extends Task.Target = never> {
  /** Number of workers. Default: `cpuCount`. */
  readonly processes?: number
  /** Default `"thread"`. `"fiber"` runs tasks in this isolate (Python's `multiprocessing.dummy`). */
  readonly backend?: BackendName
  /** Runs in every worker before its first task, replacements included: `initializer(...initargs)`. */
  readonly initializer?: I
  readonly initargs?: Task.Args<I>
  /** A worker is replaced after this many tasks (a `map` chunk counts as one, as in Python). */
  readonly maxtasksperchild?: number
  /** At most this many tasks wait for a worker; submitting more waits for room. Default: unbounded. */
  readonly maxQueue?: number
  /**
   * Delays between restarts of workers that die before they are ready (their initializer raised, or
   * they could not start); when it ends, the pool is broken. Reset whenever a worker gets ready.
   * Default: 10 ms doubling, 5 restarts. Workers that die later are replaced at once.
   */
  readonly restart?: Schedule.Schedule<unknown, unknown>
  /** How long a cancelled running task has to stop before its worker is terminated. Default 100 ms. */
  readonly interruptGracePeriod?: Duration.DurationInput
  /** How long a worker has to exit after SIGTERM (terminate) before it is killed. Default 1 s. */
  readonly terminateGracePeriod?: Duration.DurationInput
  /**
   * A span per call (`Pool.apply`, `Pool.map`, `Pool.starmap`, `Pool.imap`), child of the caller's span,
   * with the task and the backend as attributes. Off by default: a span costs far more than a tiny task.
   */
  readonly spans?: boolean
  /**
   * Memory limits of each worker: all of them for thread workers on Node; the old-generation size for
   * process workers on Node and Deno. A worker that runs out fails the tasks it held with
   * `ProcessExited` and is replaced. Where the runtime cannot enforce them (Bun; threads on Deno, which
   * lose a worker that runs out without a word) `make` fails with a `ValueError` rather than hang later.
   */
  readonly resourceLimits?: ResourceLimits
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TransferOptions {
  /**
   * Thread backend: move the `ArrayBuffer`s of the arguments to the worker, and those of the result
   * back, instead of copying them (the sender's buffers are detached). The other backends copy (process)
   * or share (fiber).
   */
  readonly transfer?: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MapOptions extends TransferOptions {
  /** Items per task sent to a worker. Default as in Python: about four chunks per worker. */
  readonly chunksize?: number
  /** Called in the parent as items complete: `(done, total)`. */
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ImapOptions {
  /** Items per task sent to a worker. Default 1, as in Python. */
  readonly chunksize?: number
  /** Chunks submitted ahead of the consumer (bounds memory on endless input). Default `max(16, 8 × processes)`. */
  readonly bufferSize?: number
}

/**
 * Callbacks of `applyAsync`/`mapAsync`, run in the parent once, before the result is ready (as in
 * Python). A callback may return an Effect; a callback that fails is logged.
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncOptions<A, E> extends TransferOptions {
  readonly callback?: (value: A) => void | Effect.Effect<unknown>
  readonly errorCallback?: (error: E) => void | Effect.Effect<unknown>
}

/**
 * How a task submitted to a pool can fail: its own typed failure `E`, an error it raised (`TaskError`,
 * remote stack kept), its worker dying (`ProcessExited`), a value that cannot be sent
 * (`SerializationError`), a task a worker cannot import (`SpawnError`), or the pool ending
 * (`PoolClosed`, `PoolBroken`).
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<E> =
  | E
  | TaskError
  | ProcessExited
  | SerializationError
  | SpawnError
  | PoolClosed
  | PoolBroken

/**
 * Why an `applyAsync`/`mapAsync` is refused at the call.
 *
 * @since 0.1.0
 * @category models
 */
export type SubmitError = SerializationError | SpawnError | PoolClosed | PoolBroken

/**
 * The pending result of `applyAsync`/`mapAsync` (Python's `AsyncResult`). The work goes on in the
 * pool whatever happens to the fiber that submitted it.
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncResult<A, E> extends Pipeable {
  readonly [asyncResult.AsyncResultTypeId]: typeof asyncResult.AsyncResultTypeId
  /** The value or the error; `TimeoutError` if not ready within `timeout`. */
  get(options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<A, E | TimeoutError>
  /** Waits until ready (or until `timeout` passes). */
  wait(options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<void>
  readonly ready: Effect.Effect<boolean>
  /** Whether the task succeeded; `ValueError` before it is ready. */
  readonly successful: Effect.Effect<boolean, ValueError>
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isPool: (u: unknown) => u is Pool = internal.isPool

/**
 * @since 0.1.0
 * @category refinements
 */
export const isAsyncResult: (u: unknown) => u is AsyncResult<unknown, unknown> = asyncResult.isAsyncResult as never

/**
 * Starts a pool in the current scope. Invalid options fail with `ValueError` (as Python's
 * `maxtasksperchild must be a positive int or None`); a task the workers cannot import with
 * `SpawnError`; from inside a pool worker (daemonic) with `DaemonError`, except on the fiber backend.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <I extends Task.Target = never>(
  options?: Options<I>
) => Effect.Effect<Pool, ValueError | SpawnError | SerializationError | DaemonError, Scope.Scope> = internal.make

/**
 * Runs one task and waits for its result (Python's `apply`). Interrupting the caller cancels it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const apply: {
  <T extends Task.Target>(
    task: T,
    args: Task.Args<T>,
    options?: TransferOptions
  ): (self: Pool) => Effect.Effect<Task.Success<T>, Failure<Task.Failure<T>>>
  <T extends Task.Target>(
    self: Pool,
    task: T,
    args: Task.Args<T>,
    options?: TransferOptions
  ): Effect.Effect<Task.Success<T>, Failure<Task.Failure<T>>>
} = calls.apply

/**
 * Submits one task and gives its `AsyncResult` at once (Python's `apply_async`). `callback` or
 * `errorCallback` runs in the parent when it completes. A closed pool refuses with `PoolClosed`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const applyAsync: {
  <T extends Task.Target>(
    task: T,
    args: Task.Args<T>,
    options?: AsyncOptions<Task.Success<T>, Failure<Task.Failure<T>>>
  ): (self: Pool) => Effect.Effect<AsyncResult<Task.Success<T>, Failure<Task.Failure<T>>>, SubmitError>
  <T extends Task.Target>(
    self: Pool,
    task: T,
    args: Task.Args<T>,
    options?: AsyncOptions<Task.Success<T>, Failure<Task.Failure<T>>>
  ): Effect.Effect<AsyncResult<Task.Success<T>, Failure<Task.Failure<T>>>, SubmitError>
} = calls.applyAsync

/**
 * Applies a one-argument task to every item; results in input order (Python's `map`). Fails with the
 * first task error, after cancelling the other tasks of the call.
 *
 * @since 0.1.0
 * @category combinators
 */
export const map: {
  <T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: MapOptions
  ): (self: Pool) => Effect.Effect<Array<Task.Success<T>>, Failure<Task.Failure<T>> | ValueError>
  <T extends Task.Target>(
    self: Pool,
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: MapOptions
  ): Effect.Effect<Array<Task.Success<T>>, Failure<Task.Failure<T>> | ValueError>
} = calls.map

/**
 * `map` whose result is an `AsyncResult` (Python's `map_async`); the callback gets the whole list.
 *
 * @since 0.1.0
 * @category combinators
 */
export const mapAsync: {
  <T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: MapOptions & AsyncOptions<Array<Task.Success<T>>, Failure<Task.Failure<T>>>
  ): (
    self: Pool
  ) => Effect.Effect<AsyncResult<Array<Task.Success<T>>, Failure<Task.Failure<T>>>, SubmitError | ValueError>
  <T extends Task.Target>(
    self: Pool,
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: MapOptions & AsyncOptions<Array<Task.Success<T>>, Failure<Task.Failure<T>>>
  ): Effect.Effect<AsyncResult<Array<Task.Success<T>>, Failure<Task.Failure<T>>>, SubmitError | ValueError>
} = calls.mapAsync

/**
 * Applies a task to argument tuples (Python's `starmap`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const starmap: {
  <T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: MapOptions
  ): (self: Pool) => Effect.Effect<Array<Task.Success<T>>, Failure<Task.Failure<T>> | ValueError>
  <T extends Task.Target>(
    self: Pool,
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: MapOptions
  ): Effect.Effect<Array<Task.Success<T>>, Failure<Task.Failure<T>> | ValueError>
} = calls.starmap

/**
 * @since 0.1.0
 * @category combinators
 */
export const starmapAsync: {
  <T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: MapOptions & AsyncOptions<Array<Task.Success<T>>, Failure<Task.Failure<T>>>
  ): (
    self: Pool
  ) => Effect.Effect<AsyncResult<Array<Task.Success<T>>, Failure<Task.Failure<T>>>, SubmitError | ValueError>
  <T extends Task.Target>(
    self: Pool,
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: MapOptions & AsyncOptions<Array<Task.Success<T>>, Failure<Task.Failure<T>>>
  ): Effect.Effect<AsyncResult<Array<Task.Success<T>>, Failure<Task.Failure<T>>>, SubmitError | ValueError>
} = calls.starmapAsync

/**
 * Results as a Stream in input order (Python's `imap`). The input may be an iterable or a Stream, even
 * an endless one: it is read only as results are taken (`bufferSize` chunks ahead). The results before
 * a failure (a task's, or the input's own) are emitted first.
 *
 * @since 0.1.0
 * @category combinators
 */
export const imap: {
  <T extends Task.Target, E = never, R = never>(
    task: T,
    items: Iterable<Task.Args<T>[0]> | Stream.Stream<Task.Args<T>[0], E, R>,
    options?: ImapOptions
  ): (self: Pool) => Stream.Stream<Task.Success<T>, Failure<Task.Failure<T>> | ValueError | E, R>
  <T extends Task.Target, E = never, R = never>(
    self: Pool,
    task: T,
    items: Iterable<Task.Args<T>[0]> | Stream.Stream<Task.Args<T>[0], E, R>,
    options?: ImapOptions
  ): Stream.Stream<Task.Success<T>, Failure<Task.Failure<T>> | ValueError | E, R>
} = calls.imap

/**
 * `imap` in completion order (Python's `imap_unordered`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const imapUnordered: {
  <T extends Task.Target, E = never, R = never>(
    task: T,
    items: Iterable<Task.Args<T>[0]> | Stream.Stream<Task.Args<T>[0], E, R>,
    options?: ImapOptions
  ): (self: Pool) => Stream.Stream<Task.Success<T>, Failure<Task.Failure<T>> | ValueError | E, R>
  <T extends Task.Target, E = never, R = never>(
    self: Pool,
    task: T,
    items: Iterable<Task.Args<T>[0]> | Stream.Stream<Task.Args<T>[0], E, R>,
    options?: ImapOptions
  ): Stream.Stream<Task.Success<T>, Failure<Task.Failure<T>> | ValueError | E, R>
} = calls.imapUnordered

/**
 * No more submissions (`PoolClosed` from now on); queued work goes on, then the workers exit.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const close: (self: Pool) => Effect.Effect<void> = internal.close

/**
 * Ends the workers now; tasks not done fail with `PoolClosed`. Waits until the workers have ended.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const terminate: (self: Pool) => Effect.Effect<void> = internal.terminate

/**
 * Waits for the workers to end, after `close` or `terminate`; before them, `ValueError` ("Pool is
 * still running").
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const join: (self: Pool) => Effect.Effect<void, ValueError> = internal.join

/**
 * The result of an `AsyncResult`, waiting for it (`TimeoutError` after `timeout`).
 *
 * @since 0.1.0
 * @category AsyncResult
 */
export const get: {
  (options?: { readonly timeout?: Duration.DurationInput }): <A, E>(
    self: AsyncResult<A, E>
  ) => Effect.Effect<A, E | TimeoutError>
  <A, E>(self: AsyncResult<A, E>, options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<
    A,
    E | TimeoutError
  >
} = asyncResult.get

/**
 * Waits until an `AsyncResult` is ready, or until `timeout` passes.
 *
 * @since 0.1.0
 * @category AsyncResult
 */
export const wait: {
  (options?: { readonly timeout?: Duration.DurationInput }): <A, E>(self: AsyncResult<A, E>) => Effect.Effect<void>
  <A, E>(self: AsyncResult<A, E>, options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<void>
} = asyncResult.wait

/**
 * @since 0.1.0
 * @category AsyncResult
 */
export const ready: <A, E>(self: AsyncResult<A, E>) => Effect.Effect<boolean> = asyncResult.ready

/**
 * Whether the task succeeded; `ValueError` before it is ready.
 *
 * @since 0.1.0
 * @category AsyncResult
 */
export const successful: <A, E>(self: AsyncResult<A, E>) => Effect.Effect<boolean, ValueError> =
  asyncResult.successful

/**
 * A pool as a service, scoped to the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: <I extends Task.Target = never>(
  options?: Options<I>
) => Layer.Layer<Pool, ValueError | SpawnError | SerializationError | DaemonError> = internal.layer

/**
 * A pool as a service whose `processes`, `backend`, `maxtasksperchild` and `maxQueue` come from
 * `Config` (under `prefix` if given: with the environment provider and prefix `"POOL"`,
 * `POOL_PROCESSES=4 POOL_BACKEND=process`); other options are given in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: (
  config?: {
    readonly prefix?: string
    readonly options?: Omit<Options<any>, "processes" | "backend" | "maxtasksperchild" | "maxQueue">
  }
) => Layer.Layer<Pool, ConfigError.ConfigError | ValueError | SpawnError | SerializationError | DaemonError> =
  internal.layerConfig
