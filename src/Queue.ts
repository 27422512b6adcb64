/**
 * Python's `multiprocessing.Queue`: a FIFO shared by any processes, threads and fibers that hold it.
 *
 * `make` creates the queue in the caller's scope (this process owns it; it ends with the scope). Pass
 * the queue in a task's arguments and the child gets a working handle to the same queue; it can pass it
 * on to its own children. The items wait in shared memory: a thread of the owner's OS process puts and
 * gets them directly; a child in another OS process calls the owner, over the process channel.
 *
 * Where we differ from Python, on purpose: a consumer ended while blocked in `get` takes no item with
 * it (an item already on its way to a consumer that ends before receiving it goes back to the front
 * of the queue); an interrupted `get` (Effect interruption, `AbortSignal`, a timeout) loses nothing and
 * keeps the order; a producer ended in the middle of its puts leaves whole items and a working queue;
 * an item that cannot be sent fails `put` at once with `SerializationError` (Python's feeder thread
 * prints it and drops it). `qsize` is exact (the owner counts), not approximate.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { QueueClosed, QueueEmpty, QueueFull, SerializationError, ValueError } from "./Errors.ts"
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
export interface Queue<in out A> extends Pipeable {
  readonly [TypeId]: { readonly _A: (a: A) => A }
  readonly kind: "Queue" | "JoinableQueue"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BlockingOptions {
  /** Default `true`: wait for an item (or for room). `false`: fail at once (`QueueEmpty`/`QueueFull`). */
  readonly block?: boolean
  /** How long to wait when blocking (a number is milliseconds); then `QueueEmpty`/`QueueFull`. */
  readonly timeout?: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isQueue = (u: unknown): u is Queue<unknown> => internal.isQueueHandle(u) && u.kind !== "SimpleQueue"

/**
 * A queue owned by this process for the life of the scope. `maxsize` ≤ 0 (the default) is unbounded.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A>(options?: { readonly maxsize?: number }): Effect.Effect<Queue<A>, never, Scope.Scope> =>
  internal.make("Queue", options?.maxsize ?? 0) as never

/**
 * Puts an item, waiting for room in a full bounded queue (`block: false` or a `timeout` → `QueueFull`).
 *
 * @since 0.1.0
 * @category operations
 */
export const put: {
  <A>(item: A, options?: BlockingOptions): (self: Queue<A>) => Effect.Effect<void, QueueFull | QueueClosed | SerializationError | ValueError>
  <A>(self: Queue<A>, item: A, options?: BlockingOptions): Effect.Effect<void, QueueFull | QueueClosed | SerializationError | ValueError>
} = internal.put as never

/**
 * Takes the first item, waiting for one (`block: false` or a `timeout` → `QueueEmpty`).
 *
 * @since 0.1.0
 * @category operations
 */
export const get: {
  (options?: BlockingOptions): <A>(self: Queue<A>) => Effect.Effect<A, QueueEmpty | QueueClosed | ValueError>
  <A>(self: Queue<A>, options?: BlockingOptions): Effect.Effect<A, QueueEmpty | QueueClosed | ValueError>
} = internal.get as never

/**
 * Puts every item, in order, each as soon as there is room for it: one step for as many as fit, where
 * `put` takes one per item (1,000 items a call move about 10× as many items a second as `put` between
 * threads, over 100× between processes: `npm run bench -- ipc`). An item that cannot be put fails the
 * call before any is put (`SerializationError`, its path `items[i]…`). Interrupted, it leaves the items put so far in the queue. Another producer's items
 * may come between a bounded queue's pieces, as between two `put`s.
 *
 * @since 0.1.0
 * @category operations
 */
export const putAll: {
  <A>(items: Iterable<A>): (self: Queue<A>) => Effect.Effect<void, QueueClosed | SerializationError>
  <A>(self: Queue<A>, items: Iterable<A>): Effect.Effect<void, QueueClosed | SerializationError>
} = internal.putAll as never

/**
 * Takes the first item as `get` does (waiting for it unless `block: false`; `timeout` → `QueueEmpty`),
 * and with it the items behind it that are there now, up to `max` in all, in order. `max` not a whole
 * number ≥ 1 → `ValueError`.
 *
 * @since 0.1.0
 * @category operations
 */
export const getUpTo: {
  (max: number, options?: BlockingOptions): <A>(self: Queue<A>) => Effect.Effect<Array<A>, QueueEmpty | QueueClosed | ValueError>
  <A>(self: Queue<A>, max: number, options?: BlockingOptions): Effect.Effect<Array<A>, QueueEmpty | QueueClosed | ValueError>
} = internal.getUpTo as never

/**
 * `put(item, { block: false })`.
 *
 * @since 0.1.0
 * @category operations
 */
export const putNowait: {
  <A>(item: A): (self: Queue<A>) => Effect.Effect<void, QueueFull | QueueClosed | SerializationError>
  <A>(self: Queue<A>, item: A): Effect.Effect<void, QueueFull | QueueClosed | SerializationError>
} = internal.putNowait as never

/**
 * `get({ block: false })`.
 *
 * @since 0.1.0
 * @category operations
 */
export const getNowait: <A>(self: Queue<A>) => Effect.Effect<A, QueueEmpty | QueueClosed> = internal.getNowait as never

/**
 * The number of items in the queue (exact here: the owner counts them).
 *
 * @since 0.1.0
 * @category getters
 */
export const qsize: <A>(self: Queue<A>) => Effect.Effect<number, QueueClosed> = internal.qsize as never

/**
 * @since 0.1.0
 * @category getters
 */
export const empty: <A>(self: Queue<A>) => Effect.Effect<boolean, QueueClosed> = internal.empty as never

/**
 * @since 0.1.0
 * @category getters
 */
export const full: <A>(self: Queue<A>) => Effect.Effect<boolean, QueueClosed> = internal.full as never

/**
 * Python's `close()`: this process will use the queue no more; `put`/`get` on this handle then fail
 * with `QueueClosed`. Other holders are unaffected. The queue itself ends with its owner's scope.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const close: <A>(self: Queue<A>) => Effect.Effect<void> = internal.close as never

/**
 * The queue's items as a Stream, as they come, until the queue is closed. Each pull takes one item,
 * or with `maxChunkSize` what `getUpTo(maxChunkSize)` takes (much faster between threads; but the
 * items of a chunk the stream's consumer does not pull, as after `Stream.take`, are gone from the
 * queue with the stream). `maxChunkSize` not a whole number ≥ 1 → `ValueError`.
 *
 * @since 0.1.0
 * @category streams
 */
export const toStream: {
  (options?: { readonly maxChunkSize?: number }): <A>(self: Queue<A>) => Stream.Stream<A, ValueError>
  <A>(self: Queue<A>, options?: { readonly maxChunkSize?: number }): Stream.Stream<A, ValueError>
} = internal.toStream as never

/**
 * Puts every element of a Stream on the queue, in order, a chunk at a time (`putAll`), waiting for
 * room as `put` does.
 *
 * @since 0.1.0
 * @category streams
 */
export const offerStream: {
  <A, E, R>(stream: Stream.Stream<A, E, R>): (self: Queue<A>) => Effect.Effect<void, E | QueueClosed | SerializationError, R>
  <A, E, R>(self: Queue<A>, stream: Stream.Stream<A, E, R>): Effect.Effect<void, E | QueueClosed | SerializationError, R>
} = internal.offerStream as never
