/**
 * A queue item (or a pipe's message) as a queue's shared memory keeps it: a tag and bytes. Numbers,
 * strings, booleans, `null`, `undefined` and plain `Uint8Array`s (a pipe's `sendBytes`) take a short
 * form of their own; anything else is `node:v8`'s structured serialization of the item with its handles
 * encoded, the same algorithm a thread's `postMessage` uses. Only isolates of one OS process (so one
 * runtime) read each other's bytes: Bun's `v8.serialize` format differs from Node's and Deno's.
 *
 * In a queue's memory each item is a frame: its length, its tag, its bytes (`FRAME_HEADER`). Many
 * items put or taken at once travel as `Frames`, laid out the same way, so that they are copied in or
 * out with one copy.
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
export const decodeItem = (item: Item): unknown => decodePayload(item.tag, item.bytes)

const decodePayload = (tag: number, bytes: Uint8Array): unknown => {
  switch (tag) {
    case NUMBER:
      floatBytes.set(bytes)
      return float[0]
    case STRING:
      return decoder.decode(bytes)
    case UNDEFINED:
      return undefined
    case NULL:
      return null
    case TRUE:
      return true
    case FALSE:
      return false
    case BYTES:
      return bytes
    default:
      return decodeHandles(v8.deserialize(bytes))
  }
}

// ---------------------------------------------------------------------------------------------------
// Frames: items one after another, as a queue's memory keeps them
// ---------------------------------------------------------------------------------------------------

/** Before an item's bytes in a frame: their length (32 bits, little-endian), then the item's tag. */
export const FRAME_HEADER = 5

/** Items framed one after another; item `i`'s frame ends at `ends[i]` (and begins where `i - 1`'s ends). */
export interface Frames {
  readonly bytes: Uint8Array
  readonly ends: ReadonlyArray<number>
}

/** Writes `length` and `tag`, the header of a frame, at `at`. */
export const writeFrameHeader = (bytes: Uint8Array, at: number, length: number, tag: number): void => {
  bytes[at] = length & 0xff
  bytes[at + 1] = (length >>> 8) & 0xff
  bytes[at + 2] = (length >>> 16) & 0xff
  bytes[at + 3] = length >>> 24
  bytes[at + 4] = tag
}

/** The length of the bytes of the frame at `at`. */
export const frameLength = (bytes: Uint8Array, at: number): number =>
  (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 0x1000000

/** Builds `Frames`: numbers and strings are written in place (no `Item` is made for them). */
export class FramesWriter {
  private bytes = new Uint8Array(4096)
  private at = 0
  private readonly ends: Array<number> = []

  private reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n))
    bigger.set(this.bytes.subarray(0, this.at))
    this.bytes = bigger
  }

  private end(length: number, tag: number): void {
    writeFrameHeader(this.bytes, this.at, length, tag)
    this.at += FRAME_HEADER + length
    this.ends.push(this.at)
  }

  /** Adds a number or a string, written in place. */
  add(value: number | string): void {
    if (typeof value === "number") {
      this.reserve(FRAME_HEADER + 8)
      float[0] = value
      this.bytes.set(floatBytes, this.at + FRAME_HEADER)
      return this.end(8, NUMBER)
    }
    this.reserve(FRAME_HEADER + value.length * 3)
    this.end(encoder.encodeInto(value, this.bytes.subarray(this.at + FRAME_HEADER)).written, STRING)
  }

  addItem(item: Item): void {
    this.reserve(FRAME_HEADER + item.bytes.length)
    this.bytes.set(item.bytes, this.at + FRAME_HEADER)
    this.end(item.bytes.length, item.tag)
  }

  get frames(): Frames {
    return { bytes: this.bytes.subarray(0, this.at), ends: this.ends }
  }
}

/** The items of frames (their own copy), handles working here. */
export const decodeFrames = (frames: Frames): Array<unknown> => {
  const { bytes, ends } = frames
  const values = new Array<unknown>(ends.length)
  for (let i = 0, at = 0; i < ends.length; at = ends[i++]!) {
    const tag = bytes[at + 4]!
    const payload = at + FRAME_HEADER
    if (tag === NUMBER) {
      for (let k = 0; k < 8; k++) floatBytes[k] = bytes[payload + k]!
      values[i] = float[0]
    } else {
      // a `Uint8Array` item is an array of its own, not a view of the others' bytes
      const own = tag === BYTES ? bytes.slice(payload, ends[i]) : bytes.subarray(payload, ends[i])
      values[i] = decodePayload(tag, own)
    }
  }
  return values
}

/** Frame `i` of `frames` as an item (its bytes a view of the frames'). */
export const frameItem = (frames: Frames, i: number): Item => {
  const at = i === 0 ? 0 : frames.ends[i - 1]!
  return { tag: frames.bytes[at + 4]!, bytes: frames.bytes.subarray(at + FRAME_HEADER, frames.ends[i]) }
}
