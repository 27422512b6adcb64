/**
 * Python's `multiprocessing.Pool` for plain TypeScript and JavaScript: an object with async methods over
 * the Effect core (`../Pool.ts`).
 *
 * ```ts
 * import { createPool } from "effect-multiprocessing/promise"
 * await using pool = await createPool({ processes: 4 })          // terminated at the end of the block
 * await pool.map(tasks.square, [1, 2, 3])                          // [1, 4, 9]
 * await pool.apply(tasks.add, [2, 3])                              // 5
 * const r = pool.applyAsync(tasks.square, [7])                     // Python's AsyncResult
 * await r.get({ timeout: 1000 })                                   // 49
 * for await (const x of pool.imap(tasks.square, endless())) {     // read as results are taken
 *   if (x > 100) break                                             // cancels the rest
 * }
 * ```
 *
 * - Times are milliseconds.
 * - Every call takes `{ signal }`: aborting it cancels the call's tasks (queued ones are dropped,
 *   running ones interrupted: a worker stuck in synchronous code is replaced) and rejects with
 *   `signal.reason`, as `fetch` does. `get`, `wait` and `join` only stop waiting.
 * - Rejections are the library's own error instances (`TaskError`, the task's own `Schema.TaggedError`,
 *   `ProcessExited`, `PoolClosed`, `ValueError` …), never a `FiberFailure` wrapper.
 * - `await using pool = …` (or `await pool.terminate()`) ends the workers, as Python's `with Pool() as
 *   p:` does; `close()` then `join()` lets queued work finish first.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { BackendName } from "../Backend.ts"
import { PoolClosed } from "../Errors.ts"
import { AsyncResultImpl as CoreAsyncResult } from "../internal/pool/asyncResult.ts"
import { applyPromise } from "../internal/pool/calls.ts"
import { impl } from "../internal/pool/pool.ts"
import { resolveTarget } from "../internal/process.ts"
import * as Core from "../Pool.ts"
import type * as Task from "../Task.ts"
import { create, type TimeoutOptions } from "./resource.ts"
import { type AbortOptions, runPromise, runSync } from "./run.ts"

/**
 * What `createPool` takes (Python's `Pool(processes, initializer, initargs, maxtasksperchild)`): the
 * options of the Effect API (`processes`, `backend` — `"thread"` by default —, `initializer`,
 * `initargs`, `maxtasksperchild`, `maxQueue` …) with times in milliseconds, and without its Effect-typed
 * ones (`restart`, a Schedule; `spans`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolOptions<I extends Task.Target = never>
  extends Omit<Core.Options<I>, "restart" | "spans" | "interruptGracePeriod" | "terminateGracePeriod">
{
  /** Milliseconds a cancelled running task has to stop before its worker is terminated. Default 100. */
  readonly interruptGracePeriod?: number
  /** Milliseconds a worker has to exit after SIGTERM (terminate) before it is killed. Default 1000. */
  readonly terminateGracePeriod?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ApplyOptions extends AbortOptions {
  /**
   * Thread backend: move the `ArrayBuffer`s of the arguments to the worker, and those of the result
   * back, instead of copying them (the sender's buffers are detached).
   */
  readonly transfer?: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MapOptions extends ApplyOptions {
  /** Items per task sent to a worker. Default as in Python: about four chunks per worker. */
  readonly chunksize?: number
  /** Called as items complete: `(done, total)`. */
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ImapOptions extends AbortOptions {
  /** Items per task sent to a worker. Default 1, as in Python. */
  readonly chunksize?: number
  /** Chunks submitted ahead of the consumer (bounds memory on endless input). Default `max(16, 8 × processes)`. */
  readonly bufferSize?: number
}

/**
 * The callbacks of `applyAsync`/`mapAsync`: one of them runs once, in this process, before the result
 * is ready (as in Python). A callback that returns a Promise is awaited; one that fails is logged.
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncOptions<A> {
  readonly callback?: (value: A) => void | PromiseLike<void>
  /** Gets what `get()` would reject with (the abort reason too, when the call's signal was aborted). */
  readonly errorCallback?: (error: unknown) => void | PromiseLike<void>
}

/**
 * The pending result of `applyAsync`/`mapAsync` (Python's `AsyncResult`).
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncResult<A> {
  /** The value, or rejects with the task's error; `TimeoutError` when not ready within `timeout` ms. */
  get(options?: TimeoutOptions): Promise<A>
  /** Resolves once ready, or once `timeout` ms have passed. */
  wait(options?: TimeoutOptions): Promise<void>
  ready(): boolean
  /** Whether the task succeeded; throws `ValueError` before it is ready. */
  successful(): boolean
}

/**
 * A pool of workers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Pool extends AsyncDisposable {
  readonly processes: number
  readonly backend: BackendName
  /** Runs one task and gives its result (Python's `apply`). */
  apply<T extends Task.Target>(task: T, args: Task.Args<T>, options?: ApplyOptions): Promise<Task.Success<T>>
  /**
   * Submits one task; its result comes later (Python's `apply_async`). Aborting the signal cancels the
   * task, and the result rejects with the signal's reason. What Python raises at the call (a closed
   * pool, an argument that cannot be sent) is the result's rejection here.
   */
  applyAsync<T extends Task.Target>(
    task: T,
    args: Task.Args<T>,
    options?: ApplyOptions & AsyncOptions<Task.Success<T>>
  ): AsyncResult<Task.Success<T>>
  /** Applies a one-argument task to every item; results in input order. The first error cancels the rest. */
  map<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: MapOptions
  ): Promise<Array<Task.Success<T>>>
  /** `map` whose result comes later (Python's `map_async`); the callback gets the whole list. */
  mapAsync<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: MapOptions & AsyncOptions<Array<Task.Success<T>>>
  ): AsyncResult<Array<Task.Success<T>>>
  /** Applies a task to argument tuples (Python's `starmap`). */
  starmap<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: MapOptions
  ): Promise<Array<Task.Success<T>>>
  starmapAsync<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: MapOptions & AsyncOptions<Array<Task.Success<T>>>
  ): AsyncResult<Array<Task.Success<T>>>
  /**
   * The results in input order, as they come (Python's `imap`). The input (an iterable or an async
   * iterable, endless if need be) is read only as results are taken; leaving the loop cancels the
   * rest. The results before a failure (a task's, or the input's own) come first.
   */
  imap<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]> | AsyncIterable<Task.Args<T>[0]>,
    options?: ImapOptions
  ): AsyncIterableIterator<Task.Success<T>>
  /** `imap` in completion order (Python's `imap_unordered`). */
  imapUnordered<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]> | AsyncIterable<Task.Args<T>[0]>,
    options?: ImapOptions
  ): AsyncIterableIterator<Task.Success<T>>
  /** No more submissions (`PoolClosed` from now on); the calls made before it run, then the workers exit. */
  close(): void
  /** Ends the workers now (tasks not done reject with `PoolClosed`); resolves once they have ended. */
  terminate(): Promise<void>
  /** Waits for the workers to end, after `close` or `terminate`; before them, `ValueError`. */
  join(options?: AbortOptions): Promise<void>
  /** `terminate()`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** A callback's outcome, awaited; a failing callback is logged, as in the Effect API. */
const runCallback = async <A>(callback: ((a: A) => void | PromiseLike<void>) | undefined, a: A): Promise<void> => {
  if (callback === undefined) return
  try {
    await callback(a)
  } catch (error) {
    Effect.runFork(Effect.logError("a Pool callback failed", Cause.die(error)))
  }
}

/** Python's `AsyncResult` over a call running as `promise`: its callback runs first, then it is ready. */
class AsyncResultImpl<A> implements AsyncResult<A> {
  readonly #result = new CoreAsyncResult<A, unknown>()

  constructor(promise: Promise<A>, options: AsyncOptions<A> | undefined) {
    const result = this.#result
    promise.then(
      (value) => runCallback(options?.callback, value).then(() => result.complete(Exit.succeed(value))),
      (error) => runCallback(options?.errorCallback, error).then(() => result.complete(Exit.fail(error)))
    )
  }
  get(options?: TimeoutOptions): Promise<A> {
    return runPromise(this.#result.get(timeoutOf(options)), options?.signal)
  }
  wait(options?: TimeoutOptions): Promise<void> {
    return runPromise(this.#result.wait(timeoutOf(options)), options?.signal)
  }
  ready(): boolean {
    return runSync(this.#result.ready)
  }
  successful(): boolean {
    return runSync(this.#result.successful)
  }
  toString(): string {
    return String(this.#result)
  }
}

const timeoutOf = (options: TimeoutOptions | undefined) =>
  options?.timeout === undefined ? {} : { timeout: options.timeout }

const isAsyncIterable = (u: unknown): u is AsyncIterable<unknown> =>
  typeof u === "object" && u !== null && Symbol.asyncIterator in u

/** A pull whose end (an `Option.none()` failure) is a `None` value. */
const endAsNone = <A, E>(pull: Effect.Effect<A, Option.Option<E>>): Effect.Effect<Option.Option<A>, E> =>
  Effect.catchAll(Effect.asSome(pull), Option.match({ onNone: () => Effect.succeedNone, onSome: Effect.fail }))

/**
 * A Stream's elements as an async iterator. The stream runs in a scope of its own, closed when the
 * iteration ends (to the end, by an error, by `break`, or when `signal` aborts): an `imap` cancels
 * its tasks then, and the iterator resolves only once none of them runs.
 */
async function* iterate<A>(stream: Stream.Stream<A, unknown>, signal: AbortSignal | undefined) {
  signal?.throwIfAborted()
  const scope = runSync(Scope.make())
  let closing: Promise<void> | undefined
  const close = () => (closing ??= runPromise(Scope.close(scope, Exit.void)))
  const onAbort = () => void close()
  signal?.addEventListener("abort", onAbort, { once: true })
  try {
    const next = await runPromise(Effect.map(Scope.extend(Stream.toPull(stream), scope), endAsNone), signal)
    for (;;) {
      const chunk = await runPromise(next, signal)
      if (Option.isNone(chunk)) return
      for (const value of Chunk.toReadonlyArray(chunk.value)) {
        signal?.throwIfAborted()
        yield value
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort)
    await close()
  }
}

const notRunning = () => new PoolClosed({ message: "Pool not running" })

class PoolImpl implements Pool {
  readonly #pool: Core.Pool
  readonly #release: () => Promise<void>
  #terminated: Promise<void> | undefined
  /** Calls made whose jobs are not queued yet (their task's module is being checked). */
  #opening = 0
  /** Set by `close()`: resolves once the core is closed, after the calls made before it are queued. */
  #closed: Promise<void> | undefined
  #closeNow: (() => void) | undefined

  constructor(pool: Core.Pool, release: () => Promise<void>) {
    this.#pool = pool
    this.#release = release
  }

  get processes(): number {
    return this.#pool.processes
  }
  get backend(): BackendName {
    return this.#pool.backend
  }

  /**
   * Submits a call so that every call made before `close()` runs (Python's `apply_async` × n, `close`,
   * `join`). With a task this pool knows, `submit` queues its jobs at once (synchronously). The first
   * call of a task waits for its module to be checked, and then the task is known to the core's calls:
   * `known` is false then, and a `close()` meanwhile waits for the call.
   */
  #submit<A>(task: Task.Target, signal: AbortSignal | undefined, submit: (known: boolean) => Promise<A>): Promise<A> {
    if (this.#closed !== undefined) return Promise.reject(notRunning())
    if (impl(this.#pool).core.def(task) !== undefined) return submit(true)
    this.#opening++
    return runPromise(resolveTarget(task, this.#pool.backend), signal).then(
      () => {
        const submitted = submit(false)
        this.#opened()
        return submitted
      },
      (error) => {
        this.#opened()
        throw error
      }
    )
  }

  #opened(): void {
    if (--this.#opening > 0 || this.#closeNow === undefined) return
    runSync(Core.close(this.#pool))
    this.#closeNow()
  }

  apply<T extends Task.Target>(task: T, args: Task.Args<T>, options?: ApplyOptions): Promise<Task.Success<T>> {
    return this.#submit(task, options?.signal, (known) =>
      // the fast path once the pool knows the task; the first call queues its job synchronously
      known
        ? applyPromise(this.#pool, task, args, options)
        : runPromise(Core.apply(this.#pool, task, args, options), options?.signal))
  }
  applyAsync<T extends Task.Target>(
    task: T,
    args: Task.Args<T>,
    options?: ApplyOptions & AsyncOptions<Task.Success<T>>
  ): AsyncResult<Task.Success<T>> {
    return new AsyncResultImpl(this.apply(task, args, options), options)
  }
  map<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: MapOptions
  ): Promise<Array<Task.Success<T>>> {
    return this.#submit(
      task,
      options?.signal,
      () => runPromise(Core.map(this.#pool, task, items, options), options?.signal)
    )
  }
  mapAsync<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: MapOptions & AsyncOptions<Array<Task.Success<T>>>
  ): AsyncResult<Array<Task.Success<T>>> {
    return new AsyncResultImpl(this.map(task, items, options), options)
  }
  starmap<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: MapOptions
  ): Promise<Array<Task.Success<T>>> {
    return this.#submit(
      task,
      options?.signal,
      () => runPromise(Core.starmap(this.#pool, task, items, options), options?.signal)
    )
  }
  starmapAsync<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: MapOptions & AsyncOptions<Array<Task.Success<T>>>
  ): AsyncResult<Array<Task.Success<T>>> {
    return new AsyncResultImpl(this.starmap(task, items, options), options)
  }
  imap<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]> | AsyncIterable<Task.Args<T>[0]>,
    options?: ImapOptions
  ): AsyncIterableIterator<Task.Success<T>> {
    return this.#imap(Core.imap, task, items, options)
  }
  imapUnordered<T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]> | AsyncIterable<Task.Args<T>[0]>,
    options?: ImapOptions
  ): AsyncIterableIterator<Task.Success<T>> {
    return this.#imap(Core.imapUnordered, task, items, options)
  }
  /** The loop starts the work (at its first step); after `close()`, it rejects with `PoolClosed`. */
  #imap(
    imap: typeof Core.imap,
    task: Task.Target,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    options: ImapOptions | undefined
  ): AsyncIterableIterator<never> {
    const input = isAsyncIterable(items) ? Stream.fromAsyncIterable(items, identity) : items
    const results = Stream.suspend(() =>
      this.#closed === undefined ? imap(this.#pool, task, input as never, options) : Stream.fail(notRunning())
    )
    return iterate(results, options?.signal) as never
  }

  close(): void {
    if (this.#closed !== undefined) return
    if (this.#opening > 0) {
      this.#closed = new Promise((resolve) => (this.#closeNow = resolve))
      return
    }
    runSync(Core.close(this.#pool))
    this.#closed = Promise.resolve()
  }
  terminate(): Promise<void> {
    // closing the pool's scope terminates it, as in the Effect API
    return (this.#terminated ??= this.#release())
  }
  join(options?: AbortOptions): Promise<void> {
    const join = () => runPromise(Core.join(this.#pool), options?.signal)
    return this.#closed === undefined ? join() : this.#closed.then(join)
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate()
  }
  toString(): string {
    return String(this.#pool)
  }
}

/**
 * Starts a pool, owned by this process until `terminate()` or the end of its `await using` block.
 * Invalid options reject with `ValueError` (Python's messages); an initializer the workers cannot
 * import with `SpawnError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createPool = <I extends Task.Target = never>(options?: PoolOptions<I>): Promise<Pool> =>
  create(Core.make(options), (pool, owned) => new PoolImpl(pool, owned().release!))

/**
 * `Pool.create(options)`: the same as `createPool`, in the style of the other facades (`Queue.create` …).
 *
 * @since 0.1.0
 * @category constructors
 */
export const Pool: {
  create<I extends Task.Target = never>(options?: PoolOptions<I>): Promise<Pool>
} = { create: createPool }
