/**
 * Python's `multiprocessing.Event`: a flag shared by any processes, threads and fibers that hold it.
 * `wait` blocks until it is set (by anybody: a child's `set` wakes a parent blocked in `wait`).
 *
 * ```ts
 * const ready = yield* Event.make
 * yield* Process.spawn(tasks.worker, [ready])   // the worker calls Event.set(ready)
 * yield* Event.wait(ready)
 * ```
 *
 * An interrupted `wait` leaves nothing behind.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { ResourceClosed } from "./Errors.ts"
import * as internal from "./internal/event.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * @since 0.1.0
 * @category models
 */
export interface Event extends Pipeable {
  readonly [TypeId]: typeof TypeId
  readonly kind: "Event"
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isEvent = (u: unknown): u is Event => internal.isEvent(u)

/**
 * An event owned by this process for the life of the scope, not set.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Event, never, Scope.Scope> = internal.make as never

/**
 * Sets the flag and wakes every waiter.
 *
 * @since 0.1.0
 * @category operations
 */
export const set: (self: Event) => Effect.Effect<void, ResourceClosed> = internal.set as never

/**
 * Clears the flag: later waits block until the next `set`.
 *
 * @since 0.1.0
 * @category operations
 */
export const clear: (self: Event) => Effect.Effect<void, ResourceClosed> = internal.clear as never

/**
 * @since 0.1.0
 * @category getters
 */
export const isSet: (self: Event) => Effect.Effect<boolean, ResourceClosed> = internal.isSet as never

/**
 * Waits until the flag is set: `true` at once when it is, `true` when a `set` wakes it, `false` when
 * `timeout` (a number is milliseconds; 0 or negative: answer at once) passes first.
 *
 * @since 0.1.0
 * @category operations
 */
export const wait: {
  (options?: { readonly timeout?: Duration.DurationInput }): (self: Event) => Effect.Effect<boolean, ResourceClosed>
  (self: Event, options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<boolean, ResourceClosed>
} = internal.wait as never
