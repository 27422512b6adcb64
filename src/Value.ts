/**
 * Python's `multiprocessing.Value`: one number of a C type, shared by every process, thread and fiber
 * that holds it, with the lock that guards compound updates.
 *
 * ```ts
 * const counter = yield* Value.make("i", 0)                 // an RLock comes with it
 * yield* Process.spawn(tasks.work, [counter])                // the child gets a working handle
 * yield* Value.update(counter, (n) => n + 1)                 // atomic, under the lock
 * yield* RLock.withLock(Value.getLock(counter))(            // Python's `with v.get_lock(): v.value += 1`
 *   Effect.flatMap(Value.get(counter), (n) => Value.set(counter, n + 1)))
 * ```
 *
 * Typecodes are Python's (`"b" "B" "h" "H" "i" "I" "l" "L" "q" "Q" "f" "d" "c"`, sizes as on 64-bit
 * Linux, so `"l"` has 64 bits): 64-bit integers are `bigint`s, `"c"` is a one-character string, the
 * rest are numbers. Values convert as C's do: an integer wraps (`"b"` set to 200 reads -56), a float
 * is rounded to the type's precision, and a value of the wrong kind (a float for an integer type, a
 * string for a number) fails with `ValueError` carrying Python's `TypeError` message.
 *
 * `make` creates the value in the caller's scope: this process owns it and serves it to the others;
 * `get`, `set` and `update` are each one atomic step at the owner. `lock` is Python's: `true` (the
 * default) makes a new `RLock`, a `Lock`/`RLock` is used as given, `false` gives a raw value with none.
 *
 * Where we differ from Python, on purpose: `update` is atomic — under the value's lock, or, for a raw
 * value, by compare-and-set — while Python's `v.value += 1` is not, even with the default lock. And
 * there is no shared memory between OS processes in these runtimes: every access is a message to the
 * owner (between threads a `SharedArrayBuffer` could serve it directly; not done yet).
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { ResourceClosed, ValueError } from "./Errors.ts"
import type * as ctypes from "./internal/ctypes.ts"
import * as internal from "./internal/value.ts"
import type { Lock } from "./Lock.ts"
import type { RLock } from "./RLock.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * Python's typecodes.
 *
 * @since 0.1.0
 * @category models
 */
export type Typecode = ctypes.Typecode

/**
 * The JavaScript type of a typecode's values: `bigint` for `"l" "L" "q" "Q"`, a one-character string
 * for `"c"`, a number otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export type Element<T extends Typecode> = ctypes.Element<T>

/**
 * A shared value of type `A` whose lock is `L` (`undefined` for a raw value).
 *
 * @since 0.1.0
 * @category models
 */
export interface Value<in out A, out L extends Lock | RLock | undefined = RLock> extends Pipeable {
  readonly [TypeId]: { readonly _A: (a: A) => A; readonly _L: () => L }
  readonly kind: "Value"
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isValue: (u: unknown) => u is Value<unknown, Lock | RLock | undefined> = internal.isValue as never

/**
 * A value owned by this process for the life of the scope. `init` defaults to zero (`"\0"` for
 * `"c"`); a value of the wrong kind or an unknown typecode fails with `ValueError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: {
  <T extends Typecode>(
    typecode: T,
    init?: Element<T>,
    options?: { readonly lock?: true }
  ): Effect.Effect<Value<Element<T>, RLock>, ValueError, Scope.Scope>
  <T extends Typecode>(
    typecode: T,
    init: Element<T> | undefined,
    options: { readonly lock: false }
  ): Effect.Effect<Value<Element<T>, undefined>, ValueError, Scope.Scope>
  <T extends Typecode, L extends Lock | RLock>(
    typecode: T,
    init: Element<T> | undefined,
    options: { readonly lock: L }
  ): Effect.Effect<Value<Element<T>, L>, ValueError, Scope.Scope>
} = internal.make as never

/**
 * The value's typecode.
 *
 * @since 0.1.0
 * @category getters
 */
export const typecode = (self: Value<any, any>): Typecode => (self as unknown as ctypes.Storage).meta.typecode

/**
 * Python's `get_lock()`: the lock that guards compound updates (`undefined` for a raw value).
 *
 * @since 0.1.0
 * @category getters
 */
export const getLock = <A, L extends Lock | RLock | undefined>(self: Value<A, L>): L =>
  (self as unknown as ctypes.Storage).meta.lock as L

/**
 * Reads the value (Python's `v.value`).
 *
 * @since 0.1.0
 * @category operations
 */
export const get: <A>(self: Value<A, any>) => Effect.Effect<A, ResourceClosed> = internal.get as never

/**
 * Writes the value (Python's `v.value = x`), converted as C would; a value of the wrong kind fails
 * with `ValueError`.
 *
 * @since 0.1.0
 * @category operations
 */
export const set: {
  <A>(value: A): (self: Value<A, any>) => Effect.Effect<void, ValueError | ResourceClosed>
  <A>(self: Value<A, any>, value: A): Effect.Effect<void, ValueError | ResourceClosed>
} = internal.set as never

/**
 * Replaces the value by `f` of it, atomically: under the value's lock (an `RLock` by default, so this
 * may run inside `withLock(getLock(v))`; with a plain `Lock` it must not), or by compare-and-set for a
 * raw value.
 *
 * @since 0.1.0
 * @category operations
 */
export const update: {
  <A>(f: (a: A) => A): (self: Value<A, any>) => Effect.Effect<void, ValueError | ResourceClosed>
  <A>(self: Value<A, any>, f: (a: A) => A): Effect.Effect<void, ValueError | ResourceClosed>
} = internal.update as never

/**
 * `update`, returning the new value (as stored: wrapped or rounded).
 *
 * @since 0.1.0
 * @category operations
 */
export const updateAndGet: {
  <A>(f: (a: A) => A): (self: Value<A, any>) => Effect.Effect<A, ValueError | ResourceClosed>
  <A>(self: Value<A, any>, f: (a: A) => A): Effect.Effect<A, ValueError | ResourceClosed>
} = internal.updateAndGet as never
