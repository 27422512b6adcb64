/**
 * Python's `multiprocessing.SimpleQueue`: an unbounded queue with only `put`, `get`, `empty` and `close`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { QueueClosed, SerializationError } from "./Errors.ts"
import * as internal from "./internal/queue.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * @since 0.1.0
 * @category models
 */
export interface SimpleQueue<in out A> extends Pipeable {
  readonly [TypeId]: { readonly _A: (a: A) => A }
  readonly kind: "SimpleQueue"
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isSimpleQueue = (u: unknown): u is SimpleQueue<unknown> =>
  internal.isQueueHandle(u) && u.kind === "SimpleQueue"

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = <A>(): Effect.Effect<SimpleQueue<A>, never, Scope.Scope> => internal.make("SimpleQueue", 0) as never

/**
 * @since 0.1.0
 * @category operations
 */
export const put: {
  <A>(item: A): (self: SimpleQueue<A>) => Effect.Effect<void, QueueClosed | SerializationError>
  <A>(self: SimpleQueue<A>, item: A): Effect.Effect<void, QueueClosed | SerializationError>
} = internal.put as never

/**
 * Waits for the first item.
 *
 * @since 0.1.0
 * @category operations
 */
export const get: <A>(self: SimpleQueue<A>) => Effect.Effect<A, QueueClosed> = ((self: never) => internal.get(self)) as never

/**
 * @since 0.1.0
 * @category getters
 */
export const empty: <A>(self: SimpleQueue<A>) => Effect.Effect<boolean, QueueClosed> = internal.empty as never

/**
 * @since 0.1.0
 * @category lifecycle
 */
export const close: <A>(self: SimpleQueue<A>) => Effect.Effect<void> = internal.close as never
