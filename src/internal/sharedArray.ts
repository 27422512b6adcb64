/**
 * SharedArray: a shared typed array (see `ctypes.ts`) with its lock.
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Scope from "effect/Scope"
import type { IndexError, ResourceClosed, ValueError } from "../Errors.ts"
import * as ctypes from "./ctypes.ts"

export const isSharedArray = ctypes.isStorage("SharedArray")

export const make = (
  typecode: ctypes.Typecode,
  sizeOrInit: number | Iterable<unknown>,
  options?: { readonly lock?: ctypes.LockOption }
): Effect.Effect<ctypes.Storage, ValueError, Scope.Scope> =>
  Effect.flatMap(ctypes.initial(typecode, sizeOrInit), (stored) => ctypes.make("SharedArray", typecode, stored, options?.lock))

export const get: {
  (index: number): (self: ctypes.Storage) => Effect.Effect<unknown, IndexError | ValueError | ResourceClosed>
  (self: ctypes.Storage, index: number): Effect.Effect<unknown, IndexError | ValueError | ResourceClosed>
} = dual(2, ctypes.getAt)

export const set: {
  (index: number, value: unknown): (self: ctypes.Storage) => Effect.Effect<void, IndexError | ValueError | ResourceClosed>
  (self: ctypes.Storage, index: number, value: unknown): Effect.Effect<void, IndexError | ValueError | ResourceClosed>
} = dual(3, ctypes.setAt)

export const update: {
  <A>(index: number, f: (a: A) => A): (self: ctypes.Storage) => Effect.Effect<A, IndexError | ValueError | ResourceClosed>
  <A>(self: ctypes.Storage, index: number, f: (a: A) => A): Effect.Effect<A, IndexError | ValueError | ResourceClosed>
} = dual(3, ctypes.updateAt)

export const slice: {
  (start?: number, end?: number): (self: ctypes.Storage) => Effect.Effect<Array<unknown>, ValueError | ResourceClosed>
  (self: ctypes.Storage, start?: number, end?: number): Effect.Effect<Array<unknown>, ValueError | ResourceClosed>
} = dual((args) => isSharedArray(args[0]), ctypes.slice)

export const toArray = (self: ctypes.Storage): Effect.Effect<Array<unknown>, ResourceClosed> =>
  Effect.catchTag(ctypes.slice(self, undefined, undefined), "ValueError", Effect.die)

export const setSlice: {
  (start: number | undefined, end: number | undefined, values: Iterable<unknown>): (self: ctypes.Storage) => Effect.Effect<void, ValueError | ResourceClosed>
  (self: ctypes.Storage, start: number | undefined, end: number | undefined, values: Iterable<unknown>): Effect.Effect<void, ValueError | ResourceClosed>
} = dual(4, ctypes.setSlice)
