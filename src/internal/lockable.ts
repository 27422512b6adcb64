/**
 * The handle side shared by Lock, RLock, Semaphore and BoundedSemaphore: one set of wire operations
 * (`acquire`, `release`, `recovered`, …) served by `semaphore.ts` or `rlock.ts`.
 *
 * A remote `acquire` that is interrupted after its owner granted it gives the permit back
 * (`undoAcquire`), so that an interruption never leaks a permit.
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Scope from "effect/Scope"
import type { ResourceClosed, ValueError } from "../Errors.ts"
import { holderKey } from "./holder.ts"
import { type Handle, isHandle } from "./protocol/handle.ts"
import { invoke } from "./resource.ts"
import { type BlockingOptions, wireWait } from "./waiting.ts"

const kinds = new Set(["Lock", "RLock", "Semaphore", "BoundedSemaphore"])

export const isLockable = (u: unknown): u is Handle<unknown> => isHandle(u) && kinds.has(u.kind)

export const acquire: {
  (options?: BlockingOptions): (self: Handle<unknown>) => Effect.Effect<boolean, ResourceClosed>
  (self: Handle<unknown>, options?: BlockingOptions): Effect.Effect<boolean, ResourceClosed>
} = dual(
  (args) => isLockable(args[0]),
  (self: Handle<unknown>, options?: BlockingOptions) =>
    Effect.flatMap(
      holderKey(self),
      (key) => Effect.map(invoke<string | false, never>(self, "acquire", [wireWait(options), key], "undoAcquire"), (token) => token !== false)
    )
)

export const release = (self: Handle<unknown>): Effect.Effect<void, ValueError | ResourceClosed> =>
  Effect.flatMap(holderKey(self), (key) => invoke<void, ValueError>(self, "release", [key]))

/** Releases at the end of a hold; a lock whose owner has gone has nothing left to release. */
const releaseAfter = (self: Handle<unknown>) =>
  Effect.catchTag(release(self), "ResourceClosed", () => Effect.void).pipe(Effect.orDie)

export const withLock: {
  (self: Handle<unknown>): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ResourceClosed, R>
  <A, E, R>(self: Handle<unknown>, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ResourceClosed, R>
} = function(self: Handle<unknown>, effect?: Effect.Effect<unknown, unknown, unknown>) {
  const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(
        restore(acquire(self)),
        Effect.ensuring(restore(effect), releaseAfter(self))
      )
    )
  return effect === undefined ? run : run(effect)
} as never

export const acquireScoped: {
  (options?: BlockingOptions): (self: Handle<unknown>) => Effect.Effect<boolean, ResourceClosed, Scope.Scope>
  (self: Handle<unknown>, options?: BlockingOptions): Effect.Effect<boolean, ResourceClosed, Scope.Scope>
} = dual(
  (args) => isLockable(args[0]),
  (self: Handle<unknown>, options?: BlockingOptions) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.tap(restore(acquire(self, options)), (acquired) =>
        acquired ? Effect.flatMap(Effect.scope, (scope) => Scope.addFinalizer(scope, releaseAfter(self))) : Effect.void)
    )
)

export const recovered = (self: Handle<unknown>): Effect.Effect<boolean, ResourceClosed> =>
  Effect.flatMap(holderKey(self), (key) => invoke<boolean, never>(self, "recovered", [key]))

export const getValue = (self: Handle<unknown>): Effect.Effect<number, ResourceClosed> =>
  invoke<number, never>(self, "getValue", [])
