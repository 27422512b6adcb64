/**
 * Python's `Condition` for plain TypeScript, over the Effect core (`../Condition.ts`).
 *
 * ```ts
 * import { Condition, spawn } from "effect-multiprocessing/promise"
 * await using cond = await Condition.create()           // on a new RLock, or { lock }
 * // a consumer, in any process:
 * await cond.withLock(() => cond.waitFor(() => ready(), { timeout: 5000 }))
 * // a producer:
 * await cond.withLock(async () => { await produce(); await cond.notify() })
 * ```
 *
 * `wait`/`waitFor` must be called holding the lock (else `ValueError`); they release it while waiting
 * and hold it again when they resolve or reject — also when aborted by their signal (the abort waits
 * for the lock, as Python's `finally` does). `notify`/`notifyAll` need the lock too. The owner of the
 * lock is the process (see `Lock.ts`). In a child, a plain async task wraps the handle it received:
 * `Condition.from(handle)`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Core from "../Condition.ts"
import type { Held, Lock, RLock } from "./Lock.ts"
import { holdOf, type LockableImpl, withLockOf, wrapLockable } from "./lockable.ts"
import { type BlockingOptions, create, expectHandle, SharedResource, type TimeoutOptions, wrapped } from "./resource.ts"
import type { AbortOptions } from "./run.ts"

/**
 * What a child task receives for a `Condition` (the Effect handle).
 *
 * @since 0.1.0
 * @category models
 */
export type ConditionHandle = Core.Condition

/**
 * @since 0.1.0
 * @category models
 */
export interface Condition extends ConditionHandle, AsyncDisposable {
  /** The condition's lock. */
  readonly lock: Lock | RLock
  acquire(options?: BlockingOptions): Promise<boolean>
  release(): Promise<void>
  withLock<T>(f: () => T | PromiseLike<T>, options?: AbortOptions): Promise<T>
  hold(options?: AbortOptions): Promise<Held>
  hold(options: BlockingOptions): Promise<Held | undefined>
  /** Waits for a `notify`, holding the lock: `true` when notified, `false` after `timeout` ms. */
  wait(options?: TimeoutOptions): Promise<boolean>
  /**
   * Waits until `predicate` (evaluated here, first and after every wake-up; it may be async) gives a
   * truthy value, and resolves to it; after `timeout` ms, to its last (falsy) value.
   */
  waitFor<T>(predicate: () => T | PromiseLike<T>, options?: TimeoutOptions): Promise<T>
  /** Wakes up to `n` (default 1) waiters. */
  notify(n?: number): Promise<void>
  notifyAll(): Promise<void>
  dispose(): Promise<void>
}

const timeoutOf = (options: TimeoutOptions | undefined): Core.WaitOptions =>
  options?.timeout === undefined ? {} : { timeout: options.timeout }

class ConditionImpl extends SharedResource<unknown> {
  #lock: LockableImpl | undefined
  private get self(): Core.Condition {
    return this as never
  }
  get lock(): LockableImpl {
    return this.#lock ??= wrapLockable(Core.lock(this.self), this.borrowed)
  }
  acquire(options?: BlockingOptions): Promise<boolean> {
    return this.lock.acquire(options)
  }
  release(): Promise<void> {
    return this.lock.release()
  }
  withLock<T>(f: () => T | PromiseLike<T>, options?: AbortOptions): Promise<T> {
    return withLockOf(this, f, options)
  }
  hold(options?: BlockingOptions): Promise<Held | undefined> {
    return holdOf(this, options)
  }
  wait(options?: TimeoutOptions): Promise<boolean> {
    return this.exec(Core.wait(this.self, timeoutOf(options)), options?.signal)
  }
  waitFor<T>(predicate: () => T | PromiseLike<T>, options?: TimeoutOptions): Promise<T> {
    const evaluate = Effect.tryPromise({ try: async () => await predicate(), catch: (error) => error })
    return this.exec(Core.waitFor(this.self, evaluate, timeoutOf(options)), options?.signal)
  }
  notify(n?: number): Promise<void> {
    return this.exec(Core.notify(this.self, n))
  }
  notifyAll(): Promise<void> {
    return this.exec(Core.notifyAll(this.self))
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const Condition: {
  /** A condition owned by this process until disposed, on `lock` or on a new RLock. */
  create(options?: { readonly lock?: Lock | RLock }): Promise<Condition>
  /** Wraps a condition handle received from elsewhere. */
  from(handle: ConditionHandle): Condition
} = {
  create: (options) =>
    create(
      Core.make(options?.lock === undefined ? {} : { lock: options.lock }),
      (handle, owned) => new ConditionImpl(handle as never, owned()) as never
    ),
  from: (handle) => new ConditionImpl(expectHandle(handle, Core.isCondition, "Condition") as never, wrapped()) as never
}
