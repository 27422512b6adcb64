/**
 * Python's `multiprocessing.RLock`: a re-entrant lock shared by any processes, threads and fibers that
 * hold it. Its owner — the fiber that acquired it, in its process — may acquire it again; it is free
 * once released as many times. A release by anybody else fails with
 * `ValueError("cannot release un-acquired lock")`.
 *
 * Ownership is per fiber, as Python's is per thread: a fiber forked inside `withLock` is not the
 * owner, and `acquire` and `release` must run in the same fiber. Prefer `withLock`/`acquireScoped`,
 * and `acquire`'s own `timeout` option to `Effect.timeout(RLock.acquire(lock), …)`, which runs the
 * acquire in a fiber of its own (that fiber would own the lock).
 *
 * Where we differ from Python, on purpose (a robust mutex): an RLock whose owner's process ends while
 * holding it is freed (every level), and its next owner is told by `recovered` while it holds it; an
 * interrupted `acquire` never leaves the lock taken. See `Lock`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { ResourceClosed, ValueError } from "./Errors.ts"
import type { AcquireOptions } from "./Lock.ts"
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
export interface RLock extends Pipeable {
  readonly [TypeId]: typeof TypeId
  readonly kind: "RLock"
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isRLock = (u: unknown): u is RLock => lockable.isLockable(u) && u.kind === "RLock"

/**
 * A re-entrant lock owned by this process for the life of the scope, unlocked.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<RLock, never, Scope.Scope> = internal.make("RLock") as never

/**
 * Takes the lock, or one more level of it for its owner: `true` once taken; `false` when
 * `block: false` finds it held by another, or when `timeout` passes first.
 *
 * @since 0.1.0
 * @category operations
 */
export const acquire: {
  (options?: AcquireOptions): (self: RLock) => Effect.Effect<boolean, ResourceClosed>
  (self: RLock, options?: AcquireOptions): Effect.Effect<boolean, ResourceClosed>
} = lockable.acquire as never

/**
 * Gives up one level; by anybody but the owner → `ValueError("cannot release un-acquired lock")`.
 *
 * @since 0.1.0
 * @category operations
 */
export const release: (self: RLock) => Effect.Effect<void, ValueError | ResourceClosed> = lockable.release as never

/**
 * Runs an effect holding the lock (Python's `with rlock:`), one more level if already held.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: {
  (self: RLock): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ResourceClosed, R>
  <A, E, R>(self: RLock, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ResourceClosed, R>
} = lockable.withLock as never

/**
 * Acquires (with `acquire`'s options) and, when taken, holds one level until the scope closes.
 *
 * @since 0.1.0
 * @category combinators
 */
export const acquireScoped: {
  (options?: AcquireOptions): (self: RLock) => Effect.Effect<boolean, ResourceClosed, Scope.Scope>
  (self: RLock, options?: AcquireOptions): Effect.Effect<boolean, ResourceClosed, Scope.Scope>
} = lockable.acquireScoped as never

/**
 * `true` while the calling fiber owns the lock and took it from a process that ended holding it.
 *
 * @since 0.1.0
 * @category getters
 */
export const recovered: (self: RLock) => Effect.Effect<boolean, ResourceClosed> = lockable.recovered as never
