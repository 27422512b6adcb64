/**
 * Python's `Barrier` for plain TypeScript, over the Effect core (`../Barrier.ts`).
 *
 * ```ts
 * import { Barrier, spawn } from "effect-multiprocessing/promise"
 * await using barrier = await Barrier.create(3, { action: () => console.log("all here") })
 * const index = await barrier.wait({ timeout: 5000 })   // 0, 1, 2 in arrival order
 * ```
 *
 * `abort()`, a `wait` that times out and a `wait` that is aborted by its signal break the barrier, as
 * in Python: every waiting and later `wait` rejects with `BrokenBarrierError` until `reset()`. The
 * `action` runs in the process that created the barrier, once per round. In a child, a plain async
 * task wraps the handle it received: `Barrier.from(handle)`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Core from "../Barrier.ts"
import { create, expectHandle, SharedResource, type TimeoutOptions, wrapped } from "./resource.ts"

/**
 * What a child task receives for a `Barrier` (the Effect handle).
 *
 * @since 0.1.0
 * @category models
 */
export type BarrierHandle = Core.Barrier

/**
 * @since 0.1.0
 * @category models
 */
export interface BarrierOptions {
  /** Runs once per round, before the parties go on; a failure (throw, rejection) breaks the barrier. */
  readonly action?: () => unknown
  /** The default timeout of `wait`, in milliseconds. */
  readonly timeout?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Barrier extends BarrierHandle, AsyncDisposable {
  /** The number of parties a round needs. */
  readonly parties: number
  /** Waits for the other parties; resolves to this party's arrival index. */
  wait(options?: TimeoutOptions): Promise<number>
  abort(): Promise<void>
  reset(): Promise<void>
  nWaiting(): Promise<number>
  broken(): Promise<boolean>
  dispose(): Promise<void>
}

class BarrierImpl extends SharedResource<unknown> {
  private get self(): Core.Barrier {
    return this as never
  }
  get parties(): number {
    return Core.parties(this.self)
  }
  wait(options?: TimeoutOptions): Promise<number> {
    const timeout = options?.timeout
    return this.exec(Core.wait(this.self, timeout === undefined ? {} : { timeout }), options?.signal)
  }
  abort(): Promise<void> {
    return this.exec(Core.abort(this.self))
  }
  reset(): Promise<void> {
    return this.exec(Core.reset(this.self))
  }
  nWaiting(): Promise<number> {
    return this.exec(Core.nWaiting(this.self))
  }
  broken(): Promise<boolean> {
    return this.exec(Core.broken(this.self))
  }
}

const coreOptions = (options: BarrierOptions | undefined): Core.Options => {
  const action = options?.action
  return {
    ...(action === undefined ? {} : {
      action: Effect.asVoid(Effect.tryPromise({ try: async () => await action(), catch: (error) => error }))
    }),
    ...(options?.timeout === undefined ? {} : { timeout: options.timeout })
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const Barrier: {
  /** A barrier for `parties` owned by this process until disposed. */
  create(parties: number, options?: BarrierOptions): Promise<Barrier>
  /** Wraps a barrier handle received from elsewhere. */
  from(handle: BarrierHandle): Barrier
} = {
  create: (parties, options) =>
    create(Core.make(parties, coreOptions(options)), (handle, owned) => new BarrierImpl(handle as never, owned()) as never),
  from: (handle) => new BarrierImpl(expectHandle(handle, Core.isBarrier, "Barrier") as never, wrapped()) as never
}
