/**
 * Python's `multiprocessing.JoinableQueue`: a `Queue` whose `join` waits until every item put has been
 * marked done with `taskDone`. Every `Queue` operation works on it.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { QueueClosed, ValueError } from "./Errors.ts"
import * as internal from "./internal/queue.ts"
import type { Queue } from "./Queue.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface JoinableQueue<in out A> extends Queue<A> {
  readonly kind: "JoinableQueue"
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isJoinableQueue = (u: unknown): u is JoinableQueue<unknown> =>
  internal.isQueueHandle(u) && u.kind === "JoinableQueue"

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = <A>(options?: { readonly maxsize?: number }): Effect.Effect<JoinableQueue<A>, never, Scope.Scope> =>
  internal.make("JoinableQueue", options?.maxsize ?? 0) as never

/**
 * Marks one item as done. Called more often than items were put → `ValueError`
 * ("task_done() called too many times").
 *
 * @since 0.1.0
 * @category operations
 */
export const taskDone: <A>(self: JoinableQueue<A>) => Effect.Effect<void, ValueError | QueueClosed> =
  internal.taskDone as never

/**
 * Waits until every item put so far has been marked done (at once on a queue never used).
 *
 * @since 0.1.0
 * @category operations
 */
export const join: <A>(self: JoinableQueue<A>) => Effect.Effect<void, QueueClosed> = internal.join as never

export {
  close,
  empty,
  full,
  get,
  getNowait,
  getUpTo,
  offerStream,
  put,
  putAll,
  putNowait,
  qsize,
  toStream
} from "./Queue.ts"
