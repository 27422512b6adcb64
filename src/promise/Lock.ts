/**
 * Python's `Lock`, `RLock`, `Semaphore` and `BoundedSemaphore` for plain TypeScript: objects with async
 * methods over the Effect core (`../Lock.ts`, `../RLock.ts`, `../Semaphore.ts`).
 *
 * ```ts
 * import { Lock, spawn } from "effect-multiprocessing/promise"
 * await using lock = await Lock.create()
 * await using p = await spawn(tasks.worker, [lock])   // the child receives the lock's handle
 * await lock.withLock(async () => { … })             // Python's `with lock:`
 * {
 *   await using held = await lock.hold()               // acquired; released at the end of the block
 * }
 * if (await lock.acquire({ timeout: 1000 })) lock.release()
 * ```
 *
 * - `acquire({ block, timeout, signal })` resolves to `true` once taken, `false` when `block: false`
 *   finds it taken or `timeout` (milliseconds) passes first. Aborting it rejects with the signal's
 *   reason and never leaves a permit taken (one granted as it was aborted is given back).
 * - Misuse rejects with `ValueError` (release of an unlocked Lock, BoundedSemaphore over-release, an
 *   RLock released by another owner).
 * - Robust, as in the Effect API: a process that ends holding the lock frees it, and `recovered()`
 *   tells the next holder.
 * - RLock ownership: the Effect API's owner is a fiber; here it is the process (the fiber-backend child,
 *   or the isolate), as Python's is the thread, since a JavaScript process runs its promises on one
 *   thread: any async code of the process re-enters the RLock and may release it. Between async tasks
 *   of one process, use a Lock.
 * - In a child, a plain async task wraps the handle it received: `Lock.from(handle)`, … An Effect task
 *   uses it with the Effect API.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as BoundedCore from "../BoundedSemaphore.ts"
import * as Core from "../Lock.ts"
import * as RCore from "../RLock.ts"
import * as SemaphoreCore from "../Semaphore.ts"
import { LockableImpl } from "./lockable.ts"
import { type BlockingOptions, create, expectHandle, wrapped } from "./resource.ts"
import type { AbortOptions } from "./run.ts"

/**
 * What a child task receives for a `Lock` (the Effect handle).
 *
 * @since 0.1.0
 * @category models
 */
export type LockHandle = Core.Lock

/**
 * @since 0.1.0
 * @category models
 */
export type RLockHandle = RCore.RLock

/**
 * A Semaphore's or a BoundedSemaphore's handle.
 *
 * @since 0.1.0
 * @category models
 */
export type SemaphoreHandle = SemaphoreCore.Semaphore

/**
 * @since 0.1.0
 * @category models
 */
export type BoundedSemaphoreHandle = BoundedCore.BoundedSemaphore

/**
 * A hold on a lock or a permit, from `hold()`: released once, by `release()` or at the end of an
 * `await using` block.
 *
 * @since 0.1.0
 * @category models
 */
export interface Held extends AsyncDisposable {
  release(): Promise<void>
}

/**
 * What every lock-like object does.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lockable {
  /** `true` once taken; `false` when `block: false` finds it taken, or when `timeout` passes first. */
  acquire(options?: BlockingOptions): Promise<boolean>
  release(): Promise<void>
  /** Runs `f` holding the lock (waiting for it), and releases it however `f` ends. */
  withLock<T>(f: () => T | PromiseLike<T>, options?: AbortOptions): Promise<T>
  /** Acquires; the hold ends with `release()` or `await using`. */
  hold(options?: AbortOptions): Promise<Held>
  /** With `block: false` or a `timeout`: `undefined` when not acquired. */
  hold(options: BlockingOptions): Promise<Held | undefined>
  /** `true` while this process holds it and took it from a process that ended holding it. */
  recovered(): Promise<boolean>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Lock extends LockHandle, Lockable, AsyncDisposable {
  dispose(): Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RLock extends RLockHandle, Lockable, AsyncDisposable {
  dispose(): Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Semaphore extends SemaphoreHandle, Lockable, AsyncDisposable {
  /** The number of free permits. */
  getValue(): Promise<number>
  dispose(): Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BoundedSemaphore extends Semaphore {
  readonly kind: "BoundedSemaphore"
}

const createLockable = <F>(make: Effect.Effect<unknown, never, Scope.Scope>): Promise<F> =>
  create(make, (handle, owned) => new LockableImpl(handle as never, owned()) as never)

const fromLockable = <F>(handle: unknown, is: (u: unknown) => u is unknown, what: string): F =>
  new LockableImpl(expectHandle(handle, is, what) as never, wrapped()) as never

/**
 * @since 0.1.0
 * @category constructors
 */
export const Lock: {
  /** An unlocked lock owned by this process until disposed. */
  create(): Promise<Lock>
  /** Wraps a lock handle received from elsewhere. */
  from(handle: LockHandle): Lock
} = {
  create: () => createLockable(Core.make),
  from: (handle) => fromLockable(handle, Core.isLock, "Lock")
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const RLock: {
  create(): Promise<RLock>
  from(handle: RLockHandle): RLock
} = {
  create: () => createLockable(RCore.make),
  from: (handle) => fromLockable(handle, RCore.isRLock, "RLock")
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const Semaphore: {
  /** `value` permits (default 1). A Semaphore's handle may be a BoundedSemaphore's. */
  create(value?: number): Promise<Semaphore>
  from(handle: SemaphoreHandle): Semaphore
} = {
  create: (value) => createLockable(SemaphoreCore.make(value)),
  from: (handle) => fromLockable(handle, SemaphoreCore.isSemaphore, "Semaphore")
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const BoundedSemaphore: {
  /** `value` permits (default 1), never more. */
  create(value?: number): Promise<BoundedSemaphore>
  from(handle: BoundedSemaphoreHandle): BoundedSemaphore
} = {
  create: (value) => createLockable(BoundedCore.make(value)),
  from: (handle) => fromLockable(handle, BoundedCore.isBoundedSemaphore, "BoundedSemaphore")
}
