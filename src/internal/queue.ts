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
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { QueueClosed, QueueEmpty, QueueFull, ResourceClosed, SerializationError, ValueError } from "../Errors.ts"
import { Fifo } from "./fifo.ts"
import { encodeHandles, type Handle, isHandle } from "./protocol/handle.ts"
import { findUnsendable } from "./protocol/sendable.ts"
import { invoke, serve } from "./resource.ts"

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

/** The wire form of blocking options: `[block, timeout in ms or -1 for none]`. */
const wireOptions = (options: BlockingOptions | undefined): Effect.Effect<readonly [boolean, number], ValueError> => {
  const block = options?.block ?? true
  if (options?.timeout === undefined) return Effect.succeed([block, -1] as const)
  const ms = Duration.toMillis(Duration.decode(options.timeout))
  return ms < 0 || Number.isNaN(ms)
    ? Effect.fail(new ValueError({ message: "'timeout' must be a non-negative number" }))
    : Effect.succeed([block, ms] as const)
}

const withTimeout = <A, E, E2>(effect: Effect.Effect<A, E>, block: boolean, ms: number, onTimeout: () => E2) =>
  block && ms >= 0 ? Effect.timeoutFail(effect, { duration: Duration.millis(ms), onTimeout }) : effect

/** Serves a new queue in the current scope. */
export const make = (kind: QueueKind, maxsize: number): Effect.Effect<Handle<QueueMeta>, never, Scope.Scope> =>
  Effect.suspend(() => {
    const fifo = new Fifo<unknown>(maxsize)
    let unfinished = 0
    let joiners: Array<Deferred.Deferred<void, QueueClosed>> = []
    const finished = () => {
      for (const joiner of joiners) Deferred.unsafeDone(joiner, Exit.void)
      joiners = []
    }
    return serve({
      kind,
      operations: {
        put: ([item, block, ms]: [unknown, boolean, number]) =>
          withTimeout(fifo.put(item, block, () => new QueueFull()), block, ms, () => new QueueFull()).pipe(
            Effect.tap(() => {
              unfinished++
            })
          ),
        get: ([block, ms]: [boolean, number]) =>
          withTimeout(fifo.take(block, () => new QueueEmpty()), block, ms, () => new QueueEmpty()),
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

/** Invokes a queue operation; a queue whose owner is gone is a closed queue. */
const call = <A, E>(self: Handle<QueueMeta>, op: string, args: ReadonlyArray<unknown>, undo?: string) =>
  Effect.suspend(() =>
    self.local.closed
      ? Effect.fail(closedError())
      : Effect.catchIf(
        invoke<A, E>(self, op, args, undo),
        (e): e is ResourceClosed => e instanceof ResourceClosed,
        (e) => Effect.fail(closedError(e.message))
      )
  )

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
      return call<void, QueueFull>(self, "put", [item, block, ms])
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
  Effect.sync(() => {
    self.local.closed = true
  })

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
