/**
 * Python's `multiprocessing.Barrier`: `parties` processes (threads, fibers) wait for each other; once
 * the last arrives, all go on together, and the barrier is ready for the next round.
 *
 * ```ts
 * const barrier = yield* Barrier.make(3, { action: Effect.log("all here") })
 * // in each of 3 processes:
 * const index = yield* Barrier.wait(barrier)   // 0, 1 and 2, in arrival order
 * ```
 *
 * `wait` returns the party's arrival index (0 … parties − 1), distinct within a round. The `action`
 * is an Effect that the barrier's owner (the process that made it) runs once per round, after the last
 * party arrives and before anyone is released (Python runs it in the last arriving thread; a closure
 * cannot travel to another process, so ours stays with the owner). If it fails, the barrier breaks.
 *
 * Breaking, as in Python: `abort`, a `wait` that times out (its own `timeout` or the barrier's), and a
 * waiting party that is interrupted break the barrier: every waiting and later `wait` fails with
 * `BrokenBarrierError` until `reset`. `reset` breaks the current round (its waiters get
 * `BrokenBarrierError`) and makes the barrier usable again. Better than Python: a party whose process
 * ends while it waits breaks the barrier, instead of leaving the others waiting for ever.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { BrokenBarrierError, ResourceClosed } from "./Errors.ts"
import * as internal from "./internal/barrier.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * @since 0.1.0
 * @category models
 */
export interface Barrier extends Pipeable {
  readonly [TypeId]: typeof TypeId
  readonly kind: "Barrier"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Runs in the owner once per round, before the parties are released; a failure breaks the barrier. */
  readonly action?: Effect.Effect<void, unknown>
  /** The default timeout of `wait` (a number is milliseconds). */
  readonly timeout?: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isBarrier = (u: unknown): u is Barrier => internal.isBarrier(u)

/**
 * A barrier for `parties` (a positive integer; anything else is a defect) owned by this process for
 * the life of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (parties: number, options?: Options): Effect.Effect<Barrier, never, Scope.Scope> =>
  internal.make(parties, options) as never

/**
 * Waits for the other parties; returns this party's arrival index. `timeout` overrides the barrier's.
 *
 * @since 0.1.0
 * @category operations
 */
export const wait: {
  (options?: { readonly timeout?: Duration.DurationInput }): (self: Barrier) => Effect.Effect<number, BrokenBarrierError | ResourceClosed>
  (self: Barrier, options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<number, BrokenBarrierError | ResourceClosed>
} = internal.wait as never

/**
 * Breaks the barrier: every waiting and later `wait` fails with `BrokenBarrierError` until `reset`.
 *
 * @since 0.1.0
 * @category operations
 */
export const abort: (self: Barrier) => Effect.Effect<void, ResourceClosed> = internal.abort as never

/**
 * Ends the current round (its waiters fail with `BrokenBarrierError`) and makes the barrier usable.
 *
 * @since 0.1.0
 * @category operations
 */
export const reset: (self: Barrier) => Effect.Effect<void, ResourceClosed> = internal.reset as never

/**
 * The number of parties a round needs.
 *
 * @since 0.1.0
 * @category getters
 */
export const parties: (self: Barrier) => number = internal.parties as never

/**
 * The number of parties waiting in the current round.
 *
 * @since 0.1.0
 * @category getters
 */
export const nWaiting: (self: Barrier) => Effect.Effect<number, ResourceClosed> = internal.nWaiting as never

/**
 * Whether the barrier is broken.
 *
 * @since 0.1.0
 * @category getters
 */
export const broken: (self: Barrier) => Effect.Effect<boolean, ResourceClosed> = internal.broken as never
