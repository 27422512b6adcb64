/**
 * Python's `Value` and `Array` (here `SharedArray`) for plain TypeScript: numbers of a C type shared by
 * every process that holds them, with the lock that guards compound updates, over the Effect core
 * (`../Value.ts`, `../SharedArray.ts`).
 *
 * ```ts
 * import { SharedArray, Value, spawn } from "effect-multiprocessing/promise"
 * await using counter = await Value.create("i", 0)       // an RLock comes with it
 * await counter.update((n) => n + 1)                      // atomic
 * await counter.getLock().withLock(async () => {          // Python's `with v.get_lock(): …`
 *   await counter.set((await counter.get()) + 1)
 * })
 * await using xs = await SharedArray.create("d", [1, 2, 3])
 * await xs.toArray()                                      // [1, 2, 3]
 * ```
 *
 * Typecodes, conversions (`ValueError`) and indices (`IndexError`) are the Effect API's. `update`'s
 * function runs here and must be synchronous. In a child, a plain async task wraps the handle it
 * received: `Value.from(handle)`, `SharedArray.from(handle)`.
 *
 * @since 0.1.0
 */
import * as ArrayCore from "../SharedArray.ts"
import * as Core from "../Value.ts"
import type { Lock, LockHandle, RLock, RLockHandle } from "./Lock.ts"
import { type LockableImpl, wrapLockable } from "./lockable.ts"
import { create, expectHandle, SharedResource, wrapped } from "./resource.ts"

/**
 * Python's typecodes: `"b" "B" "h" "H" "i" "I" "l" "L" "q" "Q" "f" "d" "c"`.
 *
 * @since 0.1.0
 * @category models
 */
export type Typecode = Core.Typecode

/**
 * The JavaScript type of a typecode's values: `bigint` for `"l" "L" "q" "Q"`, a one-character string
 * for `"c"`, a number otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export type Element<T extends Typecode> = Core.Element<T>

/**
 * What a child task receives for a `Value` (the Effect handle).
 *
 * @since 0.1.0
 * @category models
 */
export type ValueHandle<A, L extends LockHandle | RLockHandle | undefined = RLockHandle> = Core.Value<A, L>

/**
 * @since 0.1.0
 * @category models
 */
export type SharedArrayHandle<A, L extends LockHandle | RLockHandle | undefined = RLockHandle> = ArrayCore.SharedArray<A, L>

/**
 * The facade of a lock handle type.
 *
 * @since 0.1.0
 * @category models
 */
export type LockOf<L> = L extends RLockHandle ? RLock : L extends LockHandle ? Lock : undefined

/**
 * @since 0.1.0
 * @category models
 */
export interface Value<A, L extends Lock | RLock | undefined = RLock> extends ValueHandle<A, L>, AsyncDisposable {
  readonly typecode: Typecode
  /** Python's `get_lock()` (`undefined` for a raw value). */
  getLock(): L
  /** Python's `v.value`. */
  get(): Promise<A>
  /** Python's `v.value = x`, converted as C would. */
  set(value: A): Promise<void>
  /** Replaces the value by `f` of it, atomically. */
  update(f: (a: A) => A): Promise<void>
  /** `update`, resolving to the new value (as stored). */
  updateAndGet(f: (a: A) => A): Promise<A>
  dispose(): Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SharedArray<A, L extends Lock | RLock | undefined = RLock>
  extends SharedArrayHandle<A, L>, AsyncDisposable
{
  readonly typecode: Typecode
  /** The number of elements (fixed). */
  readonly length: number
  getLock(): L
  /** Element `index` (negative counts from the end; outside → `IndexError`). */
  get(index: number): Promise<A>
  set(index: number, value: A): Promise<void>
  /** Replaces element `index` by `f` of it, atomically; resolves to the new element. */
  update(index: number, f: (a: A) => A): Promise<A>
  /** Python's `a[start:end]`. */
  slice(start?: number, end?: number): Promise<Array<A>>
  /** Python's `a[start:end] = values` (exactly as many values as the slice has elements). */
  setSlice(start: number | undefined, end: number | undefined, values: Iterable<A>): Promise<void>
  /** Every element (Python's `a[:]`). */
  toArray(): Promise<Array<A>>
  dispose(): Promise<void>
}

interface StorageMeta {
  readonly typecode: Typecode
  readonly length: number
  readonly lock: unknown
}

/** What Value and SharedArray objects share: their typecode and their lock. */
abstract class Storage extends SharedResource<StorageMeta> {
  #lock: LockableImpl | undefined
  get typecode(): Typecode {
    return this.meta.typecode
  }
  getLock(): LockableImpl | undefined {
    const lock = this.meta.lock
    return lock === undefined ? undefined : this.#lock ??= wrapLockable(lock, this.borrowed)
  }
}

class ValueImpl extends Storage {
  private get self(): Core.Value<unknown, undefined> {
    return this as never
  }
  get(): Promise<unknown> {
    return this.exec(Core.get(this.self))
  }
  set(value: unknown): Promise<void> {
    return this.exec(Core.set(this.self, value))
  }
  update(f: (a: unknown) => unknown): Promise<void> {
    return this.exec(Core.update(this.self, f))
  }
  updateAndGet(f: (a: unknown) => unknown): Promise<unknown> {
    return this.exec(Core.updateAndGet(this.self, f))
  }
}

class SharedArrayImpl extends Storage {
  private get self(): ArrayCore.SharedArray<unknown, undefined> {
    return this as never
  }
  get length(): number {
    return this.meta.length
  }
  get(index: number): Promise<unknown> {
    return this.exec(ArrayCore.get(this.self, index))
  }
  set(index: number, value: unknown): Promise<void> {
    return this.exec(ArrayCore.set(this.self, index, value))
  }
  update(index: number, f: (a: unknown) => unknown): Promise<unknown> {
    return this.exec(ArrayCore.update(this.self, index, f))
  }
  slice(start?: number, end?: number): Promise<Array<unknown>> {
    return this.exec(ArrayCore.slice(this.self, start, end))
  }
  setSlice(start: number | undefined, end: number | undefined, values: Iterable<unknown>): Promise<void> {
    return this.exec(ArrayCore.setSlice(this.self, start, end, values))
  }
  toArray(): Promise<Array<unknown>> {
    return this.exec(ArrayCore.toArray(this.self))
  }
}

/** The lock option as the core takes it. */
type LockOption = { readonly lock?: boolean | Lock | RLock } | undefined

/**
 * @since 0.1.0
 * @category constructors
 */
export const Value: {
  /** A value owned by this process until disposed (`init` defaults to zero), with a new RLock. */
  create<T extends Typecode>(typecode: T, init?: Element<T>, options?: { readonly lock?: true }): Promise<Value<Element<T>, RLock>>
  /** A raw value: no lock (`update` is a compare-and-set). */
  create<T extends Typecode>(
    typecode: T,
    init: Element<T> | undefined,
    options: { readonly lock: false }
  ): Promise<Value<Element<T>, undefined>>
  /** A value guarded by the given lock. */
  create<T extends Typecode, L extends Lock | RLock>(
    typecode: T,
    init: Element<T> | undefined,
    options: { readonly lock: L }
  ): Promise<Value<Element<T>, L>>
  /** Wraps a value handle received from elsewhere. */
  from<A, L extends LockHandle | RLockHandle | undefined>(handle: ValueHandle<A, L>): Value<A, LockOf<L>>
} = {
  create: (typecode: Typecode, init?: unknown, options?: LockOption) =>
    create(
      Core.make(typecode, init as never, options as never),
      (handle, owned) => new ValueImpl(handle as never, owned()) as never
    ),
  from: (handle: unknown) => new ValueImpl(expectHandle(handle, Core.isValue, "Value") as never, wrapped()) as never
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const SharedArray: {
  /** An array owned by this process until disposed: `size` zeros or the given elements, with a new RLock. */
  create<T extends Typecode>(
    typecode: T,
    sizeOrInit: number | Iterable<Element<T>>,
    options?: { readonly lock?: true }
  ): Promise<SharedArray<Element<T>, RLock>>
  create<T extends Typecode>(
    typecode: T,
    sizeOrInit: number | Iterable<Element<T>>,
    options: { readonly lock: false }
  ): Promise<SharedArray<Element<T>, undefined>>
  create<T extends Typecode, L extends Lock | RLock>(
    typecode: T,
    sizeOrInit: number | Iterable<Element<T>>,
    options: { readonly lock: L }
  ): Promise<SharedArray<Element<T>, L>>
  /** Wraps an array handle received from elsewhere. */
  from<A, L extends LockHandle | RLockHandle | undefined>(handle: SharedArrayHandle<A, L>): SharedArray<A, LockOf<L>>
} = {
  create: (typecode: Typecode, sizeOrInit: number | Iterable<unknown>, options?: LockOption) =>
    create(
      ArrayCore.make(typecode, sizeOrInit as never, options as never),
      (handle, owned) => new SharedArrayImpl(handle as never, owned()) as never
    ),
  from: (handle: unknown) =>
    new SharedArrayImpl(expectHandle(handle, ArrayCore.isSharedArray, "SharedArray") as never, wrapped()) as never
}
