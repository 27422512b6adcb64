/**
 * A queue item (or a pipe's message) as a queue's shared memory keeps it: a tag and bytes. Numbers,
 * strings, booleans, `null`, `undefined` and plain `Uint8Array`s (a pipe's `sendBytes`) take a short
 * form of their own; anything else is `node:v8`'s structured serialization of the item with its handles
 * encoded, the same algorithm a thread's `postMessage` uses. Only isolates of one OS process (so one
 * runtime) read each other's bytes: Bun's `v8.serialize` format differs from Node's and Deno's.
 */
import * as v8 from "node:v8"
import { decodeHandles } from "./handle.ts"

const NUMBER = 1
const STRING = 2
const UNDEFINED = 3
const NULL = 4
const TRUE = 5
const FALSE = 6
const SERIALIZED = 7
const BYTES = 8

export interface Item {
  readonly tag: number
  /** A `Uint8Array` item's bytes are the array itself: whoever keeps them copies them. */
  readonly bytes: Uint8Array
}

const none = new Uint8Array(0)

/** A number's 8 bytes, in this machine's order (every reader runs on this machine). */
const float = new Float64Array(1)
const floatBytes = new Uint8Array(float.buffer)

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The item `value` (its handles already encoded by `encodeHandles`) is kept as; throws what the
 * serializer throws for a value it cannot clone.
 */
export const encodeItem = (value: unknown): Item => {
  switch (typeof value) {
    case "number": {
      float[0] = value
      return { tag: NUMBER, bytes: floatBytes.slice() }
    }
    case "string": {
      // at most 3 bytes per UTF-16 unit
      const bytes = new Uint8Array(value.length * 3)
      return { tag: STRING, bytes: bytes.subarray(0, encoder.encodeInto(value, bytes).written) }
    }
    case "undefined":
      return { tag: UNDEFINED, bytes: none }
    case "boolean":
      return { tag: value ? TRUE : FALSE, bytes: none }
  }
  if (value === null) return { tag: NULL, bytes: none }
  if (value instanceof Uint8Array && Object.getPrototypeOf(value) === Uint8Array.prototype) {
    return { tag: BYTES, bytes: value }
  }
  return { tag: SERIALIZED, bytes: v8.serialize(value) }
}

/** The value an item (as taken out of a queue's memory: its own bytes) stands for, handles working here. */
export const decodeItem = (item: Item): unknown => {
  switch (item.tag) {
    case NUMBER:
      floatBytes.set(item.bytes)
      return float[0]
    case STRING:
      return decoder.decode(item.bytes)
    case UNDEFINED:
      return undefined
    case NULL:
      return null
    case TRUE:
      return true
    case FALSE:
      return false
    case BYTES:
      return item.bytes
    default:
      return decodeHandles(v8.deserialize(item.bytes))
  }
}
