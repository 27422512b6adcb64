/**
 * Queue, JoinableQueue and SimpleQueue: one owner-side implementation (a `Fifo` plus, for a joinable
 * queue, the count of unfinished tasks) and one set of handle operations.
 */
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { QueueClosed, QueueEmpty, QueueFull, ResourceClosed, SerializationError, ValueError } from "../Errors.ts"
import type { ProcessContext } from "./context.ts"
import { CurrentContext } from "./currentContext.ts"
import { Fifo } from "./fifo.ts"
import { encodeHandles, type Handle, isHandle } from "./protocol/handle.ts"
import { findUnsendable } from "./protocol/sendable.ts"
import { cast, invoke, serve } from "./resource.ts"

export type QueueKind = "Queue" | "JoinableQueue" | "SimpleQueue"

export interface QueueMeta {
  readonly maxsize: number
}

export interface BlockingOptions {
  /** Default `true`: wait for an item (or for room). `false`: fail at once. */
  readonly block?: boolean
  /** How long to wait when blocking; then `QueueEmpty`/`QueueFull`. Default: forever. */
  readonly timeout?: Duration.DurationInput
}

const closedError = (why = "Queue is closed") => new QueueClosed({ message: why })

/** `Duration.decode` turns a negative timeout into zero: look at what was given. */
const isNegative = (timeout: Duration.DurationInput): boolean =>
  typeof timeout === "number"
    ? timeout < 0 || Number.isNaN(timeout)
    : typeof timeout === "bigint"
    ? timeout < 0n
    : typeof timeout === "string" && /^\s*-/.test(timeout)

/** The wire form of blocking options: `[block, timeout in ms or -1 for none]`. */
const wireOptions = (options: BlockingOptions | undefined): Effect.Effect<readonly [boolean, number], ValueError> => {
  const block = options?.block ?? true
  if (options?.timeout === undefined) return Effect.succeed([block, -1] as const)
  return isNegative(options.timeout)
    ? Effect.fail(new ValueError({ message: "'timeout' must be a non-negative number" }))
    : Effect.succeed([block, Duration.toMillis(Duration.decode(options.timeout))] as const)
}

/** Serves a new queue in the current scope. */
export const make = (kind: QueueKind, maxsize: number): Effect.Effect<Handle<QueueMeta>, never, Scope.Scope> =>
  Effect.suspend(() => {
    let unfinished = 0
    // counted as the item gets in (Python counts inside `put`), so `join` right after `put` waits
    const fifo = new Fifo<unknown>(maxsize, () => {
      unfinished++
    })
    let joiners: Array<Deferred.Deferred<void, QueueClosed>> = []
    const finished = () => {
      for (const joiner of joiners) Deferred.unsafeDone(joiner, Exit.void)
      joiners = []
    }
    return serve({
      kind,
      operations: {
        put: ([item, block, ms]: [unknown, boolean, number]) => fifo.put(item, block, () => new QueueFull(), ms),
        get: ([block, ms]: [boolean, number]) => fifo.take(block, () => new QueueEmpty(), ms),
        unget: ([item]: [unknown]) => Effect.sync(() => fifo.unget(item)),
        qsize: () => Effect.sync(() => fifo.size),
        full: () => Effect.sync(() => fifo.full),
        taskDone: () =>
          Effect.suspend(() => {
            if (unfinished <= 0) return Effect.fail(new ValueError({ message: "task_done() called too many times" }))
            if (--unfinished === 0) finished()
            return Effect.void
          }),
        join: () =>
          Effect.suspend(() => {
            if (unfinished === 0) return Effect.void
            const joiner = Deferred.unsafeMake<void, QueueClosed>(FiberId.none)
            joiners.push(joiner)
            return Deferred.await(joiner)
          })
      },
      close: Effect.sync(() => {
        fifo.close(closedError(), true)
        for (const joiner of joiners) Deferred.unsafeDone(joiner, Exit.fail(closedError()))
        joiners = []
      })
    }, { maxsize: fifo.maxsize === Infinity ? 0 : fifo.maxsize })
  })

// ---------------------------------------------------------------------------------------------------
// Handle operations
// ---------------------------------------------------------------------------------------------------

export const isQueueHandle = (u: unknown): u is Handle<QueueMeta> =>
  isHandle(u) && (u.kind === "Queue" || u.kind === "JoinableQueue" || u.kind === "SimpleQueue")

/**
 * `close` is per process. A fiber-backend child shares its parent's handle objects, so its mark is
 * kept apart, by its process context; the isolate's own process marks `handle.local`.
 */
const closedByFiberChild = new WeakMap<Handle<QueueMeta>, WeakSet<ProcessContext>>()

const closedHere = <A, E>(self: Handle<QueueMeta>, f: (closed: boolean) => Effect.Effect<A, E>) =>
  Effect.flatMap(
    FiberRef.get(CurrentContext),
    (child) => f(child === undefined ? self.local.closed : closedByFiberChild.get(self)?.has(child) === true)
  )

/** Invokes a queue operation; a queue whose owner is gone is a closed queue. */
const call = <A, E>(self: Handle<QueueMeta>, op: string, args: ReadonlyArray<unknown>, undo?: string) =>
  closedHere(self, (closed) =>
    closed
      ? Effect.fail(closedError())
      : Effect.catchIf(
        invoke<A, E>(self, op, args, undo),
        (e): e is ResourceClosed => e instanceof ResourceClosed,
        (e) => Effect.fail(closedError(e.message))
      ))

export const put: {
  (item: unknown, options?: BlockingOptions): (self: Handle<QueueMeta>) => Effect.Effect<void, QueueFull | QueueClosed | SerializationError | ValueError>
  (self: Handle<QueueMeta>, item: unknown, options?: BlockingOptions): Effect.Effect<void, QueueFull | QueueClosed | SerializationError | ValueError>
} = dual(
  (args) => isQueueHandle(args[0]),
  (self: Handle<QueueMeta>, item: unknown, options?: BlockingOptions) =>
    Effect.flatMap(wireOptions(options), ([block, ms]): Effect.Effect<void, QueueFull | QueueClosed | SerializationError> => {
      const unsendable = findUnsendable(encodeHandles(item), "item")
      if (unsendable !== undefined) {
        return Effect.fail(new SerializationError({ message: `cannot put on a queue: ${unsendable}`, path: unsendable.split(" ")[0]! }))
      }
      // An unbounded queue never makes a put wait: send it and go on, as Python's feeder does.
      return closedHere(self, (closed) =>
        self.meta.maxsize === 0 && !closed
          ? Effect.asVoid(cast(self, "put", [item, block, ms]) as Effect.Effect<void>)
          : call<void, QueueFull>(self, "put", [item, block, ms]))
    })
)

export const get: {
  (options?: BlockingOptions): (self: Handle<QueueMeta>) => Effect.Effect<unknown, QueueEmpty | QueueClosed | ValueError>
  (self: Handle<QueueMeta>, options?: BlockingOptions): Effect.Effect<unknown, QueueEmpty | QueueClosed | ValueError>
} = dual(
  (args) => isQueueHandle(args[0]),
  (self: Handle<QueueMeta>, options?: BlockingOptions) =>
    Effect.flatMap(wireOptions(options), ([block, ms]) => call<unknown, QueueEmpty>(self, "get", [block, ms], "unget"))
)

export const putNowait: {
  (item: unknown): (self: Handle<QueueMeta>) => Effect.Effect<void, QueueFull | QueueClosed | SerializationError>
  (self: Handle<QueueMeta>, item: unknown): Effect.Effect<void, QueueFull | QueueClosed | SerializationError>
} = dual(2, (self: Handle<QueueMeta>, item: unknown) =>
  Effect.catchTag(put(self, item, { block: false }), "ValueError", (e) => Effect.die(e)))

export const getNowait = (self: Handle<QueueMeta>): Effect.Effect<unknown, QueueEmpty | QueueClosed> =>
  Effect.catchTag(get(self, { block: false }), "ValueError", (e) => Effect.die(e))

export const qsize = (self: Handle<QueueMeta>): Effect.Effect<number, QueueClosed> => call(self, "qsize", [])

export const empty = (self: Handle<QueueMeta>): Effect.Effect<boolean, QueueClosed> =>
  Effect.map(qsize(self), (n) => n === 0)

export const full = (self: Handle<QueueMeta>): Effect.Effect<boolean, QueueClosed> => call(self, "full", [])

export const taskDone = (self: Handle<QueueMeta>): Effect.Effect<void, ValueError | QueueClosed> =>
  call(self, "taskDone", [])

export const join = (self: Handle<QueueMeta>): Effect.Effect<void, QueueClosed> => call(self, "join", [])

/** Python's `close()`: this process will use the queue no more; later calls on this handle fail. */
export const close = (self: Handle<QueueMeta>): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(CurrentContext), (child) =>
    Effect.sync(() => {
      if (child === undefined) {
        self.local.closed = true
        return
      }
      let closed = closedByFiberChild.get(self)
      if (closed === undefined) closedByFiberChild.set(self, closed = new WeakSet())
      closed.add(child)
    }))

/** The items of the queue as they come, until the queue is closed. */
export const toStream = (self: Handle<QueueMeta>): Stream.Stream<unknown, never> =>
  Stream.repeatEffectOption(
    Effect.mapError(get(self), () => Option.none())
  )

/** Puts every element of a stream on the queue, in order. */
export const offerStream: {
  <E, R>(stream: Stream.Stream<unknown, E, R>): (self: Handle<QueueMeta>) => Effect.Effect<void, E | QueueFull | QueueClosed | SerializationError | ValueError, R>
  <E, R>(self: Handle<QueueMeta>, stream: Stream.Stream<unknown, E, R>): Effect.Effect<void, E | QueueFull | QueueClosed | SerializationError | ValueError, R>
} = dual(2, <E, R>(self: Handle<QueueMeta>, stream: Stream.Stream<unknown, E, R>) =>
  Stream.runForEachChunk(stream, (chunk) => Effect.forEach(Chunk.toReadonlyArray(chunk), (item) => put(self, item), { discard: true })))
