/**
 * The owner of an RLock: the fiber that holds it (node and fiber, so a fiber-backend child or another
 * fiber of the same process is another owner), its recursion level, and waiters in arrival order.
 * When the holder's process ends, the lock is freed and its next owner is told (`recovered`).
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

interface Owner {
  /** The owning fiber (`caller.id`). */
  readonly caller: string
  /** Its process, as owners count holders. */
  readonly holder: string
  readonly node: string
}

export const make: Effect.Effect<Handle<{}>, never, Scope.Scope> = Effect.suspend(() => {
  let owner: Owner | undefined
  let count = 0
  /** The current owner took the lock from a process that ended holding it. */
  let recovered = false
  /** The lock was freed because its holder ended: the next owner is told. */
  let abandoned = false
  const waiters = new WaitQueue<string, ResourceClosed, Owner>()

  const take = (taker: Owner): string => {
    owner = taker
    count = 1
    recovered = abandoned
    abandoned = false
    return taker.caller
  }

  const free = (wasAbandoned: boolean) => {
    owner = undefined
    count = 0
    abandoned = wasAbandoned
    recovered = false
    const next = waiters.first()
    if (next !== undefined) waiters.settle(next, Exit.succeed(take(next.data)))
  }

  /** One level of `caller`'s hold goes (an interrupted acquire's, when `undo`). */
  const releaseOne = (caller: string, undo: boolean): ValueError | undefined => {
    if (owner?.caller !== caller) return new ValueError({ message: "cannot release un-acquired lock" })
    if (--count === 0) free(undo && recovered)
    return undefined
  }

  const acquire = (taker: Owner, ms: number): Effect.Effect<string | false, ResourceClosed> =>
    Effect.suspend(() => {
      if (owner?.caller === taker.caller) {
        count++
        return Effect.succeed(taker.caller)
      }
      if (owner === undefined && waiters.size === 0) return Effect.succeed(take(taker))
      if (ms === 0) return Effect.succeed(false as const)
      return Effect.map(
        waiters.await(waiters.add(taker), ms, (caller) => releaseOne(caller, true)),
        Option.getOrElse(() => false as const)
      )
    })

  const ownerOf = (key: string, caller: { readonly node: string; readonly id: string }): Owner => ({
    caller: caller.id,
    holder: holderOf(caller.node, key),
    node: caller.node
  })

  const abandon = (holder: string) => {
    if (owner?.holder === holder) free(true)
  }

  return serve({
    kind: "RLock",
    operations: {
      acquire: ([ms, key]: [number, string], caller) => acquire(ownerOf(key, caller), ms),
      undoAcquire: ([token]: [string | false]) => Effect.sync(() => typeof token === "string" && releaseOne(token, true)),
      release: (_: [string], caller) =>
        Effect.suspend(() => {
          const error = releaseOne(caller.id, false)
          return error === undefined ? Effect.void : Effect.fail(error)
        }),
      recovered: (_: [string], caller) => Effect.sync(() => owner?.caller === caller.id && recovered),
      abandon: ([key]: [string], caller) => Effect.sync(() => abandon(holderOf(caller.node, key))),
      // Condition support: wait releases every level and restores them
      isOwned: (_: [], caller) => Effect.sync(() => owner?.caller === caller.id),
      releaseSave: (_: [string], caller) =>
        Effect.suspend(() => {
          if (owner?.caller !== caller.id) {
            return Effect.fail(new ValueError({ message: "cannot wait on un-acquired lock" }))
          }
          const levels = count
          free(false)
          return Effect.succeed(levels)
        }),
      acquireRestore: ([levels, key]: [number, string], caller) =>
        Effect.map(acquire(ownerOf(key, caller), -1), () => {
          count = levels
        })
    },
    nodeGone: (node) => {
      if (owner !== undefined && isUnder(owner.node, node)) free(true)
    },
    close: Effect.sync(() => waiters.settleAll(Exit.fail(new ResourceClosed({ message: "RLock is closed" }))))
  }, {})
})
