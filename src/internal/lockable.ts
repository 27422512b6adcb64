/**
 * The handle side shared by Lock, RLock, Semaphore and BoundedSemaphore: one set of wire operations
 * (`acquire`, `release`, `recovered`, …) served by `semaphore.ts` or `sharedLock.ts`. One whose owner
 * runs in this OS process is worked on directly in its shared memory (no message).
 *
 * A remote `acquire` that is interrupted after its owner granted it gives the permit back
 * (`undoAcquire`), so that an interruption never leaks a permit.
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import { dual } from "effect/Function"
import * as Scope from "effect/Scope"
import type { ResourceClosed, ValueError } from "../Errors.ts"
import { CurrentContext } from "./currentContext.ts"
import { holderKeyOf } from "./holder.ts"
import { type Handle, isHandle } from "./protocol/handle.ts"
import { CallerIdentity, callerOf, invoke } from "./resource.ts"
import { attach, attached, fiberHash } from "./shared.ts"
import * as semaphore from "./semaphore.ts"
import * as sharedLock from "./sharedLock.ts"
import { type BlockingOptions, wireWait } from "./waiting.ts"

const kinds = new Set(["Lock", "RLock", "Semaphore", "BoundedSemaphore"])

export const isLockable = (u: unknown): u is Handle<unknown> => isHandle(u) && kinds.has(u.kind)

/** What this isolate works on in a lock's or a semaphore's shared memory. */
export interface DirectLockable {
  tryAcquire(taker: sharedLock.Taker): boolean
  acquire(taker: sharedLock.Taker, ms: number): Effect.Effect<boolean, ResourceClosed>
  release(taker: sharedLock.Taker): ValueError | undefined
  recovered(taker: sharedLock.Taker): boolean
}

/** A lock (or semaphore) this isolate works on in shared memory, and the current fiber as its taker. */
export interface Direct<L extends DirectLockable = DirectLockable> {
  readonly lock: L
  readonly taker: sharedLock.Taker
}

/**
 * The shared memory in this isolate for `fiber` (holder key `key`): `null` when its operations are
 * calls (another OS process, closed), `undefined` when not attached yet.
 */
const directFor = (self: Handle<unknown>, fiber: Fiber.RuntimeFiber<unknown, unknown>, key: string): Direct | null | undefined => {
  const memory = attached(self, key)
  if (memory === undefined || memory === null) return memory
  const lock = self.kind === "Lock" || self.kind === "RLock"
    ? sharedLock.local(self, memory)
    : semaphore.local(self as Handle<semaphore.SemaphoreMeta>, memory)
  if (lock === undefined) return null
  return { lock, taker: { slot: memory.slot, hash: fiberHash(fiber, fiber.getFiberRef(CallerIdentity), () => callerOf(fiber).id) } }
}

/** A Lock's or RLock's `directFor` the current process, synchronously: `undefined` unless already attached. */
export const directNow = (self: Handle<unknown>, fiber: Fiber.RuntimeFiber<unknown, unknown>): Direct<sharedLock.SharedLock> | undefined =>
  self.kind === "Lock" || self.kind === "RLock"
    ? (directFor(self, fiber, holderKeyOf(fiber.getFiberRef(CurrentContext), self)) ?? undefined) as Direct<sharedLock.SharedLock> | undefined
    : undefined

/**
 * Runs `direct` on the lock's shared memory when this isolate has it (called as the Effect runs, so
 * it may act at once), else `call` (the owner's operation, by message where it is remote). Both get
 * the holder key of the current process. Once attached, the choice costs no Effect step of its own:
 * the direct path is a few `Atomics`.
 */
const either = <A, E>(
  self: Handle<unknown>,
  direct: (lock: DirectLockable, taker: sharedLock.Taker) => Effect.Effect<A, E | ResourceClosed>,
  call: (key: string) => Effect.Effect<A, E | ResourceClosed>
): Effect.Effect<A, E | ResourceClosed> =>
  Effect.withFiberRuntime((fiber) => {
    const key = holderKeyOf(fiber.getFiberRef(CurrentContext), self)
    const found = directFor(self, fiber, key)
    if (found === undefined) {
      return Effect.flatMap(attach(self, key), (memory) => memory === undefined ? call(key) : either(self, direct, call))
    }
    return found === null ? call(key) : direct(found.lock, found.taker)
  })

export const acquire: {
  (options?: BlockingOptions): (self: Handle<unknown>) => Effect.Effect<boolean, ResourceClosed>
  (self: Handle<unknown>, options?: BlockingOptions): Effect.Effect<boolean, ResourceClosed>
} = dual(
  (args) => isLockable(args[0]),
  (self: Handle<unknown>, options?: BlockingOptions) =>
    either(
      self,
      (lock, taker) => lock.tryAcquire(taker) ? Effect.succeed(true) : lock.acquire(taker, wireWait(options)),
      (key) => Effect.map(invoke<string | false, never>(self, "acquire", [wireWait(options), key], "undoAcquire"), (token) => token !== false)
    )
)

export const release = (self: Handle<unknown>): Effect.Effect<void, ValueError | ResourceClosed> =>
  either(
    self,
    (lock, taker) => {
      const error = lock.release(taker)
      return error === undefined ? Effect.void : Effect.fail(error)
    },
    (key) => invoke<void, ValueError>(self, "release", [key])
  )

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
  either(self, (lock, taker) => Effect.sync(() => lock.recovered(taker)), (key) => invoke<boolean, never>(self, "recovered", [key]))

export const getValue = (self: Handle<unknown>): Effect.Effect<number, ResourceClosed> =>
  invoke<number, never>(self, "getValue", [])
