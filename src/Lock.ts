/**
 * Python's `multiprocessing.Lock`: a lock shared by any processes, threads and fibers that hold it.
 *
 * ```ts
 * const lock = yield* Lock.make
 * yield* Process.spawn(tasks.worker, [lock])          // the child gets a working handle
 * yield* Lock.withLock(lock)(Effect.log("alone here"))
 * ```
 *
 * `make` creates the lock in the caller's scope: this process owns it and serves it to the others (it
 * ends with the scope). As in Python, a Lock has no owner: any process may release it, and releasing an
 * unlocked lock fails with `ValueError("semaphore or lock released too many times")`.
 *
 * Where we differ from Python, on purpose (a robust mutex):
 * - A process that ends while holding the lock (terminated, killed, crashed, or returned without
 *   releasing it) does not leave it locked for ever: its owner frees it when the process ends. The
 *   next process to acquire it gets `true` as usual, and `recovered(lock)` tells it, while it holds the
 *   lock, that it took the lock from a process that died holding it (like `EOWNERDEAD` from a robust
 *   POSIX mutex): the state the lock protects may be half-updated. Its `release` clears the mark. So a
 *   lock cannot be handed over by ending: a process that acquires a lock for another to release must
 *   stay alive until then.
 * - An `acquire` interrupted while it waits (Effect interruption, a terminated process) never leaves
 *   the lock taken: a grant that reaches it too late is given back.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { ResourceClosed, ValueError } from "./Errors.ts"
import * as lockable from "./internal/lockable.ts"
import * as internal from "./internal/sharedLock.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * @since 0.1.0
 * @category models
 */
export interface Lock extends Pipeable {
  readonly [TypeId]: typeof TypeId
  readonly kind: "Lock"
}

/**
 * Python's `acquire(block, timeout)`: `block: false` answers at once (the timeout is ignored);
 * `timeout` (a number is milliseconds; negative counts as 0) waits at most that long.
 *
 * @since 0.1.0
 * @category models
 */
export interface AcquireOptions {
  /** Default `true`: wait for the lock. `false`: answer at once. */
  readonly block?: boolean
  /** How long to wait (a number is milliseconds). Default: for ever. */
  readonly timeout?: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isLock = (u: unknown): u is Lock => lockable.isLockable(u) && u.kind === "Lock"

/**
 * A lock owned by this process for the life of the scope, unlocked.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Lock, never, Scope.Scope> = internal.make("Lock") as never

/**
 * Takes the lock: `true` once taken; `false` when `block: false` finds it held, or when `timeout`
 * passes first.
 *
 * @since 0.1.0
 * @category operations
 */
export const acquire: {
  (options?: AcquireOptions): (self: Lock) => Effect.Effect<boolean, ResourceClosed>
  (self: Lock, options?: AcquireOptions): Effect.Effect<boolean, ResourceClosed>
} = lockable.acquire as never

/**
 * Frees the lock, whoever took it; an unlocked lock → `ValueError("semaphore or lock released too many
 * times")`.
 *
 * @since 0.1.0
 * @category operations
 */
export const release: (self: Lock) => Effect.Effect<void, ValueError | ResourceClosed> = lockable.release as never

/**
 * Runs an effect holding the lock (Python's `with lock:`): `Lock.withLock(lock)(effect)`,
 * `effect.pipe(Lock.withLock(lock))` or `Lock.withLock(lock, effect)`. The wait for the lock can be
 * interrupted; the lock is released however the effect ends.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: {
  (self: Lock): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ResourceClosed, R>
  <A, E, R>(self: Lock, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ResourceClosed, R>
} = lockable.withLock as never

/**
 * Acquires the lock (with `acquire`'s options) and, when taken, holds it until the scope closes.
 *
 * @since 0.1.0
 * @category combinators
 */
export const acquireScoped: {
  (options?: AcquireOptions): (self: Lock) => Effect.Effect<boolean, ResourceClosed, Scope.Scope>
  (self: Lock, options?: AcquireOptions): Effect.Effect<boolean, ResourceClosed, Scope.Scope>
} = lockable.acquireScoped as never

/**
 * `true` while this process holds the lock and took it from a process that ended holding it (the
 * data it guards may be inconsistent); `false` otherwise. Cleared by `release`.
 *
 * @since 0.1.0
 * @category getters
 */
export const recovered: (self: Lock) => Effect.Effect<boolean, ResourceClosed> = lockable.recovered as never
