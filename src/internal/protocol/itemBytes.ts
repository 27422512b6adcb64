/**
 * A queue item as bytes, for a queue whose items live in shared memory. Numbers, strings, booleans,
 * `null` and `undefined` take a short form of their own (a tag byte and the value: most items are
 * small); anything else is `node:v8`'s structured serialization of the item with its handles encoded,
 * the same algorithm a thread's `postMessage` uses. Only isolates of one OS process (so one runtime)
 * read each other's bytes: Bun's `v8.serialize` format differs from Node's and Deno's.
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

/** A number's 8 bytes, in this machine's order (every reader runs on this machine). */
const float = new Float64Array(1)
const floatBytes = new Uint8Array(float.buffer)

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The bytes of `item`, whose handles are already encoded (`encodeHandles`); throws what the serializer
 * throws for a value it cannot clone.
 */
export const encodeItem = (item: unknown): Uint8Array => {
  switch (typeof item) {
    case "number": {
      const bytes = new Uint8Array(9)
      bytes[0] = NUMBER
      float[0] = item
      for (let i = 0; i < 8; i++) bytes[1 + i] = floatBytes[i]!
      return bytes
    }
    case "string": {
      // at most 3 bytes per UTF-16 unit
      const bytes = new Uint8Array(1 + item.length * 3)
      bytes[0] = STRING
      const { written } = encoder.encodeInto(item, bytes.subarray(1))
      return bytes.subarray(0, 1 + written)
    }
    case "undefined":
      return Uint8Array.of(UNDEFINED)
    case "boolean":
      return Uint8Array.of(item ? TRUE : FALSE)
  }
  if (item === null) return Uint8Array.of(NULL)
  const serialized = v8.serialize(item)
  const bytes = new Uint8Array(1 + serialized.length)
  bytes[0] = SERIALIZED
  bytes.set(serialized, 1)
  return bytes
}

/** The item `bytes` (from `encodeItem`) stand for: a fresh copy, its handles working here. */
export const decodeItem = (bytes: Uint8Array): unknown => {
  switch (bytes[0]) {
    case NUMBER:
      for (let i = 0; i < 8; i++) floatBytes[i] = bytes[1 + i]!
      return float[0]
    case STRING:
      return decoder.decode(bytes.subarray(1))
    case UNDEFINED:
      return undefined
    case NULL:
      return null
    case TRUE:
      return true
    case FALSE:
      return false
    default:
      return decodeHandles(v8.deserialize(bytes.subarray(1)))
  }
}
