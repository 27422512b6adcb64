/**
 * Arguments and items on their way to a worker: handles of shared resources encoded, and anything that
 * cannot be sent refused at the call with a `SerializationError` naming it.
 */
import type { BackendName } from "../../Backend.ts"
import { SerializationError } from "../../Errors.ts"
import * as Effect from "effect/Effect"
import { encodeHandles } from "../protocol/handle.ts"
import { JobKind } from "../protocol/pool.ts"
import { findUnsendable } from "../protocol/sendable.ts"

const needsLook = (v: unknown): boolean => {
  const t = typeof v
  return t === "object" ? v !== null : t === "function" || t === "symbol"
}

const unsendable = (backend: BackendName, found: string) =>
  new SerializationError({ message: `cannot send to a ${backend} worker: ${found}`, path: found.split(" ")[0]! })

/** An argument list ready for the wire: handles encoded, unsendable values refused (at the call). */
export const prepare = (
  backend: BackendName,
  args: ReadonlyArray<unknown>,
  path: string
): ReadonlyArray<unknown> | SerializationError => {
  if (backend === "fiber") return args
  let plain = true
  for (let i = 0; i < args.length; i++) if (needsLook(args[i])) plain = false
  if (plain) return args
  const encoded = encodeHandles(args) as ReadonlyArray<unknown>
  const found = findUnsendable(encoded, path)
  return found === undefined ? encoded : unsendable(backend, found)
}

export const prepareEffect = (backend: BackendName, args: ReadonlyArray<unknown>, path: string) => {
  const prepared = prepare(backend, args, path)
  return prepared instanceof SerializationError ? Effect.fail(prepared) : Effect.succeed(prepared)
}

/**
 * The items of a chunk ready for the wire (in place), or the error for the first item that cannot be
 * sent. Only objects are looked at: items are often numbers.
 */
export const prepareItems = (backend: BackendName, kind: JobKind) =>
(
  items: Array<unknown>,
  at: number
): ReadonlyArray<unknown> | SerializationError => {
  if (kind === JobKind.starmap) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i]
      if (!Array.isArray(item)) items[i] = Array.from(item as Iterable<unknown>)
    }
  }
  if (backend === "fiber") return items
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (!needsLook(item)) continue
    const encoded = encodeHandles(item)
    const found = findUnsendable(encoded, `items[${at + i}]`)
    if (found !== undefined) return unsendable(backend, found)
    items[i] = encoded
  }
  return items
}

