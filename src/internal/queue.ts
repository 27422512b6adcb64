/**
 * Queue, JoinableQueue and SimpleQueue: one owner-side implementation (the items and the count of
 * unfinished tasks in shared memory, `sharedFifo.ts`) and one set of handle operations, which work on
 * that memory directly where they share it and call the owner elsewhere.
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { QueueClosed, QueueEmpty, QueueFull, ResourceClosed, SerializationError, ValueError } from "../Errors.ts"
import type { ProcessContext } from "./context.ts"
import { CurrentContext } from "./currentContext.ts"
import { encodeHandles, type Handle, isHandle } from "./protocol/handle.ts"
import { frameItem, type Frames, type Item } from "./protocol/itemBytes.ts"
import { cast, invoke } from "./resource.ts"
import { attachOnArrival, attachReply, serveShared, viaMemoryNow } from "./shared.ts"
import { framesOf, itemOf, SharedFifo, unsendableError } from "./sharedFifo.ts"

export type QueueKind = "Queue" | "JoinableQueue" | "SimpleQueue"

export interface QueueMeta {
  readonly maxsize: number
  /** The owner's OS process: children in another one call the owner, without asking for its memory. */
  readonly pid: number
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

/**
 * `f` of the wire form of blocking options (`block`, the timeout in ms or -1 for none), or the
 * `ValueError` they deserve.
 */
const withWire = <A, E>(
  options: BlockingOptions | undefined,
  f: (block: boolean, ms: number) => Effect.Effect<A, E>
): Effect.Effect<A, E | ValueError> => {
  const block = options?.block ?? true
  if (options?.timeout === undefined) return f(block, -1)
  return isNegative(options.timeout)
    ? Effect.fail(new ValueError({ message: "'timeout' must be a non-negative number" }))
    : f(block, Duration.toMillis(Duration.decode(options.timeout)))
}

/** Serves a new queue in the current scope; its items live in shared memory (`sharedFifo.ts`). */
export const make = (kind: QueueKind, maxsize: number): Effect.Effect<Handle<QueueMeta>, never, Scope.Scope> =>
  Effect.suspend(() => {
    const store = SharedFifo.queue(SharedFifo.memory(), maxsize)
    return serveShared({
      kind,
      operations: {
        attach: ([, pid]: [string, number]) => Effect.sync(() => attachReply(store.buffer, 0, pid)),
        put: ([item, block, ms]: [unknown, boolean, number]) =>
          Effect.flatMap(encode(item), (encoded) => store.put(encoded, block, ms)),
        putAll: ([items]: [ReadonlyArray<unknown>]) => Effect.flatMap(frame(items), (frames) => store.putAll(frames)),
        get: ([block, ms]: [boolean, number]) => store.get(block, ms),
        getUpTo: ([max, block, ms]: [number, boolean, number]) => store.getUpTo(max, block, ms),
        unget: ([item]: [unknown]) => Effect.flatMap(encode(item), (encoded) => Effect.sync(() => store.unget(encoded))),
        ungetAll: ([items]: [ReadonlyArray<unknown>]) =>
          Effect.flatMap(frame(items), (frames) =>
            Effect.sync(() => {
              for (let i = frames.ends.length - 1; i >= 0; i--) store.unget(frameItem(frames, i))
            })),
        qsize: () => Effect.sync(() => store.size),
        full: () => Effect.sync(() => store.full),
        taskDone: () => store.taskDone(),
        join: () => store.join()
      }
    }, { maxsize: store.maxsize === Infinity ? 0 : store.maxsize, pid: process.pid }, store.buffer, store)
  })

/** The item a queue keeps for `value`, or why it cannot. */
const itemFor = (value: unknown): Item | SerializationError => itemOf(value, "item", cannotPut)

const cannotPut = "cannot put on a queue"

/** `itemFor` as an Effect. */
const encode = (value: unknown): Effect.Effect<Item, SerializationError> => {
  const item = itemFor(value)
  return item instanceof SerializationError ? Effect.fail(item) : Effect.succeed(item)
}

/** `values` framed as a queue keeps them, or why the first that cannot be put, cannot. */
const frame = (values: ReadonlyArray<unknown>): Effect.Effect<Frames, SerializationError> => {
  const frames = framesOf(values, "items", cannotPut)
  return frames instanceof SerializationError ? Effect.fail(frames) : Effect.succeed(frames)
}

// ---------------------------------------------------------------------------------------------------
// Handle operations
// ---------------------------------------------------------------------------------------------------

attachOnArrival(["Queue", "JoinableQueue", "SimpleQueue"])

export const isQueueHandle = (u: unknown): u is Handle<QueueMeta> =>
  isHandle(u) && (u.kind === "Queue" || u.kind === "JoinableQueue" || u.kind === "SimpleQueue")

/**
 * `close` is per process. A fiber-backend child shares its parent's handle objects, so its mark is
 * kept apart, by its process context; the isolate's own process marks `handle.local`.
 */
const closedByFiberChild = new WeakMap<Handle<QueueMeta>, WeakSet<ProcessContext>>()

/**
 * Runs `direct` on this isolate's view of the queue's memory when it shares the owner's (the owner's
 * own isolate, a thread below it in its OS process), else `remote`, a call to the owner. A queue this
 * process closed fails at once; one whose owner is gone is a closed queue.
 */
const use = <A, E>(
  self: Handle<QueueMeta>,
  direct: (store: SharedFifo) => Effect.Effect<A, E | QueueClosed>,
  remote: () => Effect.Effect<A, E | ResourceClosed>
): Effect.Effect<A, E | QueueClosed> =>
  Effect.withFiberRuntime((fiber) => {
    const child = fiber.getFiberRef(CurrentContext)
    if (child === undefined ? self.local.closed : closedByFiberChild.get(self)?.has(child) === true) {
      return Effect.fail(closedError())
    }
    return viaMemoryNow(
      self,
      (buffer) => SharedFifo.queue(buffer, self.meta.maxsize),
      direct,
      () =>
        Effect.catchIf(
          remote(),
          (e): e is ResourceClosed => e instanceof ResourceClosed,
          (e) => Effect.fail(closedError(e.message))
        )
    )
  })

export const put: {
  (item: unknown, options?: BlockingOptions): (self: Handle<QueueMeta>) => Effect.Effect<void, QueueFull | QueueClosed | SerializationError | ValueError>
  (self: Handle<QueueMeta>, item: unknown, options?: BlockingOptions): Effect.Effect<void, QueueFull | QueueClosed | SerializationError | ValueError>
} = dual(
  (args) => isQueueHandle(args[0]),
  (self: Handle<QueueMeta>, item: unknown, options?: BlockingOptions) =>
    withWire(options, (block, ms) =>
      use<void, QueueFull | SerializationError>(
        self,
        (store) => {
          const encoded = itemFor(item)
          return encoded instanceof SerializationError ? Effect.fail(encoded) : store.put(encoded, block, ms)
        },
        () => {
          const unsendable = unsendableError(encodeHandles(item), "item", cannotPut)
          if (unsendable !== undefined) return Effect.fail(unsendable)
          // An unbounded queue never makes a put wait: send it and go on, as Python's feeder does.
          return self.meta.maxsize === 0
            ? Effect.asVoid(cast(self, "put", [item, block, ms]) as Effect.Effect<void>)
            : invoke<void, QueueFull>(self, "put", [item, block, ms])
        }
      ))
)

export const get: {
  (options?: BlockingOptions): (self: Handle<QueueMeta>) => Effect.Effect<unknown, QueueEmpty | QueueClosed | ValueError>
  (self: Handle<QueueMeta>, options?: BlockingOptions): Effect.Effect<unknown, QueueEmpty | QueueClosed | ValueError>
} = dual(
  (args) => isQueueHandle(args[0]),
  (self: Handle<QueueMeta>, options?: BlockingOptions) =>
    withWire(options, (block, ms) =>
      use(self, (store) => store.get(block, ms), () => invoke<unknown, QueueEmpty>(self, "get", [block, ms], "unget")))
)

/** `effect`, unless `max` is not a whole number ≥ 1: then a `ValueError`. */
const withMax = <A, E>(max: number, effect: () => Effect.Effect<A, E>): Effect.Effect<A, E | ValueError> =>
  Number.isInteger(max) && max >= 1
    ? effect()
    : Effect.fail(new ValueError({ message: `'max' must be a whole number of at least 1, got ${String(max)}` }))

export const putAll: {
  (items: Iterable<unknown>): (self: Handle<QueueMeta>) => Effect.Effect<void, QueueClosed | SerializationError>
  (self: Handle<QueueMeta>, items: Iterable<unknown>): Effect.Effect<void, QueueClosed | SerializationError>
} = dual(2, (self: Handle<QueueMeta>, items: Iterable<unknown>) =>
  Effect.suspend(() => {
    const values = Array.from(items)
    return use<void, SerializationError>(
      self,
      (store) => Effect.flatMap(frame(values), (frames) => store.putAll(frames)),
      () => {
        const unsendable = unsendableError(encodeHandles(values), "items", cannotPut)
        if (unsendable !== undefined) return Effect.fail(unsendable)
        return self.meta.maxsize === 0
          ? Effect.asVoid(cast(self, "putAll", [values]) as Effect.Effect<void>)
          : invoke<void, never>(self, "putAll", [values])
      }
    )
  }))

export const getUpTo: {
  (max: number, options?: BlockingOptions): (self: Handle<QueueMeta>) => Effect.Effect<Array<unknown>, QueueEmpty | QueueClosed | ValueError>
  (self: Handle<QueueMeta>, max: number, options?: BlockingOptions): Effect.Effect<Array<unknown>, QueueEmpty | QueueClosed | ValueError>
} = dual(
  (args) => isQueueHandle(args[0]),
  (self: Handle<QueueMeta>, max: number, options?: BlockingOptions) =>
    withMax(max, () =>
      withWire(options, (block, ms) =>
        use(
          self,
          (store) => store.getUpTo(max, block, ms),
          () => invoke<Array<unknown>, QueueEmpty>(self, "getUpTo", [max, block, ms], "ungetAll")
        )))
)

export const putNowait: {
  (item: unknown): (self: Handle<QueueMeta>) => Effect.Effect<void, QueueFull | QueueClosed | SerializationError>
  (self: Handle<QueueMeta>, item: unknown): Effect.Effect<void, QueueFull | QueueClosed | SerializationError>
} = dual(2, (self: Handle<QueueMeta>, item: unknown) =>
  Effect.catchTag(put(self, item, { block: false }), "ValueError", (e) => Effect.die(e)))

export const getNowait = (self: Handle<QueueMeta>): Effect.Effect<unknown, QueueEmpty | QueueClosed> =>
  Effect.catchTag(get(self, { block: false }), "ValueError", (e) => Effect.die(e))

export const qsize = (self: Handle<QueueMeta>): Effect.Effect<number, QueueClosed> =>
  use(self, (store) => Effect.sync(() => store.size), () => invoke<number, never>(self, "qsize", []))

export const empty = (self: Handle<QueueMeta>): Effect.Effect<boolean, QueueClosed> =>
  Effect.map(qsize(self), (n) => n === 0)

export const full = (self: Handle<QueueMeta>): Effect.Effect<boolean, QueueClosed> =>
  use(self, (store) => Effect.sync(() => store.full), () => invoke<boolean, never>(self, "full", []))

export const taskDone = (self: Handle<QueueMeta>): Effect.Effect<void, ValueError | QueueClosed> =>
  use(self, (store) => store.taskDone(), () => invoke<void, ValueError>(self, "taskDone", []))

export const join = (self: Handle<QueueMeta>): Effect.Effect<void, QueueClosed> =>
  use<void, never>(self, (store) => store.join(), () => invoke<void, never>(self, "join", []))

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

/**
 * The items of the queue as they come, until the queue is closed: each pull takes what `getUpTo`
 * takes (one item unless `maxChunkSize` says more).
 */
export const toStream: {
  (options?: { readonly maxChunkSize?: number }): (self: Handle<QueueMeta>) => Stream.Stream<unknown, ValueError>
  (self: Handle<QueueMeta>, options?: { readonly maxChunkSize?: number }): Stream.Stream<unknown, ValueError>
} = dual(
  (args) => isQueueHandle(args[0]),
  (self: Handle<QueueMeta>, options?: { readonly maxChunkSize?: number }) => {
    const max = options?.maxChunkSize ?? 1
    return Stream.unwrap(withMax(max, () =>
      Effect.succeed(Stream.repeatEffectChunkOption(
        Effect.mapBoth(getUpTo(self, max), {
          onFailure: (e) => e._tag === "ValueError" ? Option.some(e) : Option.none(),
          onSuccess: Chunk.unsafeFromArray
        })
      ))))
  }
)

/** Puts every element of a stream on the queue, in order, a chunk at a time (`putAll`). */
export const offerStream: {
  <E, R>(stream: Stream.Stream<unknown, E, R>): (self: Handle<QueueMeta>) => Effect.Effect<void, E | QueueClosed | SerializationError, R>
  <E, R>(self: Handle<QueueMeta>, stream: Stream.Stream<unknown, E, R>): Effect.Effect<void, E | QueueClosed | SerializationError, R>
} = dual(2, <E, R>(self: Handle<QueueMeta>, stream: Stream.Stream<unknown, E, R>) =>
  Stream.runForEachChunk(stream, (chunk) => putAll(self, chunk)))
