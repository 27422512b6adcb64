/**
 * A pool as a value: `make` starts the core and its supervisor in the caller's scope; `close`,
 * `terminate`, `join`; the pool as a service (`layer`, `layerConfig`). The calls are in `calls.ts`.
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Queue from "effect/Queue"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { BackendName } from "../../Backend.ts"
import { DaemonError, SerializationError, SpawnError, ValueError } from "../../Errors.ts"
import type * as Pool from "../../Pool.ts"
import type * as Task from "../../Task.ts"
import { currentContext } from "../currentContext.ts"
import { resolveTarget } from "../process.ts"
import { nextPoolNumber, PoolCore } from "./core.ts"
import { metricsObserver } from "./metrics.ts"
import { check } from "./options.ts"
import { prepareEffect } from "./wire.ts"

export const TypeId: unique symbol = Symbol.for("effect-multiprocessing/Pool") as never

export class PoolImpl implements Pool.Pool {
  readonly [TypeId]: typeof TypeId = TypeId
  readonly core: PoolCore
  readonly processes: number
  readonly backend: BackendName
  readonly runCallback: (effect: Effect.Effect<void>) => void
  readonly spans: boolean
  constructor(core: PoolCore, runCallback: (effect: Effect.Effect<void>) => void, spans: boolean) {
    this.core = core
    this.processes = core.config.processes
    this.backend = core.config.backend
    this.runCallback = runCallback
    this.spans = spans
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString(): string {
    const state = ["RUN", "CLOSE", "TERMINATE", "BROKEN"][this.core.state]
    return `<Pool backend=${this.backend} processes=${this.processes} state=${state}>`
  }
}

export const isPool = (u: unknown): u is Pool.Pool => typeof u === "object" && u !== null && TypeId in u

export const impl = (self: Pool.Pool): PoolImpl => self as PoolImpl

// ---------------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------------

type SupervisorRequest = { readonly _: "spawn"; readonly early: boolean; readonly cause: unknown } | {
  readonly _: "ready"
}

export const make = <I extends Task.Target = never>(
  options?: Pool.Options<I>
): Effect.Effect<Pool.Pool, ValueError | SpawnError | SerializationError | DaemonError, Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* check(options, "thread")
    const parent = yield* currentContext
    if (parent.daemon && config.backend !== "fiber") {
      return yield* new DaemonError({ message: "daemonic processes are not allowed to have children" })
    }
    let initializer: ConstructorParameters<typeof PoolCore>[0]["initializer"]
    if (options?.initializer !== undefined) {
      if (typeof options.initializer !== "function" && typeof options.initializer !== "object") {
        return yield* new ValueError({ message: "initializer must be a callable" })
      }
      const target = yield* resolveTarget(options.initializer, config.backend)
      const args = yield* prepareEffect(config.backend, (options.initargs ?? []) as ReadonlyArray<unknown>, "initargs")
      initializer = { ref: target.ref, fn: target.fn, args, namespace: target.namespace }
    }
    const requests = yield* Queue.unbounded<SupervisorRequest>()
    const poolNumber = nextPoolNumber()
    const main = typeof process.argv[1] === "string" ? [new URL(`file://${process.argv[1]}`).href] : []
    const core = new PoolCore(
      {
        processes: config.processes,
        backend: config.backend,
        maxtasksperchild: config.maxtasksperchild,
        maxQueue: config.maxQueue,
        interruptGraceMs: config.interruptGraceMs,
        terminateGraceMs: config.terminateGraceMs,
        resourceLimits: config.resourceLimits,
        initializer,
        ppid: parent.pid,
        poolNumber,
        modules: initializer === undefined ? main : [...main, initializer.ref.module]
      },
      {
        respawn: (early, cause) => Queue.unsafeOffer(requests, { _: "spawn", early, cause }),
        ready: () => Queue.unsafeOffer(requests, { _: "ready" }),
        observe: metricsObserver(poolNumber, config.backend)
      }
    )
    yield* Effect.try({
      try: () => core.start(),
      catch: (error) => error instanceof SpawnError ? error : new SpawnError({ message: String(error), cause: error })
    })
    // Closing the scope: Python's `with Pool() as p:` ends with terminate().
    yield* Effect.addFinalizer(() => terminate(pool))
    yield* Effect.forkScoped(supervise(core, requests, config.restart))
    const callbacks = yield* FiberSet.make<void>()
    const runtime = yield* Effect.runtime<never>()
    const run = Runtime.runFork(runtime)
    const pool: PoolImpl = new PoolImpl(core, (effect) => {
      FiberSet.unsafeAdd(callbacks, run(effect))
    }, config.spans)
    return pool
  })

/**
 * Starts the replacements the core asks for. A worker that died before it was ready is replaced after
 * the restart schedule's delay; when the schedule is done, the pool is broken. A worker that reached
 * ready resets the schedule. Real time: workers are real threads and processes, whatever the clock.
 */
const supervise = (
  core: PoolCore,
  requests: Queue.Queue<SupervisorRequest>,
  restart: Schedule.Schedule<unknown, unknown>
): Effect.Effect<never> =>
  Effect.flatMap(Schedule.driver(restart), (driver) =>
    Effect.forever(
      Effect.flatMap(Queue.take(requests), (request): Effect.Effect<void> => {
        if (request._ === "ready") return driver.reset
        if (!request.early) return Effect.sync(() => core.replace())
        return driver.next(request.cause).pipe(
          Effect.matchEffect({
            onFailure: () =>
              Effect.sync(() => {
                core.broken(request.cause)
                core.replace()
              }),
            onSuccess: () => Effect.sync(() => core.replace())
          })
        )
      })
    )).pipe(Effect.withClock(Clock.make()))

// ---------------------------------------------------------------------------------------------------
// Life cycle
// ---------------------------------------------------------------------------------------------------

const awaitJoined = (core: PoolCore): Effect.Effect<void> =>
  Effect.async<void>((resume) => core.whenJoined(() => resume(Effect.void)))

export const close = (self: Pool.Pool): Effect.Effect<void> => Effect.sync(() => impl(self).core.close())

export const terminate = (self: Pool.Pool): Effect.Effect<void> =>
  Effect.suspend(() => {
    const core = impl(self).core
    core.terminate()
    return awaitJoined(core)
  }).pipe(Effect.uninterruptible)

export const join = (self: Pool.Pool): Effect.Effect<void, ValueError> =>
  Effect.suspend(() => {
    const core = impl(self).core
    if (core.state === 0) return Effect.fail(new ValueError({ message: "Pool is still running" }))
    return awaitJoined(core)
  })

// ---------------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------------

export const PoolTag: Context.Tag<Pool.Pool, Pool.Pool> = Context.GenericTag<Pool.Pool>("effect-multiprocessing/Pool")

export const layer = <I extends Task.Target = never>(
  options?: Pool.Options<I>
): Layer.Layer<Pool.Pool, ValueError | SpawnError | SerializationError | DaemonError> =>
  Layer.scoped(PoolTag, make(options))

const backendConfig: Config.Config<BackendName> = Config.literal("thread", "process", "fiber")("backend")

/**
 * The size and backend from configuration (`processes`, `backend`, `maxtasksperchild`, `maxQueue`,
 * under an optional prefix: `POOL_PROCESSES`, `POOL_BACKEND` … with the environment provider).
 */
export const layerConfig = (
  config?: {
    readonly prefix?: string
    readonly options?: Omit<Pool.Options<any>, "processes" | "backend" | "maxtasksperchild" | "maxQueue">
  }
): Layer.Layer<Pool.Pool, ConfigError.ConfigError | ValueError | SpawnError | SerializationError | DaemonError> => {
  const fields = Config.all({
    processes: Config.option(Config.integer("processes")),
    backend: Config.option(backendConfig),
    maxtasksperchild: Config.option(Config.integer("maxtasksperchild")),
    maxQueue: Config.option(Config.integer("maxQueue"))
  })
  const scoped = config?.prefix === undefined ? fields : Config.nested(fields, config.prefix)
  return Layer.scoped(
    PoolTag,
    Effect.flatMap(scoped, (c) =>
      make({
        ...config?.options,
        ...(Option.isSome(c.processes) ? { processes: c.processes.value } : {}),
        ...(Option.isSome(c.backend) ? { backend: c.backend.value } : {}),
        ...(Option.isSome(c.maxtasksperchild) ? { maxtasksperchild: c.maxtasksperchild.value } : {}),
        ...(Option.isSome(c.maxQueue) ? { maxQueue: c.maxQueue.value } : {})
      }))
  )
}
