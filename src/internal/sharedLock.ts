/**
 * Lock and RLock in shared memory: five 32-bit cells of a `SharedArrayBuffer` hold the whole state,
 * so that every isolate of the owner's OS process (its threads) takes and frees the lock with
 * `Atomics` alone, while children in other OS processes call the owner, which runs the same code on
 * the same cells for them.
 *
 * - `STATE`: 0 when free; else the holder's slot (a number per holder, given out by the owner); bit 30
 *   (`RECOVERED`) marks a lock freed because its holder ended (when free), then taken that way (when
 *   held): the next holder is told, like a robust POSIX mutex's `EOWNERDEAD`.
 * - `COUNT`: the recursion level (an RLock's; 1 for a Lock).
 * - `CALLER`: a hash of the fiber that took it (an RLock's owner; a Condition's "is it mine?").
 * - `WAITERS`: isolates waiting for a change of `STATE` (a release notifies them only when there are).
 * - `CLOSED`: the owner's scope ended, or its node did.
 *
 * Every change of `STATE` is one compare-and-swap, so a thread that is terminated at any instant never
 * leaves the cells half-written; the owner gives back a lock whose holder's node ended. Within an
 * isolate, waiters are served in arrival order; between isolates, whoever swaps first wins (as with
 * Python's `SemLock`).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ResourceClosed, ValueError } from "../Errors.ts"
import { Holders } from "./holder.ts"
import type { Handle } from "./protocol/handle.ts"
import { tooManyReleases } from "./semaphore.ts"
import type { Caller } from "./router.ts"
import { type Attached, attachReply, callerHash, countView, openView, serveShared, spin, waitAsync } from "./shared.ts"
import { guarded } from "./guard.ts"
import { WaitQueue } from "./waiting.ts"

export type LockKind = "Lock" | "RLock"

const STATE = 0
const COUNT = 1
const CALLER = 2
const WAITERS = 3
const CLOSED = 4
/** The isolates with a view of this lock (`countView`). */
const VIEWS = 5
const CELLS = 6

const RECOVERED = 1 << 30
const SLOT = RECOVERED - 1

const unacquired = "cannot release un-acquired lock"

/** Who takes the lock: its holder's slot and its fiber's hash. */
export interface Taker {
  readonly slot: number
  readonly hash: number
}

/** How a grant travels back to a remote caller, to be given back if it arrives too late. */
const tokenOf = (taker: Taker): string => `${taker.slot}:${taker.hash}`
const takerOf = (token: string): Taker => {
  const [slot, hash] = token.split(":")
  return { slot: Number(slot), hash: Number(hash) }
}

/** Sync retries of a wait that found the state already changed, before yielding to the event loop. */
const spins = 64

/** The lock as one isolate works on it: the shared cells and this isolate's waiters. */
export class SharedLock {
  private readonly waiters = new WaitQueue<string, ResourceClosed, Taker>()
  private armed = false
  readonly cells: Int32Array
  readonly kind: LockKind
  constructor(cells: Int32Array, kind: LockKind) {
    this.cells = cells
    this.kind = kind
    countView(cells, VIEWS)
  }

  get closed(): boolean {
    return Atomics.load(this.cells, CLOSED) !== 0
  }

  private closedError(): ResourceClosed {
    return new ResourceClosed({ message: `${this.kind} is closed` })
  }

  /** Whether `taker` holds the lock: its holder's slot and (the same fiber) its hash. */
  owns(taker: Taker): boolean {
    return (Atomics.load(this.cells, STATE) & SLOT) === taker.slot && Atomics.load(this.cells, CALLER) === taker.hash
  }

  /** Takes the lock if it is free (or re-enters an RLock), without waiting. */
  private tryTake(taker: Taker): boolean {
    return guarded(() => {
      const c = this.cells
      if (this.kind === "RLock" && this.owns(taker)) {
        Atomics.add(c, COUNT, 1)
        return true
      }
      const state = Atomics.load(c, STATE)
      if ((state & SLOT) !== 0 || Atomics.compareExchange(c, STATE, state, taker.slot | state) !== state) return false
      Atomics.store(c, COUNT, 1)
      Atomics.store(c, CALLER, taker.hash)
      return true
    })
  }

  /** Takes the lock at once if it can, as `acquire` would (after this isolate's earlier waiters). */
  tryAcquire(taker: Taker): boolean {
    return !this.closed && (this.waiters.size === 0 || (this.kind === "RLock" && this.owns(taker))) && this.tryTake(taker)
  }

  /** `true` once taken, `false` when `ms` (0: do not wait; -1: for ever) passes first. */
  acquire(taker: Taker, ms: number): Effect.Effect<boolean, ResourceClosed> {
    return Effect.map(this.acquireToken(taker, ms), (token) => token !== false)
  }

  /** `acquire` for a remote caller: the grant as a token that `undo` takes back. */
  acquireToken(taker: Taker, ms: number): Effect.Effect<string | false, ResourceClosed> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(this.closedError())
      if (this.tryAcquire(taker) || (ms !== 0 && this.spin(taker))) return Effect.succeed(tokenOf(taker))
      if (ms === 0) return Effect.succeed(false as const)
      const waiter = this.waiters.add(taker)
      this.arm()
      return Effect.map(
        this.waiters.await(waiter, ms, (token) => this.undo(token)),
        Option.getOrElse(() => false as const)
      )
    })
  }

  /**
   * Watches the lock for a moment before waiting (`shared.spin`): a holder in another thread often
   * frees it within microseconds. Not when this isolate's own process holds it (it cannot free it
   * while this runs) or others here wait first.
   */
  private spin(taker: Taker): boolean {
    if (this.waiters.size > 0) return false
    return spin(this.cells, VIEWS, () => {
      const state = Atomics.load(this.cells, STATE)
      if ((state & SLOT) === taker.slot) return false
      return (state & SLOT) === 0 && this.tryTake(taker) ? true : undefined
    }) ?? false
  }

  /** Serves this isolate's waiters, first come first served, while the lock can be taken. */
  private serve(): void {
    this.settle()
    if (this.waiters.size > 0) this.arm()
  }

  private settle(): void {
    for (let waiter = this.waiters.first(); waiter !== undefined; waiter = this.waiters.first()) {
      if (this.closed) return this.waiters.settleAll(Exit.fail(this.closedError()))
      if (!this.tryTake(waiter.data)) return
      this.waiters.settle(waiter, Exit.succeed(tokenOf(waiter.data)))
    }
  }

  /** Waits (without blocking the event loop) for the state to change while there are waiters. */
  private arm(): void {
    if (this.armed) return
    this.armed = true
    const c = this.cells
    for (let i = 0; i < spins; i++) {
      Atomics.add(c, WAITERS, 1)
      const state = Atomics.load(c, STATE)
      const result = (state & SLOT) === 0 || this.closed ? undefined : waitAsync(c, STATE, state)
      if (result !== undefined && result.async) {
        result.value.then(() => this.wake())
        return
      }
      Atomics.sub(c, WAITERS, 1)
      this.settle()
      if (this.waiters.size === 0) {
        this.armed = false
        return
      }
    }
    // the state keeps changing under us: let the event loop run before looking again
    setTimeout(() => {
      this.armed = false
      this.serve()
    }, 0)
  }

  private wake(): void {
    Atomics.sub(this.cells, WAITERS, 1)
    this.armed = false
    this.serve()
  }

  /** Tells the waiting isolates (this one included) that the state changed. */
  private changed(): void {
    if (Atomics.load(this.cells, WAITERS) > 0) Atomics.notify(this.cells, STATE)
    this.serve()
  }

  /** Sets `STATE` from `held` to `next` (free), clearing who held it first. */
  private free(held: number, next: number): boolean {
    const c = this.cells
    const freed = guarded(() => {
      const caller = Atomics.load(c, CALLER)
      Atomics.store(c, CALLER, 0)
      if (Atomics.compareExchange(c, STATE, held, next) === held) return true
      // unless a new holder has written its own meanwhile
      Atomics.compareExchange(c, CALLER, 0, caller)
      return false
    })
    if (freed) this.changed()
    return freed
  }

  /**
   * One release by `taker`: a Lock is freed whoever holds it (it has no owner); an RLock loses one
   * level of its owner's hold. `undo` gives back a grant its caller never got: a lock taken from a
   * holder that ended stays marked so.
   */
  release(taker: Taker, undo = false): ValueError | undefined {
    for (;;) {
      const state = Atomics.load(this.cells, STATE)
      if (this.kind === "RLock" || undo) {
        if (!this.owns(taker)) return new ValueError({ message: this.kind === "RLock" ? unacquired : tooManyReleases })
        if (Atomics.load(this.cells, COUNT) > 1) {
          guarded(() => Atomics.sub(this.cells, COUNT, 1))
          return undefined
        }
      } else if ((state & SLOT) === 0) {
        return new ValueError({ message: tooManyReleases })
      }
      if (this.free(state, undo ? state & RECOVERED : 0)) return undefined
    }
  }

  /** Gives back a grant that reached nobody (a remote `acquire` interrupted after the owner granted it). */
  undo(token: string): void {
    this.release(takerOf(token), true)
  }

  /** Whether `taker` holds a lock whose previous holder ended holding it. */
  recovered(taker: Taker): boolean {
    const state = Atomics.load(this.cells, STATE)
    return (state & RECOVERED) !== 0 && (state & SLOT) === taker.slot &&
      (this.kind === "Lock" || Atomics.load(this.cells, CALLER) === taker.hash)
  }

  /** The holder in `slot` ended: its lock is freed (every level) and marked recovered. */
  abandon(slot: number): void {
    for (;;) {
      const state = Atomics.load(this.cells, STATE)
      if ((state & SLOT) !== slot || this.free(state, RECOVERED)) return
    }
  }

  /** Condition's wait: frees every level of the caller's hold and tells how many there were. */
  releaseSave(taker: Taker): Effect.Effect<number, ValueError> {
    return Effect.suspend(() => {
      const state = Atomics.load(this.cells, STATE)
      if (!this.owns(taker)) return Effect.fail(new ValueError({ message: "cannot wait on un-acquired lock" }))
      const levels = Atomics.load(this.cells, COUNT)
      return this.free(state, 0) ? Effect.succeed(levels) : Effect.fail(new ValueError({ message: "cannot wait on un-acquired lock" }))
    })
  }

  /** Condition's wake-up: takes the lock back at the level it had. */
  acquireRestore(taker: Taker, levels: number): Effect.Effect<void, ResourceClosed> {
    return Effect.map(this.acquire(taker, -1), () => {
      guarded(() => Atomics.store(this.cells, COUNT, levels))
    })
  }

  getValue(): number {
    return (Atomics.load(this.cells, STATE) & SLOT) === 0 ? 1 : 0
  }

  /** The owner's scope, or its node, ended: every waiter anywhere fails. */
  close(): void {
    Atomics.store(this.cells, CLOSED, 1)
    Atomics.notify(this.cells, STATE)
    this.waiters.settleAll(Exit.fail(this.closedError()))
  }
}

/** This isolate's view of the lock `handle` names, from its attached memory; `undefined` once closed. */
export const local = (handle: Handle<unknown>, attached: Attached): SharedLock | undefined =>
  openView(handle, attached, (buffer) => new SharedLock(new Int32Array(buffer), handle.kind as LockKind))

/** A Lock or RLock owned by this node for the life of the scope. */
export const make = (kind: LockKind): Effect.Effect<Handle<{}>, never, Scope.Scope> =>
  Effect.suspend(() => {
    const buffer = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT)
    const lock = new SharedLock(new Int32Array(buffer), kind)
    const holders = new Holders()
    const slotOf = (key: string, caller: Caller): number => holders.slotOf(key, caller.node)
    const taker = (key: string, caller: Caller): Taker => ({ slot: slotOf(key, caller), hash: callerHash(caller.id) })
    const failing = (error: ValueError | undefined) => error === undefined ? Effect.void : Effect.fail(error)
    return serveShared({
      kind,
      operations: {
        attach: ([key, pid]: [string, number], caller) => Effect.sync(() => attachReply(buffer, slotOf(key, caller), pid)),
        acquire: ([ms, key]: [number, string], caller) => lock.acquireToken(taker(key, caller), ms),
        undoAcquire: ([token]: [string | false]) => Effect.sync(() => typeof token === "string" && lock.undo(token)),
        release: ([key]: [string], caller) => Effect.suspend(() => failing(lock.release(taker(key, caller)))),
        getValue: () => Effect.sync(() => lock.getValue()),
        recovered: ([key]: [string], caller) => Effect.sync(() => lock.recovered(taker(key, caller))),
        abandon: ([key]: [string], caller) => Effect.sync(() => lock.abandon(slotOf(key, caller))),
        // Condition support
        isOwned: ([key]: [string?], caller) => Effect.sync(() => lock.owns(taker(key ?? "", caller))),
        releaseSave: ([key]: [string], caller) => lock.releaseSave(taker(key, caller)),
        acquireRestore: ([levels, key]: [number, string], caller) => lock.acquireRestore(taker(key, caller), levels)
      },
      nodeGone: (node) => {
        for (const slot of holders.under(node)) lock.abandon(slot)
      }
    }, {}, buffer, lock)
  })
