/**
 * A Condition: its owner keeps the waiters (a token each, handed out before the waiter lets go of
 * the lock, so that no `notify` between the two is missed); its lock is a Lock or RLock handle,
 * possibly owned elsewhere. `wait` runs in the waiter's own fiber: register, release every level of
 * the lock, wait for a notification, take the lock back at the same level (also when the wait times
 * out or is interrupted, as Python does in `finally`).
 */
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ResourceClosed, ValueError } from "../Errors.ts"
import { holderKey } from "./holder.ts"
import { type Handle, isHandle } from "./protocol/handle.ts"
import { invoke, serve } from "./resource.ts"
import { isUnder } from "./router.ts"
import { WaitQueue, wireTimeout } from "./waiting.ts"

export interface ConditionMeta {
  readonly lock: Handle<unknown>
}

interface Sleeper {
  readonly token: number
  readonly node: string
}

export const make = (lock: Handle<unknown>): Effect.Effect<Handle<ConditionMeta>, never, Scope.Scope> =>
  Effect.suspend(() => {
    let nextToken = 1
    const sleepers = new Map<number, ReturnType<WaitQueue<boolean, ResourceClosed, Sleeper>["add"]>>()
    const waiters = new WaitQueue<boolean, ResourceClosed, Sleeper>()
    const notify = (n: number) => {
      for (let i = 0; i < n; i++) {
        const first = waiters.first()
        if (first === undefined) return
        waiters.settle(first, Exit.succeed(true))
      }
    }
    const forget = (token: number) => {
      const sleeper = sleepers.get(token)
      sleepers.delete(token)
      if (sleeper !== undefined) waiters.remove(sleeper)
    }
    return serve({
      kind: "Condition",
      operations: {
        enqueue: (_: [], caller) =>
          Effect.sync(() => {
            const token = nextToken++
            sleepers.set(token, waiters.add({ token, node: caller.node }))
            return token
          }),
        await: ([token, ms]: [number, number]) =>
          Effect.suspend(() => {
            const sleeper = sleepers.get(token)
            if (sleeper === undefined) return Effect.succeed(false)
            return waiters.await(sleeper, ms, () => notify(1)).pipe(
              Effect.map(Option.getOrElse(() => false)),
              Effect.ensuring(Effect.sync(() => sleepers.delete(token)))
            )
          }),
        cancel: ([token]: [number]) => Effect.sync(() => forget(token)),
        /** A notification that reached a waiter who had given up goes to the next one. */
        passOn: ([notified]: [boolean]) => Effect.sync(() => notified === true && notify(1)),
        notify: ([n]: [number]) => Effect.sync(() => notify(n)),
        notifyAll: () => Effect.sync(() => notify(waiters.size))
      },
      nodeGone: (node) => {
        for (const [token, sleeper] of [...sleepers]) if (isUnder(sleeper.data.node, node)) forget(token)
      },
      close: Effect.sync(() => waiters.settleAll(Exit.fail(new ResourceClosed({ message: "Condition is closed" }))))
    }, { lock })
  })

export const isCondition = (u: unknown): u is Handle<ConditionMeta> => isHandle(u) && u.kind === "Condition"

type WaitOptions = { readonly timeout?: Duration.DurationInput }

const waitMs = (self: Handle<ConditionMeta>, ms: number): Effect.Effect<boolean, ValueError | ResourceClosed> =>
  Effect.flatMap(holderKey(self.meta.lock), (key) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const lock = self.meta.lock
        const token = yield* invoke<number, never>(self, "enqueue", [])
        const levels = yield* invoke<number, ValueError>(lock, "releaseSave", [key]).pipe(
          Effect.tapError(() => Effect.ignore(invoke(self, "cancel", [token])))
        )
        const notified = yield* Effect.exit(restore(invoke<boolean, never>(self, "await", [token, ms], "passOn")))
        yield* invoke<void, never>(lock, "acquireRestore", [levels, key])
        return yield* notified
      })
    ))

export const wait: {
  (options?: WaitOptions): (self: Handle<ConditionMeta>) => Effect.Effect<boolean, ValueError | ResourceClosed>
  (self: Handle<ConditionMeta>, options?: WaitOptions): Effect.Effect<boolean, ValueError | ResourceClosed>
} = dual(
  (args) => isCondition(args[0]),
  (self: Handle<ConditionMeta>, options?: WaitOptions) => waitMs(self, wireTimeout(options?.timeout))
)

export type Predicate<A, E, R> = Effect.Effect<A, E, R> | (() => A)

export const waitFor: {
  <A, E = never, R = never>(
    predicate: Predicate<A, E, R>,
    options?: WaitOptions
  ): (self: Handle<ConditionMeta>) => Effect.Effect<A, E | ValueError | ResourceClosed, R>
  <A, E = never, R = never>(
    self: Handle<ConditionMeta>,
    predicate: Predicate<A, E, R>,
    options?: WaitOptions
  ): Effect.Effect<A, E | ValueError | ResourceClosed, R>
} = dual(
  (args) => isCondition(args[0]),
  <A, E, R>(self: Handle<ConditionMeta>, predicate: Predicate<A, E, R>, options?: WaitOptions) =>
    Effect.gen(function*() {
      const evaluate: Effect.Effect<A, E, R> = Effect.isEffect(predicate) ? predicate : Effect.sync(predicate)
      const ms = wireTimeout(options?.timeout)
      const deadline = ms < 0 ? undefined : (yield* Clock.currentTimeMillis) + ms
      let result = yield* evaluate
      while (!result) {
        let left = -1
        if (deadline !== undefined) {
          left = deadline - (yield* Clock.currentTimeMillis)
          if (left <= 0) break
        }
        yield* waitMs(self, left)
        result = yield* evaluate
      }
      return result
    })
)

const requireOwned = (self: Handle<ConditionMeta>, what: string) =>
  Effect.flatMap(holderKey(self.meta.lock), (key) =>
    Effect.flatMap(invoke<boolean, never>(self.meta.lock, "isOwned", [key]), (owned) =>
      owned ? Effect.void : Effect.fail(new ValueError({ message: `cannot ${what} on un-acquired lock` }))))

export const notify: {
  (n?: number): (self: Handle<ConditionMeta>) => Effect.Effect<void, ValueError | ResourceClosed>
  (self: Handle<ConditionMeta>, n?: number): Effect.Effect<void, ValueError | ResourceClosed>
} = dual(
  (args) => isCondition(args[0]),
  (self: Handle<ConditionMeta>, n = 1) => Effect.zipRight(requireOwned(self, "notify"), invoke<void, never>(self, "notify", [n]))
)

export const notifyAll = (self: Handle<ConditionMeta>): Effect.Effect<void, ValueError | ResourceClosed> =>
  Effect.zipRight(requireOwned(self, "notify"), invoke<void, never>(self, "notifyAll", []))
