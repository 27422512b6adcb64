/**
 * What every synchronization primitive's owner shares: Python's blocking options on the wire, and a
 * FIFO of waiters whose turn comes as an `Exit`. A waiter that times out or is interrupted leaves the
 * queue; one that was served just as it gave up keeps what it got (a timeout) or gives it back (an
 * interruption), so that no permit or notification is ever lost in the race.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"

/** Python's `acquire(block, timeout)` / `wait(timeout)` options. */
export interface BlockingOptions {
  /** Default `true`: wait. `false`: answer at once (the timeout is ignored, as in Python). */
  readonly block?: boolean
  /** How long to wait (a number is milliseconds); then give up. Default: forever. */
  readonly timeout?: Duration.DurationInput
}

/**
 * A timeout on the wire: milliseconds, or -1 for none. A negative timeout counts as 0, as in
 * CPython's `SemLock`.
 */
export const wireTimeout = (timeout: Duration.DurationInput | undefined): number => {
  if (timeout === undefined) return -1
  const ms = Duration.toMillis(Duration.decode(timeout))
  return ms === Infinity ? -1 : ms > 0 ? ms : 0
}

/** How long a call may wait, in wire milliseconds: 0 when it must not block, -1 for ever. */
export const wireWait = (options: BlockingOptions | undefined): number =>
  options?.block === false ? 0 : wireTimeout(options?.timeout)

export class Waiter<A, E, D> {
  exit: Exit.Exit<A, E> | undefined = undefined
  readonly deferred: Deferred.Deferred<A, E> = Deferred.unsafeMake<A, E>(FiberId.none)
  readonly data: D
  constructor(data: D) {
    this.data = data
  }
}

/** Waiters served first come, first served. `D` is what the owner needs to know about each. */
export class WaitQueue<A, E, D = void> {
  private waiters = new Set<Waiter<A, E, D>>()

  get size(): number {
    return this.waiters.size
  }

  add(data: D): Waiter<A, E, D> {
    const waiter = new Waiter<A, E, D>(data)
    this.waiters.add(waiter)
    return waiter
  }

  first(): Waiter<A, E, D> | undefined {
    return this.waiters.values().next().value
  }

  values(): ReadonlyArray<Waiter<A, E, D>> {
    return [...this.waiters]
  }

  /** Takes a waiter out of the queue; `false` when it was no longer in it (served, or gone). */
  remove(waiter: Waiter<A, E, D>): boolean {
    return this.waiters.delete(waiter)
  }

  /** Serves a waiter still in the queue: its `await` completes with `exit`. */
  settle(waiter: Waiter<A, E, D>, exit: Exit.Exit<A, E>): void {
    if (!this.waiters.delete(waiter)) return
    waiter.exit = exit
    Deferred.unsafeDone(waiter.deferred, exit)
  }

  settleAll(exit: Exit.Exit<A, E>): void {
    for (const waiter of this.values()) this.settle(waiter, exit)
  }

  /**
   * Waits for `waiter`'s turn: `Some` with what it was given, `None` when `ms` (≥ 0) passed first.
   * A waiter served in the same instant as its timeout keeps what it got; one interrupted after being
   * served hands it to `giveBack`.
   */
  await(waiter: Waiter<A, E, D>, ms: number, giveBack?: (a: A) => void): Effect.Effect<Option.Option<A>, E> {
    const served = Effect.suspend(() => Effect.asSome(waiter.exit ?? Deferred.await(waiter.deferred)))
    const timed = ms < 0 ? served : Effect.flatMap(Effect.timeoutOption(served, Duration.millis(ms)), (outcome) =>
      Option.isSome(outcome) || this.remove(waiter) ? Effect.succeed(Option.flatten(outcome)) : Effect.asSome(waiter.exit!))
    return Effect.onInterrupt(timed, () =>
      Effect.sync(() => {
        if (!this.remove(waiter) && waiter.exit !== undefined && Exit.isSuccess(waiter.exit)) giveBack?.(waiter.exit.value)
      }))
  }
}
