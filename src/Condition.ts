/**
 * Python's `multiprocessing.Condition`: a lock (an `RLock` by default, or the `Lock`/`RLock` given)
 * and a set of waiters, shared by any processes, threads and fibers that hold it.
 *
 * ```ts
 * const cond = yield* Condition.make()
 * // a consumer, in any process:
 * yield* Condition.withLock(cond)(Condition.waitFor(cond, Queue.qsize(q).pipe(Effect.map((n) => n > 0))))
 * // a producer:
 * yield* Condition.withLock(cond)(Effect.zipRight(Queue.put(q, item), Condition.notify(cond)))
 * ```
 *
 * `wait` must be called holding the lock (else `ValueError("cannot wait on un-acquired lock")`); it
 * releases every level of the lock, waits for a `notify`, and takes the lock back at the same level
 * before returning — also when it times out or is interrupted. `notify`/`notifyAll` must be called
 * holding the lock too (else `ValueError("cannot notify on un-acquired lock")`). `waitFor` evaluates
 * its predicate in the waiter's own process, first and after every wake-up.
 *
 * Better than Python: a notification that reaches a waiter just as it gives up (interrupted) passes
 * to the next waiter instead of being lost.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { ResourceClosed, ValueError } from "./Errors.ts"
import * as internal from "./internal/condition.ts"
import * as lockable from "./internal/lockable.ts"
import * as sharedLock from "./internal/sharedLock.ts"
import type { Lock } from "./Lock.ts"
import type { RLock } from "./RLock.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * @since 0.1.0
 * @category models
 */
export interface Condition extends Pipeable {
  readonly [TypeId]: typeof TypeId
  readonly kind: "Condition"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** How long to wait (a number is milliseconds; 0 or negative: do not wait). Default: for ever. */
  readonly timeout?: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isCondition = (u: unknown): u is Condition => internal.isCondition(u)

/**
 * A condition owned by this process for the life of the scope, on `options.lock` or on a new `RLock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: { readonly lock?: Lock | RLock }): Effect.Effect<Condition, never, Scope.Scope> =>
  Effect.flatMap(
    options?.lock === undefined ? sharedLock.make("RLock") : Effect.succeed(options.lock as never),
    (lock) => internal.make(lock)
  ) as never

/**
 * The condition's lock.
 *
 * @since 0.1.0
 * @category getters
 */
export const lock = (self: Condition): Lock | RLock =>
  (self as unknown as { readonly meta: internal.ConditionMeta }).meta.lock as never

/**
 * Acquires the condition's lock (Python's `cond.acquire(block, timeout)`).
 *
 * @since 0.1.0
 * @category operations
 */
export const acquire: {
  (options?: { readonly block?: boolean; readonly timeout?: Duration.DurationInput }): (self: Condition) => Effect.Effect<boolean, ResourceClosed>
  (self: Condition, options?: { readonly block?: boolean; readonly timeout?: Duration.DurationInput }): Effect.Effect<boolean, ResourceClosed>
} = dual(
  (args) => isCondition(args[0]),
  (self: Condition, options?: { readonly block?: boolean; readonly timeout?: Duration.DurationInput }) =>
    lockable.acquire(lock(self) as never, options)
)

/**
 * Releases the condition's lock (one level of an RLock).
 *
 * @since 0.1.0
 * @category operations
 */
export const release = (self: Condition): Effect.Effect<void, ValueError | ResourceClosed> =>
  lockable.release(lock(self) as never)

/**
 * Runs an effect holding the condition's lock (Python's `with cond:`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: {
  (self: Condition): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ResourceClosed, R>
  <A, E, R>(self: Condition, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ResourceClosed, R>
} = function(self: Condition, effect?: Effect.Effect<unknown, unknown, unknown>) {
  return effect === undefined
    ? lockable.withLock(lock(self) as never)
    : lockable.withLock(lock(self) as never, effect)
} as never

/**
 * Waits for a `notify`, holding the lock: `true` when notified, `false` when `timeout` passes first.
 *
 * @since 0.1.0
 * @category operations
 */
export const wait: {
  (options?: WaitOptions): (self: Condition) => Effect.Effect<boolean, ValueError | ResourceClosed>
  (self: Condition, options?: WaitOptions): Effect.Effect<boolean, ValueError | ResourceClosed>
} = internal.wait as never

/**
 * Waits until `predicate` (an Effect, or a function, run by the waiter) gives a truthy value, and
 * returns that value; after `timeout`, returns the last (falsy) value. Call it holding the lock.
 *
 * @since 0.1.0
 * @category operations
 */
export const waitFor: {
  <A, E = never, R = never>(
    predicate: Effect.Effect<A, E, R> | (() => A),
    options?: WaitOptions
  ): (self: Condition) => Effect.Effect<A, E | ValueError | ResourceClosed, R>
  <A, E = never, R = never>(
    self: Condition,
    predicate: Effect.Effect<A, E, R> | (() => A),
    options?: WaitOptions
  ): Effect.Effect<A, E | ValueError | ResourceClosed, R>
} = internal.waitFor as never

/**
 * Wakes up to `n` (default 1) waiters, in the order they started waiting. Call it holding the lock.
 *
 * @since 0.1.0
 * @category operations
 */
export const notify: {
  (n?: number): (self: Condition) => Effect.Effect<void, ValueError | ResourceClosed>
  (self: Condition, n?: number): Effect.Effect<void, ValueError | ResourceClosed>
} = internal.notify as never

/**
 * Wakes every waiter. Call it holding the lock.
 *
 * @since 0.1.0
 * @category operations
 */
export const notifyAll: (self: Condition) => Effect.Effect<void, ValueError | ResourceClosed> =
  internal.notifyAll as never
