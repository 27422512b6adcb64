/**
 * Value: a one-element shared typed array (see `ctypes.ts`) with its lock.
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Scope from "effect/Scope"
import type { ResourceClosed, ValueError } from "../Errors.ts"
import * as ctypes from "./ctypes.ts"

export const isValue = ctypes.isStorage("Value")

export const make = (
  typecode: ctypes.Typecode,
  init?: unknown,
  options?: { readonly lock?: ctypes.LockOption }
): Effect.Effect<ctypes.Storage, ValueError, Scope.Scope> =>
  Effect.flatMap(
    ctypes.initial(typecode, init === undefined ? 1 : [init]),
    (stored) => ctypes.make("Value", typecode, stored, options?.lock)
  )

/** The only index of a Value cannot be out of range. */
const atZero = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchTag(effect as Effect.Effect<A, ValueError | ResourceClosed | { readonly _tag: "IndexError" }, R>, "IndexError", Effect.die) as Effect.Effect<A, ValueError | ResourceClosed, R>

export const get = (self: ctypes.Storage): Effect.Effect<unknown, ResourceClosed> =>
  atZero(ctypes.getAt(self, 0)) as Effect.Effect<unknown, ResourceClosed>

export const set: {
  (value: unknown): (self: ctypes.Storage) => Effect.Effect<void, ValueError | ResourceClosed>
  (self: ctypes.Storage, value: unknown): Effect.Effect<void, ValueError | ResourceClosed>
} = dual(2, (self: ctypes.Storage, value: unknown) => atZero(ctypes.setAt(self, 0, value)))

export const updateAndGet: {
  <A>(f: (a: A) => A): (self: ctypes.Storage) => Effect.Effect<A, ValueError | ResourceClosed>
  <A>(self: ctypes.Storage, f: (a: A) => A): Effect.Effect<A, ValueError | ResourceClosed>
} = dual(2, <A>(self: ctypes.Storage, f: (a: A) => A) => atZero(ctypes.updateAt(self, 0, f)))

export const update: {
  <A>(f: (a: A) => A): (self: ctypes.Storage) => Effect.Effect<void, ValueError | ResourceClosed>
  <A>(self: ctypes.Storage, f: (a: A) => A): Effect.Effect<void, ValueError | ResourceClosed>
} = dual(2, <A>(self: ctypes.Storage, f: (a: A) => A) => Effect.asVoid(updateAndGet(self, f)))
