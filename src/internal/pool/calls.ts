/**
 * The calls of a pool: `apply`, `map`, `starmap`, their async forms and the `imap` streams, and
 * `applyPromise` for the Promise facade. A one-job call has the lightest owner (`single.ts`); a map's
 * chunks are a group (`group.ts`); an imap is a bounded stream (`imap.ts`). Interrupting a caller
 * cancels its jobs and waits until none of them runs.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { SerializationError, type SpawnError, type ValueError } from "../../Errors.ts"
import type * as Pool from "../../Pool.ts"
import type * as Task from "../../Task.ts"
import { resolveTarget } from "../process.ts"
import { JobKind } from "../protocol/pool.ts"
import { AsyncResultImpl } from "./asyncResult.ts"
import { Group, type Progress } from "./group.ts"
import { OneCall, offerOne } from "./single.ts"
import * as Imap from "./imap.ts"
import type { Def, Job } from "./job.ts"
import { checkChunksize, defaultChunksize } from "./options.ts"
import { impl, isPool, type PoolImpl } from "./pool.ts"
import { type JobTrace, traceOf } from "./trace.ts"
import { collectBuffers } from "./transfer.ts"
import { prepare, prepareItems } from "./wire.ts"

const definition = (pool: PoolImpl, task: Task.Target): Effect.Effect<Def, SpawnError> => {
  const def = pool.core.def(task)
  if (def !== undefined) return Effect.succeed(def)
  return Effect.map(
    resolveTarget(task, pool.backend),
    ({ fn, namespace, ref }) => pool.core.addDef(task, ref, fn, namespace)
  )
}

// ---------------------------------------------------------------------------------------------------
// Running calls
// ---------------------------------------------------------------------------------------------------

/** Runs a group to its outcome; interrupting the caller cancels the group's jobs and waits for them. */
const runGroup = <A, E>(group: Group): Effect.Effect<A, E> =>
  Effect.async<A, E>((resume) => {
    group.start((exit) => resume(exit as Exit.Exit<A, E>))
    return Effect.async<void>((stopped) => group.stop(() => stopped(Effect.void)))
  })

/** A span for a call, when the pool was asked for spans. */
const traced = <A, E, R>(pool: PoolImpl, name: string, task: Task.Target, effect: Effect.Effect<A, E, R>) =>
  pool.spans
    ? Effect.withSpan(effect, name, {
      attributes: { "pool.backend": pool.backend, "pool.task": taskName(task) },
      captureStackTrace: false
    })
    : effect

const taskName = (task: Task.Target): string =>
  typeof task === "function" ? task.name || "<anonymous>" : `${task.module}#${task.key}`

/**
 * What a call gives each of its jobs: `transfer` (thread backend: the job's buffers move to the worker,
 * its result's move back) and the call's span, for the jobs' spans.
 */
interface Extras {
  readonly transfer: boolean
  readonly trace: JobTrace | undefined
}

const extrasOf = (
  pool: PoolImpl,
  fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined,
  options: { readonly transfer?: boolean | undefined } | undefined
): Extras => ({
  transfer: options?.transfer === true && pool.backend === "thread",
  trace: pool.spans && fiber !== undefined ? traceOf(fiber) : undefined
})

const extras = (pool: PoolImpl, options: Pool.TransferOptions | undefined): Effect.Effect<Extras> =>
  Effect.withFiberRuntime((fiber) => Effect.succeed(extrasOf(pool, fiber, options)))

const equip = (job: Job, extras: Extras): Job => {
  if (extras.transfer) job.transfer = collectBuffers(job.payload)
  job.trace = extras.trace
  return job
}

/** Runs one call; interrupting the caller cancels its job and waits until it is not running. */
const runOne = <A, E>(
  pool: PoolImpl,
  def: Def,
  payload: ReadonlyArray<unknown>,
  extras: Extras
): Effect.Effect<A, E> =>
  Effect.async<A, E>((resume) => {
    const core = pool.core
    const refusal = core.refusal()
    if (refusal !== undefined) return resume(Exit.fail(refusal as E))
    const call = new OneCall()
    const job = equip(core.job(def, JobKind.apply, payload, 1, call, 0), extras)
    call.done = (ok, value) => resume((ok ? Exit.succeed(value) : Exit.fail(value)) as Exit.Exit<A, E>)
    offerOne(core, job, undefined)
    return Effect.async<void>((stopped) => {
      call.done = undefined
      core.cancel([job], () => stopped(Effect.void))
    })
  })

const mapGroup = (
  pool: PoolImpl,
  def: Def,
  kind: JobKind,
  items: Array<unknown>,
  chunksize: number | undefined,
  onProgress: Progress | undefined,
  extras: Extras
): Effect.Effect<Group, SerializationError> =>
  Effect.suspend(() => {
    const size = chunksize ?? defaultChunksize(items.length, pool.processes)
    const group = new Group(pool.core, onProgress)
    const jobs = []
    const toWire = prepareItems(pool.backend, kind)
    for (let at = 0, slot = 0; at < items.length; at += size, slot++) {
      const chunk = toWire(items.slice(at, at + size), at)
      if (chunk instanceof SerializationError) return Effect.fail(chunk)
      jobs.push(equip(pool.core.job(def, kind, chunk, chunk.length, group, slot), extras))
    }
    group.setJobs(jobs, items.length)
    return Effect.succeed(group)
  })

export const apply: {
  <T extends Task.Target>(
    task: T,
    args: Task.Args<T>,
    options?: Pool.TransferOptions
  ): (self: Pool.Pool) => Effect.Effect<Task.Success<T>, Pool.Failure<Task.Failure<T>>>
  <T extends Task.Target>(
    self: Pool.Pool,
    task: T,
    args: Task.Args<T>,
    options?: Pool.TransferOptions
  ): Effect.Effect<Task.Success<T>, Pool.Failure<Task.Failure<T>>>
} = dual(
  (args) => isPool(args[0]),
  (self: Pool.Pool, task: Task.Target, args: ReadonlyArray<unknown>, options?: Pool.TransferOptions) => {
    const pool = impl(self)
    return traced(
      pool,
      "Pool.apply",
      task,
      Effect.withFiberRuntime<unknown, unknown>((fiber) => {
        const run = (def: Def) => {
          const payload = prepare(pool.backend, args ?? [], "args")
          return payload instanceof SerializationError
            ? Effect.fail(payload)
            : runOne(pool, def, payload, extrasOf(pool, fiber, options))
        }
        const def = pool.core.def(task)
        return def === undefined ? Effect.flatMap(definition(pool, task), run) : run(def)
      })
    )
  }
)

const mapLike = (kind: JobKind) =>
(
  self: Pool.Pool,
  task: Task.Target,
  items: Iterable<unknown>,
  options?: Pool.MapOptions
) => {
  const pool = impl(self)
  return traced(
    pool,
    kind === JobKind.map ? "Pool.map" : "Pool.starmap",
    task,
    Effect.gen(function*() {
      yield* checkChunksize(options?.chunksize)
      const refusal = pool.core.refusal()
      if (refusal !== undefined) return yield* Effect.fail(refusal)
      const def = yield* definition(pool, task)
      const group = yield* mapGroup(
        pool,
        def,
        kind,
        Array.from(items),
        options?.chunksize,
        options?.onProgress,
        yield* extras(pool, options)
      )
      return yield* runGroup(group)
    })
  )
}

export const map: {
  <T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: Pool.MapOptions
  ): (self: Pool.Pool) => Effect.Effect<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>> | ValueError>
  <T extends Task.Target>(
    self: Pool.Pool,
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: Pool.MapOptions
  ): Effect.Effect<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>> | ValueError>
} = dual((args) => isPool(args[0]), mapLike(JobKind.map))

export const starmap: {
  <T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: Pool.MapOptions
  ): (self: Pool.Pool) => Effect.Effect<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>> | ValueError>
  <T extends Task.Target>(
    self: Pool.Pool,
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: Pool.MapOptions
  ): Effect.Effect<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>> | ValueError>
} = dual((args) => isPool(args[0]), mapLike(JobKind.starmap))

// ---------------------------------------------------------------------------------------------------
// AsyncResult
// ---------------------------------------------------------------------------------------------------

/** What an AsyncResult does with its outcome: the callback first (in the parent), then it is ready. */
const deliverTo = <A, E>(
  pool: PoolImpl,
  result: AsyncResultImpl<A, E>,
  options: Pool.AsyncOptions<A, E> | undefined
): (exit: Exit.Exit<A, E>) => void => {
  const callback = options?.callback
  const errorCallback = options?.errorCallback
  if (callback === undefined && errorCallback === undefined) return (exit) => result.complete(exit)
  return (exit) => {
    const failure = exit._tag === "Failure" ? Cause.failureOption(exit.cause) : Option.none()
    const call = exit._tag === "Success"
      ? callback === undefined ? undefined : () => callback(exit.value)
      : errorCallback === undefined || Option.isNone(failure)
      ? undefined
      : () => errorCallback(failure.value)
    if (call === undefined) return result.complete(exit)
    pool.runCallback(
      Effect.suspend(() => {
        const out = call()
        return Effect.isEffect(out) ? Effect.asVoid(out as Effect.Effect<unknown>) : Effect.void
      }).pipe(
        Effect.catchAllCause((cause) => Effect.logError("a Pool callback failed", cause)),
        Effect.ensuring(Effect.sync(() => result.complete(exit)))
      )
    )
  }
}

/** The AsyncResult once its jobs are queued: at once, unless `maxQueue` makes the caller wait. */
const whenOffered = <A, E>(
  result: AsyncResultImpl<A, E>,
  offeredNow: boolean,
  onOffered: (wake: () => void) => void,
  cancel: (stopped: () => void) => void
): Effect.Effect<Pool.AsyncResult<A, E>> =>
  offeredNow ? Effect.succeed(result) : Effect.async<Pool.AsyncResult<A, E>>((resume) => {
    onOffered(() => resume(Effect.succeed(result)))
    return Effect.async<void>((stopped) => cancel(() => stopped(Effect.void)))
  })

const startAsyncGroup = <A, E>(
  pool: PoolImpl,
  group: Group,
  options: Pool.AsyncOptions<A, E> | undefined
): Effect.Effect<Pool.AsyncResult<A, E>> => {
  const result = new AsyncResultImpl<A, E>()
  const deliver = deliverTo(pool, result, options)
  let offered = false
  let wake: (() => void) | undefined
  group.start((exit) => deliver(exit as Exit.Exit<A, E>), () => {
    offered = true
    wake?.()
  })
  return whenOffered(result, offered, (w) => {
    if (offered) w()
    else wake = w
  }, (stopped) => group.stop(stopped))
}

const startAsyncOne = <A, E>(
  pool: PoolImpl,
  def: Def,
  payload: ReadonlyArray<unknown>,
  options: Pool.AsyncOptions<A, E> | undefined,
  extras: Extras
): Effect.Effect<Pool.AsyncResult<A, E>> => {
  const result = new AsyncResultImpl<A, E>()
  const deliver = deliverTo(pool, result, options)
  const call = new OneCall()
  call.done = (ok, value) => deliver((ok ? Exit.succeed(value) : Exit.fail(value)) as Exit.Exit<A, E>)
  const core = pool.core
  const job = equip(core.job(def, JobKind.apply, payload, 1, call, 0), extras)
  let wake: (() => void) | undefined
  let offered = offerOne(core, job, () => {
    offered = true
    wake?.()
  })
  return whenOffered(result, offered, (w) => {
    if (offered) w()
    else wake = w
  }, (stopped) => {
    call.done = undefined
    core.cancel([job], stopped)
  })
}

export const applyAsync: {
  <T extends Task.Target>(
    task: T,
    args: Task.Args<T>,
    options?: Pool.AsyncOptions<Task.Success<T>, Pool.Failure<Task.Failure<T>>>
  ): (
    self: Pool.Pool
  ) => Effect.Effect<
    Pool.AsyncResult<Task.Success<T>, Pool.Failure<Task.Failure<T>>>,
    Pool.SubmitError
  >
  <T extends Task.Target>(
    self: Pool.Pool,
    task: T,
    args: Task.Args<T>,
    options?: Pool.AsyncOptions<Task.Success<T>, Pool.Failure<Task.Failure<T>>>
  ): Effect.Effect<
    Pool.AsyncResult<Task.Success<T>, Pool.Failure<Task.Failure<T>>>,
    Pool.SubmitError
  >
} = dual(
  (args) => isPool(args[0]),
  (self: Pool.Pool, task: Task.Target, args: ReadonlyArray<unknown>, options?: Pool.AsyncOptions<any, any>) =>
    Effect.withFiberRuntime((fiber): Effect.Effect<Pool.AsyncResult<any, any>, Pool.SubmitError> => {
      const pool = impl(self)
      const refusal = pool.core.refusal()
      if (refusal !== undefined) return Effect.fail(refusal)
      const submit = (def: Def) => {
        const payload = prepare(pool.backend, args ?? [], "args")
        return payload instanceof SerializationError
          ? Effect.fail(payload)
          : startAsyncOne(pool, def, payload, options, extrasOf(pool, fiber, options))
      }
      const def = pool.core.def(task)
      return def === undefined ? Effect.flatMap(definition(pool, task), submit) : submit(def)
    })
)

const mapAsyncLike = (kind: JobKind) =>
(
  self: Pool.Pool,
  task: Task.Target,
  items: Iterable<unknown>,
  options?: Pool.MapOptions & Pool.AsyncOptions<any, any>
) =>
  Effect.gen(function*() {
    const pool = impl(self)
    yield* checkChunksize(options?.chunksize)
    const refusal = pool.core.refusal()
    if (refusal !== undefined) return yield* Effect.fail(refusal)
    const def = yield* definition(pool, task)
    const group = yield* mapGroup(
      pool,
      def,
      kind,
      Array.from(items),
      options?.chunksize,
      options?.onProgress,
      yield* extras(pool, options)
    )
    return yield* startAsyncGroup(pool, group, options)
  })

export const mapAsync: {
  <T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: Pool.MapOptions & Pool.AsyncOptions<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>>>
  ): (
    self: Pool.Pool
  ) => Effect.Effect<
    Pool.AsyncResult<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>>>,
    Pool.SubmitError | ValueError
  >
  <T extends Task.Target>(
    self: Pool.Pool,
    task: T,
    items: Iterable<Task.Args<T>[0]>,
    options?: Pool.MapOptions & Pool.AsyncOptions<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>>>
  ): Effect.Effect<
    Pool.AsyncResult<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>>>,
    Pool.SubmitError | ValueError
  >
} = dual((args) => isPool(args[0]), mapAsyncLike(JobKind.map))

export const starmapAsync: {
  <T extends Task.Target>(
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: Pool.MapOptions & Pool.AsyncOptions<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>>>
  ): (
    self: Pool.Pool
  ) => Effect.Effect<
    Pool.AsyncResult<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>>>,
    Pool.SubmitError | ValueError
  >
  <T extends Task.Target>(
    self: Pool.Pool,
    task: T,
    items: Iterable<Task.Args<T>>,
    options?: Pool.MapOptions & Pool.AsyncOptions<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>>>
  ): Effect.Effect<
    Pool.AsyncResult<Array<Task.Success<T>>, Pool.Failure<Task.Failure<T>>>,
    Pool.SubmitError | ValueError
  >
} = dual((args) => isPool(args[0]), mapAsyncLike(JobKind.starmap))

// ---------------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------------

const imapLike = (ordered: boolean) =>
(
  self: Pool.Pool,
  task: Task.Target,
  input: Iterable<unknown> | Stream.Stream<unknown, unknown, unknown>,
  options?: Pool.ImapOptions
): Stream.Stream<unknown, unknown, unknown> => {
  const pool = impl(self)
  const toWire = prepareItems(pool.backend, JobKind.map)
  const stream = Imap.stream(
    {
      core: pool.core,
      kind: JobKind.map,
      chunksize: options?.chunksize ?? 1,
      ordered,
      window: options?.bufferSize ?? Math.max(16, pool.processes * 8),
      spans: pool.spans,
      prepare: (items, at) => {
        const chunk = toWire(items, at)
        return chunk instanceof SerializationError ? Effect.fail(chunk) : Effect.succeed(chunk)
      }
    },
    Effect.zipRight(checkChunksize(options?.chunksize), definition(pool, task)),
    input
  )
  return pool.spans
    ? Stream.withSpan(stream, ordered ? "Pool.imap" : "Pool.imapUnordered", {
      attributes: { "pool.backend": pool.backend, "pool.task": taskName(task) },
      captureStackTrace: false
    })
    : stream
}

export const imap: {
  <T extends Task.Target, E = never, R = never>(
    task: T,
    items: Iterable<Task.Args<T>[0]> | Stream.Stream<Task.Args<T>[0], E, R>,
    options?: Pool.ImapOptions
  ): (self: Pool.Pool) => Stream.Stream<Task.Success<T>, Pool.Failure<Task.Failure<T>> | ValueError | E, R>
  <T extends Task.Target, E = never, R = never>(
    self: Pool.Pool,
    task: T,
    items: Iterable<Task.Args<T>[0]> | Stream.Stream<Task.Args<T>[0], E, R>,
    options?: Pool.ImapOptions
  ): Stream.Stream<Task.Success<T>, Pool.Failure<Task.Failure<T>> | ValueError | E, R>
} = dual((args) => isPool(args[0]), imapLike(true)) as never

export const imapUnordered: {
  <T extends Task.Target, E = never, R = never>(
    task: T,
    items: Iterable<Task.Args<T>[0]> | Stream.Stream<Task.Args<T>[0], E, R>,
    options?: Pool.ImapOptions
  ): (self: Pool.Pool) => Stream.Stream<Task.Success<T>, Pool.Failure<Task.Failure<T>> | ValueError | E, R>
  <T extends Task.Target, E = never, R = never>(
    self: Pool.Pool,
    task: T,
    items: Iterable<Task.Args<T>[0]> | Stream.Stream<Task.Args<T>[0], E, R>,
    options?: Pool.ImapOptions
  ): Stream.Stream<Task.Success<T>, Pool.Failure<Task.Failure<T>> | ValueError | E, R>
} = dual((args) => isPool(args[0]), imapLike(false)) as never


// ---------------------------------------------------------------------------------------------------
// Without Effect (for the Promise facade)
// ---------------------------------------------------------------------------------------------------

/**
 * `apply` as a Promise, without an Effect fiber per call (hundreds of thousands of concurrent calls
 * cost what the pool costs, not what fibers cost). Rejects with the error instances of the Effect API;
 * an aborted `signal` cancels the task as interruption does, then rejects with the signal's reason.
 */
export const applyPromise = <A>(
  self: Pool.Pool,
  task: Task.Target,
  args: ReadonlyArray<unknown>,
  options?: { readonly signal?: AbortSignal | undefined; readonly transfer?: boolean | undefined }
): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const pool = impl(self)
    const refusal = pool.core.refusal()
    if (refusal !== undefined) return reject(refusal)
    const signal = options?.signal
    if (signal?.aborted) return reject(signal.reason)
    const jobExtras = extrasOf(pool, undefined, options)
    const def = pool.core.def(task)
    if (def !== undefined) return submitPromise(pool, def, args, signal, jobExtras, resolve, reject)
    void Effect.runPromiseExit(definition(pool, task)).then((exit) =>
      exit._tag === "Success"
        ? submitPromise(pool, exit.value, args, signal, jobExtras, resolve, reject)
        : reject(Cause.squash(exit.cause))
    )
  })

const submitPromise = <A>(
  pool: PoolImpl,
  def: Def,
  args: ReadonlyArray<unknown>,
  signal: AbortSignal | undefined,
  extras: Extras,
  resolve: (a: A) => void,
  reject: (e: unknown) => void
): void => {
  const payload = prepare(pool.backend, args ?? [], "args")
  if (payload instanceof SerializationError) return reject(payload)
  const core = pool.core
  const call = new OneCall()
  const job = equip(core.job(def, JobKind.apply, payload, 1, call, 0), extras)
  if (signal === undefined) {
    call.done = (ok, value) => (ok ? resolve(value as A) : reject(value))
  } else {
    const onAbort = () => {
      call.done = undefined
      core.cancel([job], () => reject(signal.reason))
    }
    call.done = (ok, value) => {
      signal.removeEventListener("abort", onAbort)
      if (ok) resolve(value as A)
      else reject(value)
    }
    signal.addEventListener("abort", onAbort, { once: true })
  }
  offerOne(core, job, undefined)
}
