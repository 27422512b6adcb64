/**
 * The owner-side core of every pipe end: a FIFO with an optional bound, waiting getters and
 * putters served first come first served, and `unget` to put an item back at the front. An interrupted
 * getter that had already been handed an item gives it back, so an interruption never loses an item.
 *
 * Not `effect/Queue`: that one cannot put an item back at the front, which is what makes a cancelled
 * remote `get` lossless.
 *
 * Timeouts are decided here, in one synchronous step: a waiter still queued when its time is up is
 * removed and fails; one already served keeps what it got. (`Effect.timeout` around the wait could
 * drop an item handed over just as the timer fired.)
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

interface Putter<A> {
  readonly item: A
  readonly done: Deferred.Deferred<void, unknown>
}

export class Fifo<A> {
  private items: Array<A> = []
  private head = 0
  private readonly takers: Array<Deferred.Deferred<A, unknown>> = []
  private readonly putters: Array<Putter<A>> = []
  private failure: unknown = undefined
  readonly maxsize: number

  constructor(maxsize: number) {
    this.maxsize = maxsize > 0 ? maxsize : Infinity
  }

  get size(): number {
    return this.items.length - this.head
  }

  get closed(): boolean {
    return this.failure !== undefined
  }

  get full(): boolean {
    return this.size >= this.maxsize
  }

  private shift(): A {
    const item = this.items[this.head]!
    this.items[this.head++] = undefined as A
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  /** Moves waiting putters' items in while there is room. */
  private admit(): void {
    while (this.putters.length > 0 && this.size < this.maxsize) {
      const putter = this.putters.shift()!
      this.items.push(putter.item)
      Deferred.unsafeDone(putter.done, Exit.void)
    }
  }

  /** Hands an item to the first waiting getter, or stores it. */
  private deliver(item: A): void {
    const taker = this.takers.shift()
    if (taker !== undefined) Deferred.unsafeDone(taker, Exit.succeed(item))
    else this.items.push(item)
  }

  /**
   * Puts an item; with `block` false a full FIFO fails with `onFull` at once, else it waits for room,
   * at most `ms` milliseconds when `ms` ≥ 0 (then `onFull`).
   */
  put<E>(item: A, block: boolean, onFull: () => E, ms = -1): Effect.Effect<void, E | unknown> {
    return Effect.suspend(() => {
      if (this.failure !== undefined) return Effect.fail(this.failure)
      if (this.takers.length > 0 || this.size < this.maxsize) {
        this.deliver(item)
        return Effect.void
      }
      if (!block) return Effect.fail(onFull())
      const done = Deferred.unsafeMake<void, unknown>(FiberId.none)
      const putter = { item, done }
      this.putters.push(putter)
      const expire = () => {
        if (remove(this.putters, putter)) Deferred.unsafeDone(done, Exit.fail(onFull()))
      }
      return Effect.onInterrupt(awaitWithin(done, ms, expire), () =>
        Effect.sync(() => {
          remove(this.putters, putter)
        }))
    })
  }

  /**
   * Takes the first item; with `block` false an empty FIFO fails with `onEmpty` at once, else it waits
   * for one, at most `ms` milliseconds when `ms` ≥ 0 (then `onEmpty`).
   */
  take<E>(block: boolean, onEmpty: () => E, ms = -1): Effect.Effect<A, E | unknown> {
    return Effect.suspend(() => {
      if (this.size > 0) {
        const item = this.shift()
        this.admit()
        return Effect.succeed(item)
      }
      if (this.failure !== undefined) return Effect.fail(this.failure)
      if (!block) return Effect.fail(onEmpty())
      const taker = Deferred.unsafeMake<A, unknown>(FiberId.none)
      this.takers.push(taker)
      const expire = () => {
        if (remove(this.takers, taker)) Deferred.unsafeDone(taker, Exit.fail(onEmpty()))
      }
      return Effect.onInterrupt(awaitWithin(taker, ms, expire), () =>
        Effect.flatMap(Deferred.poll(taker), (polled) => {
          if (polled._tag === "None") {
            remove(this.takers, taker)
            return Effect.void
          }
          // Handed an item just as we were interrupted: it goes back to the front.
          return Effect.ignore(Effect.flatMap(polled.value, (item) => Effect.sync(() => this.unget(item))))
        }))
    })
  }

  /** Puts an item back at the front (a taker that gave up after being served). */
  unget(item: A): void {
    if (this.takers.length > 0) return this.deliver(item)
    if (this.head > 0) this.items[--this.head] = item
    else this.items.unshift(item)
  }

  /**
   * Ends the FIFO: waiting getters and putters fail with `error`, later puts too. Items already in
   * stay readable (a pipe's reader drains them before seeing EOF) unless `drop` is set.
   */
  close(error: unknown, drop = false): void {
    if (this.failure !== undefined) return
    this.failure = error
    if (drop) {
      this.items = []
      this.head = 0
    }
    for (const taker of this.takers.splice(0)) Deferred.unsafeDone(taker, Exit.fail(error))
    for (const putter of this.putters.splice(0)) Deferred.unsafeDone(putter.done, Exit.fail(error))
  }
}

const remove = <A>(waiters: Array<A>, waiter: A): boolean => {
  const i = waiters.indexOf(waiter)
  if (i < 0) return false
  waiters.splice(i, 1)
  return true
}

/** Awaits `deferred`; when `ms` ≥ 0, `expire` runs after `ms` unless it was completed first. */
const awaitWithin = <A>(deferred: Deferred.Deferred<A, unknown>, ms: number, expire: () => void) =>
  ms < 0
    ? Deferred.await(deferred)
    : Effect.flatMap(
      Effect.fork(Effect.delay(Effect.sync(expire), Duration.millis(ms))),
      (timer) => Effect.ensuring(Deferred.await(deferred), Fiber.interrupt(timer))
    )
