/**
 * A queue's items in shared memory: a growable `SharedArrayBuffer` that every isolate of the owner's
 * OS process works on directly (a thread's `put` and another thread's `get` need no message and no
 * help from the owner's event loop), while children in other OS processes call the owner, which runs
 * the same code on the same memory for them.
 *
 * The buffer starts with 32-bit cells, then the items, each framed (a 32-bit length, a tag byte and its
 * bytes: `itemBytes.ts`), first to last between `HEAD` and `TAIL`:
 *
 * - `MUTEX`: a short internal lock around every change of the items (0 free, 1 held, 2 held with
 *   sleepers). Held only for a copy of bytes, never across a wait. A thread child cannot be stopped
 *   while it holds it: every change runs `guarded` (`guard.ts`), and its parent waits for that to end
 *   before terminating it; so a producer or consumer ended at any instant leaves whole items.
 * - `COUNT`, `HEAD`, `TAIL`: the items (bytes are compacted to the front, or the buffer grown, when the
 *   tail reaches its end).
 * - `PUTS`, `GETS`: counters bumped when an item got in / went out: getters sleep on `PUTS`, putters
 *   of a full bounded queue on `GETS` (`Atomics.waitAsync`: no event loop blocks).
 * - `UNFINISHED`: items put and not yet `taskDone` (JoinableQueue); `JOINS` is bumped when it reaches 0.
 * - `CLOSED`: the owner's scope ended (or its node did, or a pipe's end was closed): the items are
 *   dropped, every sleeper is woken and fails.
 * - `ENDED`: nothing more will be put (a pipe whose other end was closed): getters drain the items,
 *   then fail (`EOFError`).
 * - `UNREADABLE`: a pipe's end whose reader gave up on a too long message reads no more.
 * - `VIEWS`: the isolates working on this memory (a getter spins before it waits only when there are
 *   others: `shared.spin`).
 *
 * Within one isolate, waiting getters (and putters) are served in the order they came; across
 * isolates whoever takes the internal lock first goes first, as with Python's queue.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { QueueClosed, QueueEmpty, QueueFull, SerializationError, ValueError } from "../Errors.ts"
import { guarded, holdUntilIdle, Revoked } from "./guard.ts"
import { encodeHandles } from "./protocol/handle.ts"
import {
  decodeFrames,
  decodeItem,
  encodeItem,
  FRAME_HEADER,
  frameLength,
  type Frames,
  FramesWriter,
  frameItem,
  type Item,
  writeFrameHeader
} from "./protocol/itemBytes.ts"
import { findUnsendable } from "./protocol/sendable.ts"
import { countView, exclusive, spin, Watch } from "./shared.ts"
import { WaitQueue } from "./waiting.ts"

const MUTEX = 0
const COUNT = 1
const HEAD = 2
const TAIL = 3
const PUTS = 4
const GETS = 5
const UNFINISHED = 6
const JOINS = 7
const CLOSED = 8
const ENDED = 9
const UNREADABLE = 10
const VIEWS = 11
const CELLS = 12
/** Where the items begin (bytes). */
const DATA = CELLS * Int32Array.BYTES_PER_ELEMENT
const initialBytes = 64 * 1024
/** The most a queue's memory may grow to: the bytes of the items waiting in it at once. */
export const maxQueueBytes = 1024 * 1024 * 1024

/** A `SharedArrayBuffer` that can grow (ES2024; on Node 20, Deno and Bun), typed here for an ES2023 lib. */
interface GrowableBuffer extends SharedArrayBuffer {
  readonly maxByteLength: number
  grow(length: number): void
}

/** What a closed and an ended FIFO fail with (a queue's, or a pipe's). */
export interface FifoErrors<Closed, Ended> {
  readonly closed: () => Closed
  readonly ended: () => Ended
}

const queueErrors: FifoErrors<QueueClosed, never> = {
  closed: () => new QueueClosed({ message: "Queue is closed" }),
  ended: () => {
    throw new Error("a queue never ends")
  }
}

/**
 * Why `encoded` (a value with its handles encoded) cannot be sent, as a `SerializationError` opening
 * with `cannot` ("cannot send"), its path starting at `what` ("message").
 */
export const unsendableError = (encoded: unknown, what: string, cannot: string): SerializationError | undefined => {
  const unsendable = findUnsendable(encoded, what)
  return unsendable === undefined
    ? undefined
    : new SerializationError({ message: `${cannot}: ${unsendable}`, path: unsendable.split(" ")[0]! })
}

/** The item `value` is kept as in a FIFO's memory, or why it cannot be (see `unsendableError`). */
export const itemOf = (value: unknown, what: string, cannot: string): Item | SerializationError => {
  if (alwaysSendable(value)) return encodeItem(value)
  const encoded = encodeHandles(value)
  const unsendable = unsendableError(encoded, what, cannot)
  if (unsendable !== undefined) return unsendable
  try {
    return encodeItem(encoded)
  } catch (e) {
    return new SerializationError({ message: `${cannot}: ${e instanceof Error ? e.message : String(e)}`, path: what })
  }
}

/** A number, string, boolean, null or undefined holds no handle and can always be sent. */
const alwaysSendable = (value: unknown): boolean => {
  const type = typeof value
  return value == null || type === "number" || type === "string" || type === "boolean"
}

/** `values` framed as a FIFO's memory keeps them (`itemOf` for each), or why the first that cannot be, cannot. */
export const framesOf = (values: ReadonlyArray<unknown>, what: string, cannot: string): Frames | SerializationError => {
  const writer = new FramesWriter()
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (typeof value === "number" || typeof value === "string") {
      writer.add(value)
      continue
    }
    const item = itemOf(value, `${what}[${i}]`, cannot)
    if (item instanceof SerializationError) return item
    writer.addItem(item)
  }
  return writer.frames
}

/**
 * A queue's memory (or a pipe end's inbox) as one isolate works on it: the shared items and this
 * isolate's waiters.
 */
export class SharedFifo<Closed = QueueClosed, Ended = never> {
  readonly buffer: GrowableBuffer
  private readonly cells: Int32Array
  /**
   * The whole buffer as it was when last seen (fixed-length views, remade when any isolate has grown
   * it: `sync`; a length-tracking view's element access is 5–8× slower on Node 20, measured).
   */
  private bytes: Uint8Array
  readonly maxsize: number
  private readonly errors: FifoErrors<Closed, Ended>
  private readonly takers = new WaitQueue<Item, Closed | Ended>()
  /** Waiters for an item (or the end) to be there, without taking it (a pipe's `poll`). */
  private readonly pollers = new WaitQueue<boolean, Closed>()
  private readonly putters = new WaitQueue<void, Closed | Ended, Item>()
  private readonly joiners = new WaitQueue<void, Closed>()
  private readonly takerWatch: Watch
  private readonly putterWatch: Watch
  private readonly joinerWatch: Watch

  /** The memory of a new FIFO (`maxsize` ≤ 0: unbounded). */
  static memory(): SharedArrayBuffer {
    return new (SharedArrayBuffer as any)(DATA + initialBytes, { maxByteLength: DATA + maxQueueBytes })
  }

  /** A queue's view: `QueueClosed` once closed. */
  static queue(buffer: SharedArrayBuffer, maxsize: number): SharedFifo {
    return new SharedFifo(buffer, maxsize, queueErrors)
  }

  constructor(buffer: SharedArrayBuffer, maxsize: number, errors: FifoErrors<Closed, Ended>) {
    this.errors = errors
    this.buffer = buffer as GrowableBuffer
    this.cells = new Int32Array(buffer, 0, CELLS)
    this.bytes = new Uint8Array(buffer, 0, buffer.byteLength)
    this.maxsize = maxsize > 0 ? maxsize : Infinity
    countView(this.cells, VIEWS)
    this.takerWatch = new Watch(this.cells, PUTS, () => this.serveTakers())
    this.putterWatch = new Watch(this.cells, GETS, () => this.servePutters())
    this.joinerWatch = new Watch(this.cells, JOINS, () => this.serveJoiners())
  }

  get closed(): boolean {
    return Atomics.load(this.cells, CLOSED) !== 0
  }

  /** Nothing more will be put and nothing is left. */
  private get drained(): boolean {
    return Atomics.load(this.cells, ENDED) !== 0 && Atomics.load(this.cells, COUNT) === 0
  }

  get unreadable(): boolean {
    return Atomics.load(this.cells, UNREADABLE) !== 0
  }

  markUnreadable(): void {
    guarded(() => Atomics.store(this.cells, UNREADABLE, 1))
  }

  get size(): number {
    return Atomics.load(this.cells, COUNT)
  }

  get full(): boolean {
    return this.size >= this.maxsize
  }

  /**
   * Runs `change` under the internal lock, unless this thread was terminated (then `Revoked`; a
   * terminated thread still passes on an item it holds, but takes none: `taking`).
   */
  private locked<A>(change: () => A, taking = false): A {
    return exclusive(this.cells, MUTEX, () => {
      this.sync()
      return change()
    }, taking)
  }

  /** Sees the whole buffer, as another isolate (or this one) may have grown it. */
  private sync(): void {
    const length = this.buffer.byteLength
    if (this.bytes.length === length) return
    this.bytes = new Uint8Array(this.buffer, 0, length)
  }

  private bump(index: number): void {
    Atomics.add(this.cells, index, 1)
    Atomics.notify(this.cells, index)
  }

  /**
   * Makes room for `need` more bytes: compacts the items to the front, growing the buffer first when
   * they would fill more than half of it. `false` when the buffer cannot grow that far.
   */
  private room(need: number, atFront: boolean): boolean {
    const c = this.cells
    const head = c[HEAD]!
    const tail = c[TAIL]!
    let capacity = this.buffer.byteLength - DATA
    if (atFront ? need <= head : tail + need <= capacity) return true
    const live = tail - head
    if (live + need > capacity / 2) {
      if (live + need > maxQueueBytes) return false
      capacity = Math.min(maxQueueBytes, Math.max(capacity * 2, (live + need) * 2))
      this.buffer.grow(DATA + capacity)
      this.sync()
    }
    const to = atFront ? need : 0
    this.bytes.copyWithin(DATA + to, DATA + head, DATA + tail)
    c[HEAD] = to
    c[TAIL] = to + live
    return true
  }

  private write(at: number, item: Item): void {
    const bytes = this.bytes
    const from = item.bytes
    writeFrameHeader(bytes, DATA + at, from.length, item.tag)
    if (from.length > 16) bytes.set(from, DATA + at + FRAME_HEADER)
    else for (let i = 0, to = DATA + at + FRAME_HEADER; i < from.length; i++) bytes[to + i] = from[i]!
  }

  /**
   * Takes up to `max` first items, copied out by `out` (given this isolate's view of the memory, where
   * the first begins and where each ends); `undefined` when there is none or the queue is closed.
   */
  private tryTakeUpTo<A>(max: number, out: (bytes: Uint8Array, start: number, ends: Array<number>) => A): A | undefined {
    return this.locked(() => {
      const c = this.cells
      if (c[CLOSED] !== 0) return undefined
      const n = Math.min(max, c[COUNT]!)
      if (n === 0) return undefined
      const bytes = this.bytes
      const head = c[HEAD]!
      const ends = new Array<number>(n)
      for (let i = 0, at = DATA + head; i < n; i++) at = ends[i] = at + FRAME_HEADER + frameLength(bytes, at)
      const taken = out(bytes, DATA + head, ends)
      if (Atomics.sub(c, COUNT, n) === n) c[HEAD] = c[TAIL] = 0
      else c[HEAD] = ends[n - 1]! - DATA
      this.bump(GETS)
      holdUntilIdle()
      return taken
    }, true)
  }

  /** Takes the first item (its bytes copied out). */
  private tryTake(): Item | undefined {
    return this.tryTakeUpTo(1, (bytes, start, ends) => ({
      tag: bytes[start + 4]!,
      bytes: bytes.slice(start + FRAME_HEADER, ends[0])
    }))
  }

  /** Takes up to `max` first items (copied out at once). */
  private tryTakeFrames(max: number): Frames | undefined {
    return this.tryTakeUpTo(max, (bytes, start, ends) => ({
      bytes: bytes.slice(start, ends[ends.length - 1]),
      ends: ends.map((end) => end - start)
    }))
  }

  /** Watches for an item for a moment before waiting (`shared.spin`): a producer in another thread is often that close. */
  private spinTake(): Item | undefined {
    return spin(this.cells, VIEWS, () => {
      if (Atomics.load(this.cells, CLOSED) !== 0) return null
      return Atomics.load(this.cells, COUNT) > 0 ? this.tryTake() : undefined
    }) ?? undefined
  }

  /**
   * Puts in at the end as many of the `wanted` next items as there is room for now (in count and
   * memory; `bytesOf(k)`: the bytes of the first `k` framed), written by `write(at, k)`: how many
   * went in, or `"closed"`/`"ended"`.
   */
  private tryAppend(
    wanted: number,
    bytesOf: (k: number) => number,
    write: (at: number, k: number) => void
  ): number | "closed" | "ended" {
    return this.locked(() => {
      const c = this.cells
      if (c[CLOSED] !== 0) return "closed"
      if (c[ENDED] !== 0) return "ended"
      let k = Math.min(wanted, this.maxsize - c[COUNT]!)
      while (k > 0 && !this.room(bytesOf(k), false)) k >>= 1
      if (k <= 0) return 0
      write(c[TAIL]!, k)
      c[TAIL] = c[TAIL]! + bytesOf(k)
      Atomics.add(c, COUNT, k)
      Atomics.add(c, UNFINISHED, k)
      this.bump(PUTS)
      return k
    })
  }

  private tryPut(item: Item): number | "closed" | "ended" {
    return this.tryAppend(1, () => FRAME_HEADER + item.bytes.length, (at) => this.write(at, item))
  }

  /** Puts in the items of `frames` from `from` on that there is room for now (see `tryAppend`). */
  private tryPutFrames(frames: Frames, from: number): number | "closed" | "ended" {
    const { bytes, ends } = frames
    const start = from === 0 ? 0 : ends[from - 1]!
    return this.tryAppend(
      ends.length - from,
      (k) => ends[from + k - 1]! - start,
      (at, k) => this.bytes.set(bytes.subarray(start, ends[from + k - 1]), DATA + at)
    )
  }

  /** Puts an item back at the front (a getter that gave up after taking it); nothing once closed. */
  unget(item: Item): void {
    this.locked(() => {
      const c = this.cells
      if (c[CLOSED] !== 0) return
      if (!this.room(FRAME_HEADER + item.bytes.length, true)) throw new Error("a queue's memory cannot hold an item given back")
      const at = c[HEAD]! - FRAME_HEADER - item.bytes.length
      this.write(at, item)
      c[HEAD] = at
      Atomics.add(c, COUNT, 1)
      this.bump(PUTS)
    })
    this.takerWatch.run()
  }

  /** Takes the first item; waits for one (at most `ms` ≥ 0) unless `block` is false. */
  get(block: boolean, ms: number): Effect.Effect<unknown, QueueEmpty | Closed | Ended> {
    return Effect.map(this.take(block, ms), decodeItem)
  }

  /**
   * Takes the first item as `get` does, then (unless other getters of this isolate wait) the items
   * after it that are there, up to `max` in all.
   */
  getUpTo(max: number, block: boolean, ms: number): Effect.Effect<Array<unknown>, QueueEmpty | Closed | Ended> {
    return Effect.map(this.take(block, ms), (first) => {
      let rest: Frames | undefined
      if (max > 1 && this.takers.size === 0) {
        try {
          rest = this.tryTakeFrames(max - 1)
        } catch (e) {
          // this thread is being terminated: it passes on what it holds and takes no more
          if (!(e instanceof Revoked)) throw e
        }
        if (rest !== undefined) this.putterWatch.run()
      }
      const values = rest === undefined ? [] : decodeFrames(rest)
      values.unshift(decodeItem(first))
      return values
    })
  }

  /** Takes the first item; waits for it (at most `ms` ≥ 0) unless `block` is false. */
  take(block: boolean, ms: number): Effect.Effect<Item, QueueEmpty | Closed | Ended> {
    return Effect.suspend(() => {
      if (this.takers.size === 0) {
        const item = this.tryTake() ?? (block && ms !== 0 ? this.spinTake() : undefined)
        if (item !== undefined) {
          this.putterWatch.run()
          return Effect.succeed(item)
        }
      }
      if (this.closed) return Effect.fail(this.errors.closed())
      if (this.drained) return Effect.fail(this.errors.ended())
      if (!block || ms === 0) return Effect.fail(new QueueEmpty())
      const waiter = this.takers.add()
      this.takerWatch.run()
      return Effect.flatMap(
        this.takers.await(waiter, ms, (item) => this.unget(item)),
        Option.match({ onNone: () => Effect.fail(new QueueEmpty()), onSome: Effect.succeed })
      )
    })
  }

  /**
   * Whether an item, or the end, is there (without taking it); waits for one at most `ms` (< 0: for
   * ever, 0: answers at once).
   */
  poll(ms: number): Effect.Effect<boolean, Closed> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(this.errors.closed())
      if (this.size > 0 || Atomics.load(this.cells, ENDED) !== 0) return Effect.succeed(true)
      if (ms === 0) return Effect.succeed(false)
      const waiter = this.pollers.add()
      this.takerWatch.run()
      return Effect.map(this.pollers.await(waiter, ms), Option.getOrElse(() => false))
    })
  }

  /**
   * Puts `item` (copying its bytes in); waits for room in a full bounded queue (at most `ms` ≥ 0)
   * unless `block` is false.
   */
  put(item: Item, block: boolean, ms: number): Effect.Effect<void, QueueFull | Closed | Ended> {
    return Effect.suspend(() => {
      if (this.putters.size === 0) {
        const outcome = this.tryPut(item)
        if (outcome === 1) {
          this.takerWatch.run()
          return Effect.void
        }
        if (outcome === "closed") return Effect.fail(this.errors.closed())
        if (outcome === "ended") return Effect.fail(this.errors.ended())
      } else if (this.closed) {
        return Effect.fail(this.errors.closed())
      }
      if (!block || ms === 0) return Effect.fail(new QueueFull())
      return Effect.flatMap(
        this.awaitRoom(item, ms),
        Option.match({ onNone: () => Effect.fail(new QueueFull()), onSome: () => Effect.void })
      )
    })
  }

  /**
   * Puts every item, in order, each as soon as there is room for it (after the putters of this
   * isolate that came first). Interrupted, it leaves the items put so far in the queue.
   */
  putAll(frames: Frames): Effect.Effect<void, Closed | Ended> {
    const from = (i: number): Effect.Effect<void, Closed | Ended> =>
      Effect.suspend(() => {
        if (this.putters.size === 0) {
          const outcome = this.tryPutFrames(frames, i)
          if (outcome === "closed") return Effect.fail(this.errors.closed())
          if (outcome === "ended") return Effect.fail(this.errors.ended())
          if (outcome > 0) this.takerWatch.run()
          i += outcome
          if (i === frames.ends.length) return Effect.void
        } else if (this.closed) {
          return Effect.fail(this.errors.closed())
        }
        return Effect.flatMap(this.awaitRoom(frameItem(frames, i), -1), () => from(i + 1))
      })
    return frames.ends.length === 0 ? Effect.void : from(0)
  }

  /** Waits (at most `ms`) behind this isolate's other putters until `item` is in; `None` at the timeout. */
  private awaitRoom(item: Item, ms: number): Effect.Effect<Option.Option<void>, Closed | Ended> {
    // kept as they are now (a `Uint8Array` item is the caller's own array)
    const waiter = this.putters.add({ tag: item.tag, bytes: item.bytes.slice() })
    this.putterWatch.run()
    return this.putters.await(waiter, ms)
  }

  taskDone(): Effect.Effect<void, ValueError> {
    return Effect.suspend(() => {
      const done = guarded(() => {
        for (;;) {
          const unfinished = Atomics.load(this.cells, UNFINISHED)
          if (unfinished <= 0) return false
          if (Atomics.compareExchange(this.cells, UNFINISHED, unfinished, unfinished - 1) !== unfinished) continue
          if (unfinished === 1) this.bump(JOINS)
          return true
        }
      })
      if (!done) return Effect.fail(new ValueError({ message: "task_done() called too many times" }))
      this.joinerWatch.run()
      return Effect.void
    })
  }

  /** Waits until every item put got its `taskDone`. */
  join(): Effect.Effect<void, Closed> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(this.errors.closed())
      if (Atomics.load(this.cells, UNFINISHED) === 0) return Effect.void
      const waiter = this.joiners.add()
      this.joinerWatch.run()
      return Effect.asVoid(this.joiners.await(waiter, -1))
    })
  }

  /** Serves the getters (and pollers) waiting here, while there are items; the rest wait on. */
  private serveTakers(): boolean {
    if (this.closed) {
      this.takers.settleAll(Exit.fail(this.errors.closed()))
      this.pollers.settleAll(Exit.fail(this.errors.closed()))
    }
    for (let first = this.takers.first(); first !== undefined; first = this.takers.first()) {
      const item = this.tryTake()
      if (item === undefined) break
      this.takers.settle(first, Exit.succeed(item))
      this.putterWatch.run()
    }
    if (this.drained) this.takers.settleAll(Exit.fail(this.errors.ended()))
    if (this.size > 0 || Atomics.load(this.cells, ENDED) !== 0) this.pollers.settleAll(Exit.succeed(true))
    return this.takers.size + this.pollers.size > 0
  }

  private servePutters(): boolean {
    if (this.closed) this.putters.settleAll(Exit.fail(this.errors.closed()))
    for (let first = this.putters.first(); first !== undefined; first = this.putters.first()) {
      const outcome = this.tryPut(first.data)
      if (outcome === "ended") this.putters.settleAll(Exit.fail(this.errors.ended()))
      if (outcome !== 1) break
      this.putters.settle(first, Exit.void)
      this.takerWatch.run()
    }
    return this.putters.size > 0
  }

  private serveJoiners(): boolean {
    if (this.closed) this.joiners.settleAll(Exit.fail(this.errors.closed()))
    else if (Atomics.load(this.cells, UNFINISHED) === 0) this.joiners.settleAll(Exit.void)
    return this.joiners.size > 0
  }

  /** The owner's scope (or node) ended: every waiter, in every isolate, fails; later calls too. */
  close(): void {
    this.finish(CLOSED)
  }

  /** Nothing more will be put: getters, here and in every isolate, drain what is left, then fail. */
  end(): void {
    this.finish(ENDED)
  }

  private finish(state: typeof CLOSED | typeof ENDED): void {
    if (Atomics.exchange(this.cells, state, 1) === 0) for (const index of [PUTS, GETS, JOINS]) this.bump(index)
    this.takerWatch.run()
    this.putterWatch.run()
    this.joinerWatch.run()
  }
}
