/**
 * The owner of a Barrier: the parties waiting in the current generation, each with its arrival index.
 * The last to arrive runs the action (an Effect, in the owner's isolate) and then releases everybody.
 *
 * As in Python, a wait that times out, and a waiting party that is interrupted, break the barrier:
 * every waiter gets `BrokenBarrierError` instead of waiting for a party that will never come. A
 * party whose process ends while it waits is such an interruption.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { BrokenBarrierError, ResourceClosed, ValueError } from "../Errors.ts"
import { type Handle, isHandle } from "./protocol/handle.ts"
import { invoke, serve } from "./resource.ts"
import { WaitQueue, wireTimeout } from "./waiting.ts"

export interface BarrierMeta {
  readonly parties: number
}

export interface Options {
  readonly action?: Effect.Effect<void, unknown> | undefined
  readonly timeout?: Duration.DurationInput | undefined
}

export const make = (parties: number, options?: Options): Effect.Effect<Handle<BarrierMeta>, never, Scope.Scope> =>
  Effect.suspend(() => {
    if (!Number.isInteger(parties) || parties < 1) {
      return Effect.die(new ValueError({ message: "parties must be a positive integer" }))
    }
    const defaultMs = wireTimeout(options?.timeout)
    const action = options?.action ?? Effect.void
    let waiters = new WaitQueue<number, BrokenBarrierError | ResourceClosed, number>()
    let broken = false

    const breakBarrier = () => {
      broken = true
      const generation = waiters
      waiters = new WaitQueue()
      generation.settleAll(Exit.fail(new BrokenBarrierError()))
    }

    /** The last party: a new generation starts; the action runs, then this one's parties go. */
    const pass = (): Effect.Effect<number, BrokenBarrierError> => {
      const generation = waiters
      waiters = new WaitQueue()
      return Effect.matchCauseEffect(action, {
        onFailure: () =>
          Effect.suspend(() => {
            generation.settleAll(Exit.fail(new BrokenBarrierError()))
            breakBarrier()
            return Effect.fail(new BrokenBarrierError())
          }),
        onSuccess: () =>
          Effect.sync(() => {
            for (const waiter of generation.values()) generation.settle(waiter, Exit.succeed(waiter.data))
            return parties - 1
          })
      }).pipe(Effect.uninterruptible)
    }

    const wait = (ms: number): Effect.Effect<number, BrokenBarrierError | ResourceClosed> =>
      Effect.suspend(() => {
        if (broken) return Effect.fail(new BrokenBarrierError())
        const index = waiters.size
        if (index === parties - 1) return pass()
        const generation = waiters
        const waiter = generation.add(index)
        return generation.await(waiter, ms).pipe(
          Effect.onInterrupt(() => Effect.sync(() => waiter.exit === undefined && breakBarrier())),
          Effect.flatMap(Option.match({
            onNone: () =>
              Effect.suspend(() => {
                breakBarrier()
                return Effect.fail(new BrokenBarrierError())
              }),
            onSome: Effect.succeed
          }))
        )
      })

    return serve({
      kind: "Barrier",
      operations: {
        wait: ([ms]: [number | null]) => wait(ms ?? defaultMs),
        abort: () => Effect.sync(breakBarrier),
        reset: () =>
          Effect.sync(() => {
            breakBarrier()
            broken = false
          }),
        nWaiting: () => Effect.sync(() => waiters.size),
        broken: () => Effect.sync(() => broken)
      },
      close: Effect.sync(() => waiters.settleAll(Exit.fail(new ResourceClosed({ message: "Barrier is closed" }))))
    }, { parties })
  })

export const isBarrier = (u: unknown): u is Handle<BarrierMeta> => isHandle(u) && u.kind === "Barrier"

type WaitOptions = { readonly timeout?: Duration.DurationInput }

export const wait: {
  (options?: WaitOptions): (self: Handle<BarrierMeta>) => Effect.Effect<number, BrokenBarrierError | ResourceClosed>
  (self: Handle<BarrierMeta>, options?: WaitOptions): Effect.Effect<number, BrokenBarrierError | ResourceClosed>
} = dual(
  (args) => isBarrier(args[0]),
  (self: Handle<BarrierMeta>, options?: WaitOptions) =>
    invoke<number, BrokenBarrierError>(self, "wait", [options?.timeout === undefined ? null : wireTimeout(options.timeout)])
)

export const abort = (self: Handle<BarrierMeta>): Effect.Effect<void, ResourceClosed> => invoke(self, "abort", [])

export const reset = (self: Handle<BarrierMeta>): Effect.Effect<void, ResourceClosed> => invoke(self, "reset", [])

export const nWaiting = (self: Handle<BarrierMeta>): Effect.Effect<number, ResourceClosed> => invoke(self, "nWaiting", [])

export const broken = (self: Handle<BarrierMeta>): Effect.Effect<boolean, ResourceClosed> => invoke(self, "broken", [])

export const parties = (self: Handle<BarrierMeta>): number => self.meta.parties
