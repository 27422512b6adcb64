/**
 * Semaphore and BoundedSemaphore in shared memory (a Lock is in `sharedLock.ts`): a counter of
 * permits and a ledger of which process holds which permits, so that the permits of a process that
 * ends are given back. The state is a growable `SharedArrayBuffer`: every isolate of the owner's OS
 * process (its threads) takes and gives permits directly, under a short lock of its own
 * (`shared.exclusive`), while children in other OS processes call the owner, which runs the same
 * code on the same memory for them.
 *
 * The ledger: a permit taken from the semaphore's supply (its initial value, or a permit given back)
 * is a debt of the process that took it, paid by its next `release` (or, when it holds none, by the
 * release of another process, the oldest debt first: a Lock has no owner). A release by a process when
 * no debt is open creates a permit (a signal, as with `Semaphore(0)`), and whoever takes it owes
 * nothing. When a process ends, its open debts return to the supply, marked as recovered: the next
 * process to take such a permit is told (`recovered`), like a robust POSIX mutex's `EOWNERDEAD`.
 *
 * Cells: `MUTEX`; `SUPPLY` (free permits of the supply) and `RECOVERED` (how many of them came back
 * from ended processes); `MINTED` (free permits made by releases that paid no debt); `WAKE` (bumped
 * when permits come back: waiters watch it); `CLOSED`; `ORDER` (a counter dating debts); `SLOTS` (how
 * many holders the memory has room for). Then three cells per holder (numbered by the owner, from 1):
 * its open debt, whether a permit of it was recovered, and when the debt was opened.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ResourceClosed, ValueError } from "../Errors.ts"
import { Holders } from "./holder.ts"
import type { Handle } from "./protocol/handle.ts"
import type { Caller } from "./router.ts"
import { type Attached, attachReply, exclusive, openView, serveShared, Watch } from "./shared.ts"
import { WaitQueue } from "./waiting.ts"

export type SemaphoreKind = "Semaphore" | "BoundedSemaphore"

export interface SemaphoreMeta {
  /** The most permits there may be; `null` for an unbounded Semaphore. */
  readonly bound: number | null
  /** The owner's OS process: children in another one call the owner, without asking for its memory. */
  readonly pid: number
}

export const tooManyReleases = "semaphore or lock released too many times"

const MUTEX = 0
const SUPPLY = 1
const RECOVERED = 2
const MINTED = 3
const WAKE = 4
const CLOSED = 5
const ORDER = 6
const SLOTS = 7
const HEAD = 8
/** Per holder: its open debt, whether one of its permits was recovered, when the debt was opened. */
const DEBT = 0
const RECOVERED_DEBT = 1
const OPENED = 2
const PER_SLOT = 3

const initialSlots = 16
const maxSlots = 1 << 20
const cellBytes = Int32Array.BYTES_PER_ELEMENT

/** Who takes a permit: its holder's number (a Lock's taker also has a fiber hash; unused here). */
export interface Taker {
  readonly slot: number
}

/** The semaphore as one isolate works on it: the shared memory and this isolate's waiters. */
export class SharedSemaphore {
  private readonly cells: Int32Array
  private readonly buffer: SharedArrayBuffer & { grow(length: number): void }
  private readonly kind: SemaphoreKind
  private readonly bound: number | null
  private readonly waiters = new WaitQueue<string, ResourceClosed, Taker>()
  private readonly watch: Watch

  /** The memory of a new semaphore with `value` permits. */
  static memory(value: number): SharedArrayBuffer {
    const buffer = new (SharedArrayBuffer as any)((HEAD + initialSlots * PER_SLOT) * cellBytes, {
      maxByteLength: (HEAD + maxSlots * PER_SLOT) * cellBytes
    }) as SharedArrayBuffer
    const cells = new Int32Array(buffer)
    cells[SUPPLY] = value
    cells[SLOTS] = initialSlots
    return buffer
  }

  constructor(buffer: SharedArrayBuffer, kind: SemaphoreKind, bound: number | null) {
    this.buffer = buffer as SharedArrayBuffer & { grow(length: number): void }
    // length-tracking: follows the buffer as the owner grows it for more holders
    this.cells = new Int32Array(buffer)
    this.kind = kind
    this.bound = bound
    this.watch = new Watch(this.cells, WAKE, () => this.serve())
  }

  get closed(): boolean {
    return Atomics.load(this.cells, CLOSED) !== 0
  }

  private closedError(): ResourceClosed {
    return new ResourceClosed({ message: `${this.kind} is closed` })
  }

  /** The owner makes room for the holders it has numbered (before telling any of them its number). */
  fit(slots: number): void {
    const have = Atomics.load(this.cells, SLOTS)
    if (slots <= have) return
    const want = Math.min(maxSlots, Math.max(have * 2, slots))
    exclusive(this.cells, MUTEX, () => {
      this.buffer.grow((HEAD + want * PER_SLOT) * cellBytes)
      this.cells[SLOTS] = want
    })
  }

  private at(slot: number, field: number): number {
    return HEAD + (slot - 1) * PER_SLOT + field
  }

  private free(): number {
    return Atomics.load(this.cells, SUPPLY) + Atomics.load(this.cells, MINTED)
  }

  /** Takes a permit if there is one (the caller holds the internal lock). */
  private take(slot: number): boolean {
    const c = this.cells
    if (c[MINTED]! > 0) {
      c[MINTED]!--
      return true
    }
    if (c[SUPPLY]! <= 0) return false
    c[SUPPLY]!--
    const debt = this.at(slot, DEBT)
    if (c[debt]!++ === 0) c[this.at(slot, OPENED)] = ++c[ORDER]!
    if (c[RECOVERED]! > 0) {
      c[RECOVERED]!--
      c[this.at(slot, RECOVERED_DEBT)] = 1
    }
    return true
  }

  private tryTake(taker: Taker): boolean {
    return exclusive(this.cells, MUTEX, () => this.take(taker.slot), true)
  }

  /** Pays one permit of `slot`'s debt back to the supply (the caller holds the internal lock). */
  private pay(slot: number, recovered: boolean): void {
    const c = this.cells
    c[SUPPLY]!++
    if (recovered && c[this.at(slot, RECOVERED_DEBT)] !== 0) c[RECOVERED]!++
    if (--c[this.at(slot, DEBT)]! === 0) c[this.at(slot, RECOVERED_DEBT)] = c[this.at(slot, OPENED)] = 0
  }

  /** The holder whose open debt is the oldest, or 0. */
  private oldestDebtor(): number {
    const c = this.cells
    let oldest = 0
    for (let slot = 1; slot <= c[SLOTS]!; slot++) {
      if (c[this.at(slot, DEBT)]! > 0 && (oldest === 0 || c[this.at(slot, OPENED)]! < c[this.at(oldest, OPENED)]!)) {
        oldest = slot
      }
    }
    return oldest
  }

  /** A permit comes back: the holder's own debt first, else the oldest open debt, else a new permit. */
  private giveBack(slot: number, undo: boolean): ValueError | undefined {
    const error = exclusive(this.cells, MUTEX, () => {
      const c = this.cells
      if (this.bound !== null && c[SUPPLY]! + c[MINTED]! >= this.bound) return new ValueError({ message: tooManyReleases })
      const debtor = c[this.at(slot, DEBT)]! > 0 ? slot : this.oldestDebtor()
      if (debtor !== 0) this.pay(debtor, undo)
      else c[MINTED]!++
      this.bump()
      return undefined
    })
    this.watch.run()
    return error
  }

  private bump(): void {
    Atomics.add(this.cells, WAKE, 1)
    Atomics.notify(this.cells, WAKE)
  }

  /** Takes a permit at once if it can, as `acquire` would (after this isolate's earlier waiters). */
  tryAcquire(taker: Taker): boolean {
    return !this.closed && this.waiters.size === 0 && this.tryTake(taker)
  }

  /** `true` once taken, `false` when `ms` (0: do not wait; -1: for ever) passes first. */
  acquire(taker: Taker, ms: number): Effect.Effect<boolean, ResourceClosed> {
    return Effect.map(this.acquireToken(taker, ms), (token) => token !== false)
  }

  /** `acquire` for a remote caller: the grant as a token that `undo` takes back. */
  acquireToken(taker: Taker, ms: number): Effect.Effect<string | false, ResourceClosed> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(this.closedError())
      if (this.tryAcquire(taker)) return Effect.succeed(String(taker.slot))
      if (ms === 0) return Effect.succeed(false as const)
      const waiter = this.waiters.add(taker)
      this.watch.run()
      return Effect.map(
        this.waiters.await(waiter, ms, (token) => this.undo(token)),
        Option.getOrElse(() => false as const)
      )
    })
  }

  /** Serves this isolate's waiters, first come first served, while there are permits. */
  private serve(): boolean {
    for (let waiter = this.waiters.first(); waiter !== undefined; waiter = this.waiters.first()) {
      if (this.closed) this.waiters.settleAll(Exit.fail(this.closedError()))
      else if (this.tryTake(waiter.data)) this.waiters.settle(waiter, Exit.succeed(String(waiter.data.slot)))
      else break
    }
    return this.waiters.size > 0
  }

  release(taker: Taker): ValueError | undefined {
    return this.giveBack(taker.slot, false)
  }

  /** Gives back a grant that reached its taker too late (`acquireToken`'s token). */
  undo(token: string): void {
    this.giveBack(Number(token), true)
  }

  /** Whether `taker`'s holder holds a permit that came back from a process that ended. */
  recovered(taker: Taker): boolean {
    const c = this.cells
    return Atomics.load(c, this.at(taker.slot, DEBT)) > 0 && Atomics.load(c, this.at(taker.slot, RECOVERED_DEBT)) !== 0
  }

  /** A holder has ended: its open debts return to the supply, marked as recovered. */
  abandon(slot: number): void {
    exclusive(this.cells, MUTEX, () => {
      const c = this.cells
      const debt = c[this.at(slot, DEBT)]!
      if (debt === 0) return
      c[SUPPLY]! += debt
      c[RECOVERED]! += debt
      c[this.at(slot, DEBT)] = c[this.at(slot, RECOVERED_DEBT)] = c[this.at(slot, OPENED)] = 0
      this.bump()
    })
    this.watch.run()
  }

  getValue(): number {
    return this.free()
  }

  /** The owner's scope, or its node, ended: every waiter anywhere fails. */
  close(): void {
    Atomics.store(this.cells, CLOSED, 1)
    this.bump()
    this.watch.run()
  }
}

/** This isolate's view of the semaphore `handle` names, from its attached memory; `undefined` once closed. */
export const local = (handle: Handle<SemaphoreMeta>, attached: Attached): SharedSemaphore | undefined =>
  openView(handle, attached, (buffer) => new SharedSemaphore(buffer, handle.kind as SemaphoreKind, handle.meta.bound))

export const make = (
  kind: SemaphoreKind,
  value: number,
  bound: number | null
): Effect.Effect<Handle<SemaphoreMeta>, never, Scope.Scope> =>
  Effect.suspend(() => {
    if (!Number.isInteger(value) || value < 0) {
      return Effect.die(new ValueError({ message: "semaphore initial value must be a non-negative integer" }))
    }
    const buffer = SharedSemaphore.memory(value)
    const semaphore = new SharedSemaphore(buffer, kind, bound)
    const holders = new Holders()
    const taker = (key: string, caller: Caller): Taker => {
      const slot = holders.slotOf(key, caller.node)
      semaphore.fit(holders.count)
      return { slot }
    }
    return serveShared({
      kind,
      operations: {
        attach: ([key, pid]: [string, number], caller) =>
          Effect.sync(() => attachReply(buffer, taker(key, caller).slot, pid)),
        acquire: ([ms, key]: [number, string], caller) => semaphore.acquireToken(taker(key, caller), ms),
        undoAcquire: ([token]: [string | false]) => Effect.sync(() => typeof token === "string" && semaphore.undo(token)),
        release: ([key]: [string], caller) =>
          Effect.suspend(() => {
            const error = semaphore.release(taker(key, caller))
            return error === undefined ? Effect.void : Effect.fail(error)
          }),
        getValue: () => Effect.sync(() => semaphore.getValue()),
        recovered: ([key]: [string], caller) => Effect.sync(() => semaphore.recovered(taker(key, caller))),
        abandon: ([key]: [string], caller) => Effect.sync(() => semaphore.abandon(taker(key, caller).slot))
      },
      nodeGone: (node) => {
        for (const slot of holders.under(node)) semaphore.abandon(slot)
      }
    }, { bound, pid: process.pid }, buffer, semaphore)
  })
