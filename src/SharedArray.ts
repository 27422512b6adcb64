/**
 * Python's `multiprocessing.Array`: a fixed-size array of a C type, shared by every process, thread
 * and fiber that holds it, with the lock that guards compound updates.
 *
 * ```ts
 * const xs = yield* SharedArray.make("d", [1, 2, 3])   // or a size: zeros
 * yield* Process.spawn(tasks.scale, [xs, 10])            // the child gets a working handle
 * yield* SharedArray.toArray(xs)                         // [10, 20, 30] once it is done
 * ```
 *
 * Typecodes, conversions and the `lock` option are `Value`'s. Indices are Python's: negative ones
 * count from the end, one outside the array fails with `IndexError("invalid index")`; `slice` and
 * `setSlice` take Python's slice bounds, and `setSlice` needs exactly as many values as the slice has
 * elements. Each call is one atomic step at the owner; use `getLock` for steps that must go together.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { IndexError, ResourceClosed, ValueError } from "./Errors.ts"
import type * as ctypes from "./internal/ctypes.ts"
import * as internal from "./internal/sharedArray.ts"
import type { Lock } from "./Lock.ts"
import type { RLock } from "./RLock.ts"
import type { Element, Typecode } from "./Value.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * A shared array of `A`s whose lock is `L` (`undefined` for a raw array).
 *
 * @since 0.1.0
 * @category models
 */
export interface SharedArray<in out A, out L extends Lock | RLock | undefined = RLock> extends Pipeable {
  readonly [TypeId]: { readonly _A: (a: A) => A; readonly _L: () => L }
  readonly kind: "SharedArray"
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isSharedArray: (u: unknown) => u is SharedArray<unknown, Lock | RLock | undefined> =
  internal.isSharedArray as never

/**
 * An array owned by this process for the life of the scope: `size` zeros, or the given elements. An
 * element of the wrong kind, a bad size or an unknown typecode fails with `ValueError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: {
  <T extends Typecode>(
    typecode: T,
    sizeOrInit: number | Iterable<Element<T>>,
    options?: { readonly lock?: true }
  ): Effect.Effect<SharedArray<Element<T>, RLock>, ValueError, Scope.Scope>
  <T extends Typecode>(
    typecode: T,
    sizeOrInit: number | Iterable<Element<T>>,
    options: { readonly lock: false }
  ): Effect.Effect<SharedArray<Element<T>, undefined>, ValueError, Scope.Scope>
  <T extends Typecode, L extends Lock | RLock>(
    typecode: T,
    sizeOrInit: number | Iterable<Element<T>>,
    options: { readonly lock: L }
  ): Effect.Effect<SharedArray<Element<T>, L>, ValueError, Scope.Scope>
} = internal.make as never

/**
 * The number of elements (fixed at creation; no call to the owner).
 *
 * @since 0.1.0
 * @category getters
 */
export const length = (self: SharedArray<any, any>): number => (self as unknown as ctypes.Storage).meta.length

/**
 * @since 0.1.0
 * @category getters
 */
export const typecode = (self: SharedArray<any, any>): Typecode => (self as unknown as ctypes.Storage).meta.typecode

/**
 * Python's `get_lock()` (`undefined` for a raw array).
 *
 * @since 0.1.0
 * @category getters
 */
export const getLock = <A, L extends Lock | RLock | undefined>(self: SharedArray<A, L>): L =>
  (self as unknown as ctypes.Storage).meta.lock as L

/**
 * Element `index` (negative counts from the end).
 *
 * @since 0.1.0
 * @category operations
 */
export const get: {
  (index: number): <A>(self: SharedArray<A, any>) => Effect.Effect<A, IndexError | ValueError | ResourceClosed>
  <A>(self: SharedArray<A, any>, index: number): Effect.Effect<A, IndexError | ValueError | ResourceClosed>
} = internal.get as never

/**
 * Writes element `index`, converted as C would.
 *
 * @since 0.1.0
 * @category operations
 */
export const set: {
  <A>(index: number, value: A): (self: SharedArray<A, any>) => Effect.Effect<void, IndexError | ValueError | ResourceClosed>
  <A>(self: SharedArray<A, any>, index: number, value: A): Effect.Effect<void, IndexError | ValueError | ResourceClosed>
} = internal.set as never

/**
 * Replaces element `index` by `f` of it, atomically (as `Value.update` does); returns the new element.
 *
 * @since 0.1.0
 * @category operations
 */
export const update: {
  <A>(index: number, f: (a: A) => A): (self: SharedArray<A, any>) => Effect.Effect<A, IndexError | ValueError | ResourceClosed>
  <A>(self: SharedArray<A, any>, index: number, f: (a: A) => A): Effect.Effect<A, IndexError | ValueError | ResourceClosed>
} = internal.update as never

/**
 * Python's `a[start:end]` as a plain array (bounds optional, negative from the end, clamped).
 *
 * @since 0.1.0
 * @category operations
 */
export const slice: {
  (start?: number, end?: number): <A>(self: SharedArray<A, any>) => Effect.Effect<Array<A>, ValueError | ResourceClosed>
  <A>(self: SharedArray<A, any>, start?: number, end?: number): Effect.Effect<Array<A>, ValueError | ResourceClosed>
} = internal.slice as never

/**
 * Python's `a[start:end] = values` (`undefined` bounds are the ends): the values must be exactly as
 * many as the slice's elements, else `ValueError("Can only assign sequence of same size")`.
 *
 * @since 0.1.0
 * @category operations
 */
export const setSlice: {
  <A>(start: number | undefined, end: number | undefined, values: Iterable<A>): (self: SharedArray<A, any>) => Effect.Effect<void, ValueError | ResourceClosed>
  <A>(self: SharedArray<A, any>, start: number | undefined, end: number | undefined, values: Iterable<A>): Effect.Effect<void, ValueError | ResourceClosed>
} = internal.setSlice as never

/**
 * Every element, in one call (Python's `a[:]`).
 *
 * @since 0.1.0
 * @category operations
 */
export const toArray: <A>(self: SharedArray<A, any>) => Effect.Effect<Array<A>, ResourceClosed> = internal.toArray as never
