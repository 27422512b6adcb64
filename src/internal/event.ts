/**
 * The owner of an Event (a flag and the fibers waiting for it to be set) and its handle operations.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ResourceClosed } from "../Errors.ts"
import { type Handle, isHandle } from "./protocol/handle.ts"
import { invoke, serve } from "./resource.ts"
import { WaitQueue, wireTimeout } from "./waiting.ts"

export const make: Effect.Effect<Handle<{}>, never, Scope.Scope> = Effect.suspend(() => {
  let flag = false
  const waiters = new WaitQueue<boolean, ResourceClosed>()
  return serve({
    kind: "Event",
    operations: {
      set: () =>
        Effect.sync(() => {
          flag = true
          waiters.settleAll(Exit.succeed(true))
        }),
      clear: () =>
        Effect.sync(() => {
          flag = false
        }),
      isSet: () => Effect.sync(() => flag),
      wait: ([ms]: [number]) =>
        Effect.suspend(() =>
          flag || ms === 0
            ? Effect.succeed(flag)
            : Effect.map(waiters.await(waiters.add(), ms), Option.getOrElse(() => false))
        )
    },
    close: Effect.sync(() => waiters.settleAll(Exit.fail(new ResourceClosed({ message: "Event is closed" }))))
  }, {})
})

export const isEvent = (u: unknown): u is Handle<{}> => isHandle(u) && u.kind === "Event"

export const set = (self: Handle<{}>): Effect.Effect<void, ResourceClosed> => invoke(self, "set", [])

export const clear = (self: Handle<{}>): Effect.Effect<void, ResourceClosed> => invoke(self, "clear", [])

export const isSet = (self: Handle<{}>): Effect.Effect<boolean, ResourceClosed> => invoke(self, "isSet", [])

export const wait: {
  (options?: { readonly timeout?: Duration.DurationInput }): (self: Handle<{}>) => Effect.Effect<boolean, ResourceClosed>
  (self: Handle<{}>, options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<boolean, ResourceClosed>
} = dual(
  (args) => isEvent(args[0]),
  (self: Handle<{}>, options?: { readonly timeout?: Duration.DurationInput }) =>
    invoke<boolean, never>(self, "wait", [wireTimeout(options?.timeout)])
)
