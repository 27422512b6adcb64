/**
 * What Value and SharedArray share: Python's typecodes mapped to typed arrays, C's conversions (an
 * integer wraps, a float does not go into an integer), Python's indexing and slicing, the lock option,
 * and the storage the owner serves (a typed array of the typecode, one element for a Value).
 *
 * Conversions happen at the caller, so a bad element fails at the call without a round trip, and so
 * does the wrapping (a typed array of the typecode does it: `Int8Array` stores 200 as -56, as C's
 * `signed char` does); the owner stores what it is sent.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Exit from "effect/Exit"
import { IndexError, ResourceClosed, ValueError } from "../Errors.ts"
import { holderKey } from "./holder.ts"
import * as lockable from "./lockable.ts"
import { guarded } from "./guard.ts"
import { type Handle, isHandle } from "./protocol/handle.ts"
import { invoke, serve } from "./resource.ts"
import * as sharedLock from "./sharedLock.ts"
import { type Caller, router } from "./router.ts"
import { attach, attachReply, openView, serveShared } from "./shared.ts"

/** Python's typecodes (`array`/`ctypes`): sizes as on 64-bit Linux, where C's `long` has 64 bits. */
export type Typecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d" | "c"

/** The element type of a typecode: 64-bit integers are bigints, `"c"` a one-character string. */
export type Element<T extends Typecode> = T extends "l" | "L" | "q" | "Q" ? bigint : T extends "c" ? string : number

type Kind = "int" | "bigint" | "float" | "char"

type TypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array

interface Spec {
  readonly kind: Kind
  readonly bits: number
  readonly make: (buffer: ArrayBufferLike) => TypedArray
}

const specs: Readonly<Record<Typecode, Spec>> = {
  b: { kind: "int", bits: 8, make: (b) => new Int8Array(b) },
  B: { kind: "int", bits: 8, make: (b) => new Uint8Array(b) },
  h: { kind: "int", bits: 16, make: (b) => new Int16Array(b) },
  H: { kind: "int", bits: 16, make: (b) => new Uint16Array(b) },
  i: { kind: "int", bits: 32, make: (b) => new Int32Array(b) },
  I: { kind: "int", bits: 32, make: (b) => new Uint32Array(b) },
  l: { kind: "bigint", bits: 64, make: (b) => new BigInt64Array(b) },
  L: { kind: "bigint", bits: 64, make: (b) => new BigUint64Array(b) },
  q: { kind: "bigint", bits: 64, make: (b) => new BigInt64Array(b) },
  Q: { kind: "bigint", bits: 64, make: (b) => new BigUint64Array(b) },
  f: { kind: "float", bits: 32, make: (b) => new Float32Array(b) },
  d: { kind: "float", bits: 64, make: (b) => new Float64Array(b) },
  c: { kind: "char", bits: 8, make: (b) => new Uint8Array(b) }
}

/** A typed array of `typecode` with `length` elements, in shared memory or not. */
const arrayOf = (typecode: Typecode, length: number, shared: boolean): TypedArray => {
  const bytes = length * (specs[typecode].bits / 8)
  return specs[typecode].make(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes))
}

/** Integer views of a float's bits, for a compare-and-swap of floats. */
const bitsOf = (array: TypedArray): Int32Array | BigInt64Array | undefined =>
  array instanceof Float32Array
    ? new Int32Array(array.buffer)
    : array instanceof Float64Array
    ? new BigInt64Array(array.buffer)
    : undefined

/**
 * Sets element `i` to `next` if it is still `expected`, atomically (also against other threads
 * writing the same shared memory): integers by `Atomics.compareExchange`, floats on their bits.
 */
const compareAndSet = (array: TypedArray, i: number, expected: Stored, next: Stored): boolean =>
  guarded(() => swap(array, i, expected, next))

const swap = (array: TypedArray, i: number, expected: Stored, next: Stored): boolean => {
  const bits = bitsOf(array)
  if (bits === undefined) {
    return Object.is(Atomics.compareExchange(array as Int32Array, i, expected as number, next as number), expected)
  }
  const scratch = array.constructor === Float32Array ? new Float32Array(2) : new Float64Array(2)
  scratch[0] = expected as number
  scratch[1] = next as number
  const pair = bitsOf(scratch)!
  return Atomics.compareExchange(bits as Int32Array, i, pair[0] as number, pair[1] as number) === pair[0]
}

export const typecodes: ReadonlyArray<Typecode> = Object.keys(specs) as Array<Typecode>

/** What the owner's typed array stores. */
export type Stored = number | bigint

export const isTypecode = (u: unknown): u is Typecode => typeof u === "string" && Object.hasOwn(specs, u)

/** Python's name of a JavaScript value's type, for its messages. */
const pyType = (u: unknown): string =>
  typeof u === "number"
    ? Number.isInteger(u) ? "int" : "float"
    : typeof u === "string"
    ? "str"
    : typeof u === "boolean"
    ? "bool"
    : typeof u === "bigint"
    ? "int"
    : u === null || u === undefined
    ? "NoneType"
    : Array.isArray(u)
    ? "list"
    : typeof u

const cells = new Map<Typecode, { [i: number]: Stored }>()

/** What a typed array of `typecode` stores for `value`: C's wrapping and rounding. */
const wrap = (typecode: Typecode, value: Stored): Stored => {
  let cell = cells.get(typecode)
  if (cell === undefined) cells.set(typecode, cell = arrayOf(typecode, 1, false) as never)
  cell[0] = value
  return cell[0]!
}

/** Converts an element for storage as C would, or fails as Python does (`TypeError`'s message). */
export const toStored = (typecode: Typecode, value: unknown): Stored | ValueError => {
  const converted = convert(typecode, value)
  return converted instanceof ValueError ? converted : wrap(typecode, converted)
}

const convert = (typecode: Typecode, value: unknown): Stored | ValueError => {
  const spec = specs[typecode]
  switch (spec.kind) {
    case "int":
      if (typeof value === "number" && Number.isInteger(value)) return value
      // the low bits, exactly (a bigint beyond 2^53 would lose them as a number)
      if (typeof value === "bigint") return Number(BigInt.asUintN(spec.bits, value))
      return new ValueError({ message: `int expected instead of ${pyType(value)}` })
    case "bigint":
      if (typeof value === "bigint") return value
      if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value)
      return new ValueError({ message: `int expected instead of ${pyType(value)}` })
    case "float":
      if (typeof value === "number") return value
      if (typeof value === "bigint") return Number(value)
      return new ValueError({ message: `must be real number, not ${pyType(value)}` })
    case "char":
      if (typeof value === "string" && value.length === 1 && value.charCodeAt(0) < 256) return value.charCodeAt(0)
      if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 256) return value
      return new ValueError({ message: "one character bytes, bytearray or integer expected" })
  }
}

/** A stored element as the user sees it. */
export const fromStored = (typecode: Typecode, stored: Stored): unknown =>
  specs[typecode].kind === "char" ? String.fromCharCode(stored as number) : stored

/** Converts every element, failing on the first bad one. */
export const toStoredAll = (typecode: Typecode, values: Iterable<unknown>): Effect.Effect<Array<Stored>, ValueError> =>
  Effect.suspend(() => {
    const out: Array<Stored> = []
    for (const value of values) {
      const stored = toStored(typecode, value)
      if (stored instanceof ValueError) return Effect.fail(stored)
      out.push(stored)
    }
    return Effect.succeed(out)
  })

const toStoredEffect = (typecode: Typecode, value: unknown): Effect.Effect<Stored, ValueError> => {
  const stored = toStored(typecode, value)
  return stored instanceof ValueError ? Effect.fail(stored) : Effect.succeed(stored)
}

/** Python's index: negative counts from the end; outside the array → `IndexError("invalid index")`. */
export const normalizeIndex = (index: number, length: number): Effect.Effect<number, IndexError | ValueError> => {
  if (!Number.isInteger(index)) return Effect.fail(new ValueError({ message: "indices must be integers" }))
  const i = index < 0 ? index + length : index
  return i >= 0 && i < length ? Effect.succeed(i) : Effect.fail(new IndexError({ message: "invalid index" }))
}

/** Python's slice bounds: negative counts from the end, then clamped to the array. */
export const sliceBounds = (
  length: number,
  start: number | undefined,
  end: number | undefined
): Effect.Effect<readonly [number, number], ValueError> => {
  const bound = (x: number | undefined, otherwise: number) =>
    x === undefined ? otherwise : Math.min(length, Math.max(0, x < 0 ? x + length : x))
  if ((start !== undefined && !Number.isInteger(start)) || (end !== undefined && !Number.isInteger(end))) {
    return Effect.fail(new ValueError({ message: "slice indices must be integers" }))
  }
  const s = bound(start, 0)
  return Effect.succeed([s, Math.max(s, bound(end, length))] as const)
}

// ---------------------------------------------------------------------------------------------------
// The lock option
// ---------------------------------------------------------------------------------------------------

/** Python's `lock=`: `true` (default) a new RLock, `false` none, or the Lock/RLock to use. */
export type LockOption = boolean | Handle<unknown>

const isLockOrRLock = (u: unknown): u is Handle<unknown> => lockable.isLockable(u) && (u.kind === "Lock" || u.kind === "RLock")

const lockFor = (option: LockOption | undefined): Effect.Effect<Handle<unknown> | undefined, ValueError, Scope.Scope> => {
  if (option === undefined || option === true) return sharedLock.make("RLock")
  if (option === false) return Effect.succeed(undefined)
  return isLockOrRLock(option)
    ? Effect.succeed(option)
    : Effect.fail(new ValueError({ message: `lock must be a boolean, a Lock or an RLock, not ${pyType(option)}` }))
}

// ---------------------------------------------------------------------------------------------------
// The owner's storage and its handle operations
// ---------------------------------------------------------------------------------------------------

export type StorageKind = "Value" | "SharedArray"

export interface StorageMeta {
  readonly typecode: Typecode
  readonly length: number
  /** The lock that guards compound updates (`getLock`), if any. */
  readonly lock: Handle<unknown> | undefined
}

export type Storage = Handle<StorageMeta>

export const isStorage = (kind: StorageKind) => (u: unknown): u is Storage => isHandle(u) && u.kind === kind

/**
 * The memory of a storage: its elements in a `SharedArrayBuffer`, then a cell that says whether the
 * owner has closed it (so that threads working on it directly fail as remote callers do).
 */
interface Memory {
  readonly array: TypedArray
  readonly closed: boolean
  readonly close: () => void
}

/** Bytes of `length` elements, rounded up to 8 (where the closed cell goes). */
const dataBytes = (typecode: Typecode, length: number): number => Math.ceil((length * specs[typecode].bits) / 64) * 8

const memoryOf = (typecode: Typecode, buffer: SharedArrayBuffer, length: number): Memory => {
  const cell = new Int32Array(buffer, dataBytes(typecode, length), 1)
  return {
    array: specs[typecode].make(buffer).subarray(0, length) as TypedArray,
    get closed() {
      return Atomics.load(cell, 0) !== 0
    },
    close: () => Atomics.store(cell, 0, 1)
  }
}

const allocate = (typecode: Typecode, length: number): SharedArrayBuffer =>
  new SharedArrayBuffer(dataBytes(typecode, length) + 8)

const read = (array: TypedArray, start: number, end: number): Array<Stored> => {
  const out: Array<Stored> = []
  for (let i = start; i < end; i++) out.push(array[i]!)
  return out
}

const write = (array: TypedArray, start: number, values: ReadonlyArray<Stored>): void =>
  guarded(() => {
    for (let k = 0; k < values.length; k++) (array as { [i: number]: Stored })[start + k] = values[k]!
  })

/** Serves a typed array of `typecode` holding `init` (already converted) for the life of the scope. */
export const make = (
  kind: StorageKind,
  typecode: Typecode,
  init: ReadonlyArray<Stored>,
  lock: LockOption | undefined
): Effect.Effect<Storage, ValueError, Scope.Scope> =>
  Effect.flatMap(lockFor(lock), (lock) =>
    Effect.suspend(() => {
      const buffer = allocate(typecode, init.length)
      const memory = memoryOf(typecode, buffer, init.length)
      const array = memory.array
      const store = array as { [i: number]: Stored }
      write(array, 0, init)
      return serveShared({
        kind,
        operations: {
          attach: ([, pid]: [string, number]) => Effect.sync(() => attachReply(buffer, 0, pid)),
          get: ([i]: [number]) => Effect.sync(() => store[i]!),
          set: ([i, value]: [number, Stored]) => Effect.sync(() => write(array, i, [value])),
          /** Sets `next` if the element is still `expected` (as read before): lock-free updates. */
          compareAndSet: ([i, expected, next]: [number, Stored, Stored]) =>
            Effect.sync(() => compareAndSet(array, i, expected, next)),
          /**
           * Takes the lock for the caller, as its own `acquire` would, and reads element `i`: the
           * first half of a locked update in one round trip (when this node also serves the lock).
           */
          lockedGet: ([i, key]: [number, string], caller: Caller) =>
            Effect.map(lockOp(lock, "acquire", [-1, key], caller), (token) => [token, store[i]!] as const),
          /** A `lockedGet` whose caller gave up or ended: the lock it took goes back. */
          undoLockedGet: ([[token]]: [readonly [unknown, Stored]], caller: Caller) =>
            Effect.ignore(lockOp(lock, "undoAcquire", [token], caller)),
          /** The second half: writes element `i` and releases the lock, as the caller. */
          setRelease: ([i, value, key]: [number, Stored, string], caller: Caller) =>
            Effect.suspend(() => {
              write(array, i, [value])
              return lockOp(lock, "release", [key], caller)
            }),
          slice: ([start, end]: [number, number]) => Effect.sync(() => read(array, start, end)),
          setSlice: ([start, values]: [number, ReadonlyArray<Stored>]) => Effect.sync(() => write(array, start, values))
        }
      }, { typecode, length: init.length, lock }, buffer, memory)
    }))

/**
 * The storage's elements in this isolate's memory, when its owner runs in this OS process (and has
 * not closed it); else `undefined`, and its operations are calls to the owner.
 */
const direct = (self: Storage): Effect.Effect<TypedArray | undefined> =>
  Effect.map(attach(self, ""), (attached) =>
    attached === undefined
      ? undefined
      : openView(self, attached, (buffer) => memoryOf(self.meta.typecode, buffer, self.meta.length))?.array)

/** `onDirect` on the elements in this isolate's memory, or `onCall` (a call to the owner). */
const either = <A, E>(
  self: Storage,
  onDirect: (array: TypedArray) => Effect.Effect<A, E>,
  onCall: Effect.Effect<A, E | ResourceClosed>
): Effect.Effect<A, E | ResourceClosed> =>
  Effect.flatMap(direct(self), (array) => array === undefined ? onCall : onDirect(array))

/**
 * Runs an operation of a lock served by this node on behalf of `caller` (so that the lock counts the
 * caller, not this node, as its holder). An interruption that comes after the lock was granted gives
 * the grant back.
 */
const lockOp = (lock: Handle<unknown> | undefined, op: string, args: ReadonlyArray<unknown>, caller: Caller) =>
  Effect.async<unknown, unknown>((resume) => {
    const served = lock === undefined ? undefined : router().served.get(lock.rid)
    if (lock === undefined || served === undefined || lock.node !== router().node) {
      resume(Effect.fail(new ResourceClosed({ message: "the lock is not served here" })))
      return
    }
    let interrupted = false
    const cancel = served.invoke(op, args, caller, (ok, value) => {
      if (!interrupted) resume(ok ? Effect.succeed(value) : Effect.fail(value))
      else if (ok && op === "acquire") served.invoke("undoAcquire", [value], caller, () => {})
    })
    return Effect.sync(() => {
      interrupted = true
      cancel(() => {})
    })
  })

/**
 * An update under a lock served by the storage's own owner (the default RLock always is): two round
 * trips (`lockedGet`, `setRelease`) instead of four (acquire, get, set, release). If `f` fails, or the
 * caller is interrupted in between, the lock is released.
 */
const lockedUpdate = (
  self: Storage,
  lock: Handle<unknown>,
  i: number,
  next: (stored: Stored) => Effect.Effect<Stored, ValueError>
): Effect.Effect<Stored, ValueError | ResourceClosed> =>
  Effect.flatMap(holderKey(lock), (key) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(
        Effect.mapError(
          restore(invoke<readonly [unknown, Stored], unknown>(self, "lockedGet", [i, key], "undoLockedGet")),
          asClosed
        ),
        ([, stored]) =>
          Effect.flatMap(Effect.exit(restore(Effect.suspend(() => next(stored)))), (exit): Effect.Effect<Stored, ValueError | ResourceClosed> =>
            Exit.isSuccess(exit)
              ? Effect.as(Effect.mapError(invoke<void, unknown>(self, "setRelease", [i, exit.value, key]), asClosed), exit.value)
              : Effect.zipRight(Effect.ignore(lockable.release(lock)), exit))
      )
    ))

/** A failure of the lock's own operations here can only mean that the lock (or its owner) is gone. */
const asClosed = (e: unknown): ResourceClosed =>
  e instanceof ResourceClosed ? e : new ResourceClosed({ message: e instanceof Error ? e.message : String(e) })

/** Converts the initial elements; an integer `size` gives that many zeros. */
export const initial = (typecode: Typecode, sizeOrInit: number | Iterable<unknown>): Effect.Effect<Array<Stored>, ValueError> => {
  if (!isTypecode(typecode)) return Effect.fail(new ValueError({ message: `bad typecode (must be one of ${typecodes.join(" ")}): ${String(typecode)}` }))
  if (typeof sizeOrInit === "number") {
    if (!Number.isInteger(sizeOrInit) || sizeOrInit < 0) {
      return Effect.fail(new ValueError({ message: `size must be a non-negative integer, not ${sizeOrInit}` }))
    }
    const zero: Stored = specs[typecode].kind === "bigint" ? 0n : 0
    return Effect.succeed(new Array<Stored>(sizeOrInit).fill(zero))
  }
  return toStoredAll(typecode, sizeOrInit)
}

const getStored = (self: Storage, i: number) =>
  either(self, (array) => Effect.sync(() => array[i]!), invoke<Stored, never>(self, "get", [i]))

const setStored = (self: Storage, i: number, value: Stored) =>
  either(
    self,
    (array) => Effect.sync(() => write(array, i, [value])),
    invoke<void, never>(self, "set", [i, value])
  )

export const getAt = (self: Storage, index: number): Effect.Effect<unknown, IndexError | ValueError | ResourceClosed> =>
  Effect.flatMap(normalizeIndex(index, self.meta.length), (i) =>
    Effect.map(getStored(self, i), (stored) => fromStored(self.meta.typecode, stored)))

export const setAt = (self: Storage, index: number, value: unknown): Effect.Effect<void, IndexError | ValueError | ResourceClosed> =>
  Effect.flatMap(
    Effect.zip(normalizeIndex(index, self.meta.length), toStoredEffect(self.meta.typecode, value)),
    ([i, stored]) => setStored(self, i, stored)
  )

export const slice = (
  self: Storage,
  start: number | undefined,
  end: number | undefined
): Effect.Effect<Array<unknown>, ValueError | ResourceClosed> =>
  Effect.flatMap(sliceBounds(self.meta.length, start, end), ([s, e]) =>
    s === e
      ? Effect.succeed([])
      : Effect.map(
        either(self, (array) => Effect.sync(() => read(array, s, e)), invoke<Array<Stored>, never>(self, "slice", [s, e])),
        (stored) => stored.map((x) => fromStored(self.meta.typecode, x))
      ))

/** Python's `a[start:end] = values`: the slice and the values must have the same length. */
export const setSlice = (
  self: Storage,
  start: number | undefined,
  end: number | undefined,
  values: Iterable<unknown>
): Effect.Effect<void, ValueError | ResourceClosed> =>
  Effect.flatMap(
    Effect.zip(sliceBounds(self.meta.length, start, end), toStoredAll(self.meta.typecode, values)),
    ([[s, e], stored]): Effect.Effect<void, ValueError | ResourceClosed> =>
      stored.length !== e - s
        ? Effect.fail(new ValueError({ message: "Can only assign sequence of same size" }))
        : stored.length === 0
        ? Effect.void
        : either(self, (array) => Effect.sync(() => write(array, s, stored)), invoke<void, never>(self, "setSlice", [s, stored]))
  )

/**
 * Applies `f` to element `i` atomically: under the lock when there is one (so that it also excludes
 * those who hold the lock to read and write by hand), else by compare-and-set until no other update
 * came in between. Returns the new element, as stored. Where the elements are in this isolate's
 * memory, so is the work (and the lock's, when it is in this OS process too).
 */
export const updateAt = <A>(
  self: Storage,
  index: number,
  f: (a: A) => A
): Effect.Effect<A, IndexError | ValueError | ResourceClosed> =>
  Effect.flatMap(normalizeIndex(index, self.meta.length), (i): Effect.Effect<Stored, ValueError | ResourceClosed> => {
    const { lock, typecode } = self.meta
    const next = (stored: Stored) => toStoredEffect(typecode, f(fromStored(typecode, stored) as A))
    const get = getStored(self, i)
    if (lock !== undefined) {
      const locked = lockable.withLock(
        lock,
        Effect.flatMap(get, (stored) => Effect.flatMap(next(stored), (value) => Effect.as(setStored(self, i, value), value)))
      )
      return Effect.flatMap(direct(self), (array) =>
        array === undefined
          ? lock.node === self.node ? lockedUpdate(self, lock, i, next) : locked
          : Effect.withFiberRuntime((fiber) => {
            // elements and lock both in this isolate's memory, and the lock free: all of it at once
            const held = lockable.directNow(lock, fiber)
            if (held === undefined || !held.lock.tryAcquire(held.taker)) return locked
            let stored: Stored | ValueError
            try {
              stored = toStored(typecode, f(fromStored(typecode, array[i]!) as A))
              if (!(stored instanceof ValueError)) write(array, i, [stored])
            } catch (defect) {
              held.lock.release(held.taker)
              return Effect.die(defect)
            }
            held.lock.release(held.taker)
            return stored instanceof ValueError ? Effect.fail(stored) : Effect.succeed(stored)
          }))
    }
    const attempt = Effect.flatMap(get, (stored) =>
      Effect.flatMap(next(stored), (value) =>
        Effect.map(
          either(
            self,
            (array) => Effect.sync(() => compareAndSet(array, i, stored, value)),
            invoke<boolean, never>(self, "compareAndSet", [i, stored, value])
          ),
          (done) => done ? [value] as const : undefined
        )))
    return Effect.map(Effect.repeat(attempt, { until: (swapped) => swapped !== undefined }), (swapped) => swapped![0])
  }).pipe(Effect.map((stored) => fromStored(self.meta.typecode, stored) as A))
