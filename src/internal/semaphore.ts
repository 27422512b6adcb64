/**
 * The owner of a Semaphore or BoundedSemaphore (a Lock is in `sharedLock.ts`): a counter of permits, waiters served in arrival order, and a ledger of which
 * process holds which permits, so that the permits of a process that ends are given back.
 *
 * The ledger: a permit taken from the semaphore's supply (its initial value, or a permit given back)
 * is a debt of the process that took it, paid by its next `release` (or, when it holds none, by the
 * release of another process: a Lock has no owner). A release by a process when no debt is open
 * creates a permit (a signal, as with `Semaphore(0)`), and whoever takes it owes nothing. When a
 * process ends, its open debts return to the supply, marked as recovered: the next process to take
 * such a permit is told (`recovered`), like a robust POSIX mutex's `EOWNERDEAD`.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ResourceClosed, ValueError } from "../Errors.ts"
import { holderOf } from "./holder.ts"
import type { Handle } from "./protocol/handle.ts"
import { serve } from "./resource.ts"
import { isUnder } from "./router.ts"
import { WaitQueue } from "./waiting.ts"

export type SemaphoreKind = "Semaphore" | "BoundedSemaphore"

export interface SemaphoreMeta {
  /** The most permits there may be; `null` for an unbounded Semaphore. */
  readonly bound: number | null
}

interface Debt {
  readonly node: string
  count: number
  /** One of its permits came back from a process that ended holding it. */
  recovered: boolean
}

interface Taker {
  readonly holder: string
  readonly node: string
}

export const tooManyReleases = "semaphore or lock released too many times"

export const make = (
  kind: SemaphoreKind,
  value: number,
  bound: number | null
): Effect.Effect<Handle<SemaphoreMeta>, never, Scope.Scope> =>
  Effect.suspend(() => {
    if (!Number.isInteger(value) || value < 0) {
      return Effect.die(new ValueError({ message: "semaphore initial value must be a non-negative integer" }))
    }
    /** Free permits of the supply, and how many of them came back from ended processes. */
    let supply = value
    let recoveredSupply = 0
    /** Free permits created by releases that paid no debt. */
    let minted = 0
    const debts = new Map<string, Debt>()
    const waiters = new WaitQueue<string, ResourceClosed, Taker>()

    const free = () => supply + minted

    const take = (taker: Taker): string => {
      if (minted > 0) {
        minted--
      } else {
        supply--
        let debt = debts.get(taker.holder)
        if (debt === undefined) {
          debt = { node: taker.node, count: 0, recovered: false }
          debts.set(taker.holder, debt)
        }
        debt.count++
        if (recoveredSupply > 0) {
          recoveredSupply--
          debt.recovered = true
        }
      }
      return taker.holder
    }

    const serveWaiters = () => {
      for (let waiter = waiters.first(); waiter !== undefined && free() > 0; waiter = waiters.first()) {
        waiters.settle(waiter, Exit.succeed(take(waiter.data)))
      }
    }

    /** Pays `debt` one permit back to the supply. */
    const pay = (holder: string, debt: Debt, recovered: boolean) => {
      supply++
      if (recovered && debt.recovered) recoveredSupply++
      if (--debt.count === 0) debts.delete(holder)
    }

    /** A permit comes back: the holder's own debt first, else the oldest open debt, else a new permit. */
    const giveBack = (holder: string, undo: boolean): ValueError | undefined => {
      if (bound !== null && free() >= bound) return new ValueError({ message: tooManyReleases })
      const own = debts.get(holder)
      if (own !== undefined) pay(holder, own, undo)
      else {
        const oldest = debts.entries().next().value
        if (oldest !== undefined) pay(oldest[0], oldest[1], undo)
        else minted++
      }
      serveWaiters()
      return undefined
    }

    const release = (holder: string): Effect.Effect<void, ValueError> =>
      Effect.suspend(() => {
        const error = giveBack(holder, false)
        return error === undefined ? Effect.void : Effect.fail(error)
      })

    /** A holder has ended: its open debts return to the supply, marked as recovered. */
    const abandon = (holder: string) => {
      const debt = debts.get(holder)
      if (debt === undefined) return
      debts.delete(holder)
      supply += debt.count
      recoveredSupply += debt.count
      serveWaiters()
    }

    const acquire = (taker: Taker, ms: number): Effect.Effect<string | false, ResourceClosed> =>
      Effect.suspend(() => {
        if (free() > 0 && waiters.size === 0) return Effect.succeed(take(taker))
        if (ms === 0) return Effect.succeed(false as const)
        const waiter = waiters.add(taker)
        return Effect.map(
          waiters.await(waiter, ms, (holder) => giveBack(holder, true)),
          Option.getOrElse(() => false as const)
        )
      })

    return serve({
      kind,
      operations: {
        acquire: ([ms, key]: [number, string], caller) =>
          acquire({ holder: holderOf(caller.node, key), node: caller.node }, ms),
        undoAcquire: ([token]: [string | false]) =>
          Effect.sync(() => typeof token === "string" && giveBack(token, true)),
        release: ([key]: [string], caller) => release(holderOf(caller.node, key)),
        getValue: () => Effect.sync(free),
        recovered: ([key]: [string], caller) =>
          Effect.sync(() => debts.get(holderOf(caller.node, key))?.recovered ?? false),
        abandon: ([key]: [string], caller) => Effect.sync(() => abandon(holderOf(caller.node, key)))
      },
      nodeGone: (node) => {
        for (const [holder, debt] of [...debts]) if (isUnder(debt.node, node)) abandon(holder)
      },
      close: Effect.sync(() => waiters.settleAll(Exit.fail(new ResourceClosed({ message: `${kind} is closed` }))))
    }, { bound })
  })
