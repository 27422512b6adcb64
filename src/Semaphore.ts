/**
 * Python's `multiprocessing.Semaphore`: a counter of permits shared by any processes, threads and
 * fibers that hold it. `acquire` takes a permit (waiting for one), `release` adds one; `getValue` is
 * the number of free permits. Waiters are served in arrival order.
 *
 * Where we differ from Python, on purpose: permits are counted per process, so that a process that
 * ends holding permits (terminated, killed, crashed) does not take them away for ever — its owner gives
 * them back, and the process that next takes such a permit is told by `recovered`. The rule: a permit
 * taken from the semaphore's supply (its initial value, or permits given back) is a debt of the
 * process that took it, paid by its next `release` (or by a release from a process that holds none,
 * while any debt is open); a `release` while no debt is open creates a permit — a signal, as with
 * `Semaphore(0)` — and a process that takes such a permit owes nothing. So a process that waits for a
 * signal and then ends does not hand the signal back, while a worker that dies inside a
 * `withLock` section frees its place. An `acquire` interrupted while it waits never loses a permit.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { ResourceClosed, ValueError } from "./Errors.ts"
import type { AcquireOptions } from "./Lock.ts"
import * as lockable from "./internal/lockable.ts"
import * as internal from "./internal/semaphore.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * @since 0.1.0
 * @category models
 */
export interface Semaphore extends Pipeable {
  readonly [TypeId]: typeof TypeId
  readonly kind: "Semaphore" | "BoundedSemaphore"
}

/**
 * A Semaphore or a BoundedSemaphore.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isSemaphore = (u: unknown): u is Semaphore =>
  lockable.isLockable(u) && (u.kind === "Semaphore" || u.kind === "BoundedSemaphore")

/**
 * A semaphore with `value` permits (default 1), owned by this process for the life of the scope. A
 * negative or fractional value is a defect (`ValueError`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (value = 1): Effect.Effect<Semaphore, never, Scope.Scope> =>
  internal.make("Semaphore", value, null) as never

/**
 * Takes a permit: `true` once taken; `false` when `block: false` finds none, or when `timeout` passes
 * first.
 *
 * @since 0.1.0
 * @category operations
 */
export const acquire: {
  (options?: AcquireOptions): (self: Semaphore) => Effect.Effect<boolean, ResourceClosed>
  (self: Semaphore, options?: AcquireOptions): Effect.Effect<boolean, ResourceClosed>
} = lockable.acquire as never

/**
 * Adds a permit (a BoundedSemaphore above its initial value → `ValueError("semaphore or lock released
 * too many times")`).
 *
 * @since 0.1.0
 * @category operations
 */
export const release: (self: Semaphore) => Effect.Effect<void, ValueError | ResourceClosed> = lockable.release as never

/**
 * Runs an effect holding a permit (Python's `with sem:`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: {
  (self: Semaphore): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ResourceClosed, R>
  <A, E, R>(self: Semaphore, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ResourceClosed, R>
} = lockable.withLock as never

/**
 * Acquires a permit (with `acquire`'s options) and, when taken, holds it until the scope closes.
 *
 * @since 0.1.0
 * @category combinators
 */
export const acquireScoped: {
  (options?: AcquireOptions): (self: Semaphore) => Effect.Effect<boolean, ResourceClosed, Scope.Scope>
  (self: Semaphore, options?: AcquireOptions): Effect.Effect<boolean, ResourceClosed, Scope.Scope>
} = lockable.acquireScoped as never

/**
 * The number of free permits (exact: the owner counts them).
 *
 * @since 0.1.0
 * @category getters
 */
export const getValue: (self: Semaphore) => Effect.Effect<number, ResourceClosed> = lockable.getValue as never

/**
 * `true` while this process holds a permit that came back from a process that ended holding it.
 *
 * @since 0.1.0
 * @category getters
 */
export const recovered: (self: Semaphore) => Effect.Effect<boolean, ResourceClosed> = lockable.recovered as never
