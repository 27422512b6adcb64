/**
 * Pipe and Connection: one owner serves both ends of a pipe, each end its own resource (so that a late
 * `recv` result that lost its caller is given back to the right end). Each end has an inbox, a `Fifo`
 * of the messages the other end sent it. Closing an end closes it for every holder: its own inbox is
 * dropped, and the peer's inbox ends with `EOFError` once drained.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Scope from "effect/Scope"
import {
  BrokenPipe,
  BufferTooShort,
  ConnectionError,
  EOFError,
  ResourceClosed,
  SerializationError,
  ValueError
} from "../Errors.ts"
import { Fifo } from "./fifo.ts"
import { encodeHandles, type Handle, isHandle } from "./protocol/handle.ts"
import { findUnsendable } from "./protocol/sendable.ts"
import { invoke, serve } from "./resource.ts"

export const kind = "Connection"

export interface ConnectionMeta {
  readonly readable: boolean
  readonly writable: boolean
}

export type Connection = Handle<ConnectionMeta>

/** What `recvBytesInto` fills: any typed array, a DataView or an ArrayBuffer. */
export type WritableBuffer = ArrayBufferView | ArrayBufferLike

const handleClosed = (why?: string) =>
  new ConnectionError({ message: why === undefined ? "handle is closed" : `handle is closed (${why})` })
const readOnly = () => new ConnectionError({ message: "connection is read-only" })
const writeOnly = () => new ConnectionError({ message: "connection is write-only" })
const noWait = () => new ConnectionError({ message: "no message" })

// ---------------------------------------------------------------------------------------------------
// Owner side
// ---------------------------------------------------------------------------------------------------

interface End {
  readonly meta: ConnectionMeta
  /** Messages the other end sent to this one. */
  readonly inbox: Fifo<unknown>
  closed: boolean
  /** A duplex end whose reader gave up on a too long message (Python's "bad message length"). */
  unreadable: boolean
}

/** Bytes of a message, when it is one (`sendBytes` sends a Uint8Array; `send` may send any view). */
const bytesOf = (message: unknown): Uint8Array | undefined =>
  message instanceof Uint8Array
    ? message
    : ArrayBuffer.isView(message)
    ? new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
    : message instanceof ArrayBuffer
    ? new Uint8Array(message)
    : undefined

const makeEnds = (duplex: boolean): readonly [End, End] => {
  const end = (readable: boolean, writable: boolean): End => ({
    meta: { readable, writable },
    inbox: new Fifo<unknown>(0),
    closed: false,
    unreadable: false
  })
  // Python's `Pipe(duplex=False)` returns (reader, writer).
  return duplex ? [end(true, true), end(true, true)] : [end(true, false), end(false, true)]
}

const closeEnd = (ends: readonly [End, End], i: 0 | 1): void => {
  const self = ends[i]
  if (self.closed) return
  self.closed = true
  self.inbox.close(handleClosed(), true)
  ends[1 - i]!.inbox.close(new EOFError())
}

/** The operations of end `i`, as its owner serves them. */
const operations = (ends: readonly [End, End], i: 0 | 1) => {
  const self = ends[i]
  const peer = ends[1 - i]!
  const readable = (): ConnectionError | undefined =>
    self.closed ? handleClosed() : !self.meta.readable || self.unreadable ? writeOnly() : undefined
  /** Takes the next message; `use` runs at once on it (no interruption in between: nothing is lost). */
  const takeThen = <A, E>(use: (message: unknown) => Effect.Effect<A, E>) =>
    Effect.suspend(() => {
      const error = readable()
      if (error !== undefined) return Effect.fail(error)
      return Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(self.inbox.take(true, noWait) as Effect.Effect<unknown, EOFError | ConnectionError>), use)
      )
    })
  const badMessageLength = () => {
    // Python: a duplex end stays writable but reads no more; a reader-only end is closed.
    if (self.meta.writable) self.unreadable = true
    else closeEnd(ends, i)
    return new ConnectionError({ message: "bad message length" })
  }
  return {
    send: ([message]: [unknown]) =>
      Effect.suspend((): Effect.Effect<void, ConnectionError | BrokenPipe> => {
        if (self.closed) return Effect.fail(handleClosed())
        if (!self.meta.writable) return Effect.fail(readOnly())
        if (peer.closed) return Effect.fail(new BrokenPipe())
        return Effect.orElseFail(peer.inbox.put(message, false, noWait), () => new BrokenPipe())
      }),
    recv: () => takeThen(Effect.succeed),
    /** `maxlength` < 0: any length. */
    recvBytes: ([maxlength]: [number]) =>
      takeThen((message): Effect.Effect<Uint8Array, ValueError | ConnectionError> => {
        const bytes = bytesOf(message)
        if (bytes === undefined) {
          self.inbox.unget(message)
          return Effect.fail(new ValueError({ message: "the message was not sent as bytes: use recv" }))
        }
        if (maxlength >= 0 && bytes.byteLength > maxlength) return Effect.fail(badMessageLength())
        return Effect.succeed(bytes)
      }),
    /** A `recv` result that arrived after its caller gave up goes back to the front. */
    unrecv: ([message]: [unknown]) => Effect.sync(() => self.inbox.unget(message)),
    /** `ms` 0: answer at once; < 0: wait for ever. True once a message, or the end of the pipe, is there. */
    poll: ([ms]: [number]) =>
      Effect.suspend((): Effect.Effect<boolean, ConnectionError> => {
        const error = readable()
        if (error !== undefined) return Effect.fail(error)
        if (self.inbox.size > 0 || self.inbox.closed) return Effect.succeed(true)
        if (ms === 0) return Effect.succeed(false)
        const arrived = Effect.catchAll(
          takeThen((message) => Effect.sync(() => self.inbox.unget(message))),
          (e) => e instanceof EOFError ? Effect.void : Effect.fail(e)
        )
        return ms < 0
          ? Effect.as(arrived, true)
          : Effect.timeoutTo(arrived, { duration: Duration.millis(ms), onSuccess: () => true, onTimeout: () => false })
      }),
    close: () => Effect.sync(() => closeEnd(ends, i)),
    state: () => Effect.sync(() => [self.closed, self.meta.readable && !self.unreadable] as const)
  }
}

/** Serves a new pipe in the current scope; its two ends close with the scope. */
export const make = (duplex: boolean): Effect.Effect<readonly [Connection, Connection], never, Scope.Scope> =>
  Effect.gen(function*() {
    const ends = makeEnds(duplex)
    const a = yield* serve({ kind, operations: operations(ends, 0) }, ends[0].meta)
    const b = yield* serve({ kind, operations: operations(ends, 1) }, ends[1].meta)
    // Added last, so it runs first: both ends close before either stops answering.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const end of ends) end.closed = true
        for (const end of ends) end.inbox.close(handleClosed("the pipe's owner has ended"), true)
      })
    )
    return [a, b] as const
  })

// ---------------------------------------------------------------------------------------------------
// Handle operations
// ---------------------------------------------------------------------------------------------------

export const isConnection = (u: unknown): u is Connection => isHandle(u) && u.kind === kind

const isResourceClosed = (e: unknown): e is ResourceClosed => e instanceof ResourceClosed

/** Invokes an operation of an end; an end whose owner is gone is a closed end. */
const call = <A, E>(self: Connection, op: string, args: ReadonlyArray<unknown>, undo?: string) =>
  Effect.catchIf(
    invoke<A, E>(self, op, args, undo),
    isResourceClosed,
    (e) => Effect.fail(handleClosed(e.message))
  )

/** Python's checks before a read or a write, done here so that nothing is sent for a misuse. */
const checkRead = (self: Connection): ConnectionError | undefined =>
  self.local.closed ? handleClosed() : self.meta.readable ? undefined : writeOnly()
const checkWrite = (self: Connection): ConnectionError | undefined =>
  self.local.closed ? handleClosed() : self.meta.writable ? undefined : readOnly()

const ensure = <A, E>(check: E | undefined, effect: () => Effect.Effect<A, E>): Effect.Effect<A, E> =>
  check === undefined ? Effect.suspend(effect) : Effect.fail(check)

const isInteger = (n: number) => Number.isSafeInteger(n)

const bytesView = (buffer: ArrayBufferView | ArrayBufferLike): Uint8Array =>
  ArrayBuffer.isView(buffer)
    ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : new Uint8Array(buffer)

export const send: {
  (message: unknown): (self: Connection) => Effect.Effect<void, ConnectionError | BrokenPipe | SerializationError>
  (self: Connection, message: unknown): Effect.Effect<void, ConnectionError | BrokenPipe | SerializationError>
} = dual(
  (args) => isConnection(args[0]),
  (self: Connection, message: unknown) =>
    ensure(checkWrite(self), (): Effect.Effect<void, ConnectionError | BrokenPipe | SerializationError> => {
      const unsendable = findUnsendable(encodeHandles(message), "message")
      if (unsendable !== undefined) {
        return Effect.fail(
          new SerializationError({ message: `cannot send: ${unsendable}`, path: unsendable.split(" ")[0]! })
        )
      }
      return call<void, ConnectionError | BrokenPipe>(self, "send", [message])
    })
)

export const recv = (self: Connection): Effect.Effect<unknown, EOFError | ConnectionError> =>
  ensure(checkRead(self), () => call<unknown, EOFError | ConnectionError>(self, "recv", [], "unrecv"))

export interface PollOptions {
  readonly timeout?: Duration.DurationInput | undefined
}

export const poll: {
  (options?: PollOptions): (self: Connection) => Effect.Effect<boolean, ConnectionError>
  (self: Connection, options?: PollOptions): Effect.Effect<boolean, ConnectionError>
} = dual(
  (args) => isConnection(args[0]),
  (self: Connection, options?: PollOptions) =>
    ensure(checkRead(self), () => {
      const ms = options?.timeout === undefined ? 0 : Duration.toMillis(Duration.decode(options.timeout))
      // Python: a negative timeout answers at once; `None` (here: infinity) waits for ever.
      const wire = ms === Infinity ? -1 : ms > 0 ? ms : 0
      return call<boolean, ConnectionError>(self, "poll", [wire])
    })
)

export interface SendBytesOptions {
  /** Where the message starts in the buffer, in bytes (default 0). */
  readonly offset?: number | undefined
  /** How many bytes to send (default: to the end of the buffer). */
  readonly size?: number | undefined
}

/** Python's checks of `send_bytes(buf, offset, size)`, with its messages. */
const sliceToSend = (buffer: ArrayBufferView | ArrayBufferLike, options?: SendBytesOptions): Uint8Array | ValueError => {
  const view = bytesView(buffer)
  const n = view.byteLength
  const offset = options?.offset ?? 0
  if (!isInteger(offset)) return new ValueError({ message: "offset must be an integer" })
  if (offset < 0) return new ValueError({ message: "offset is negative" })
  if (n < offset) return new ValueError({ message: "buffer length < offset" })
  let size = options?.size
  if (size === undefined) size = n - offset
  else if (!isInteger(size)) return new ValueError({ message: "size must be an integer" })
  else if (size < 0) return new ValueError({ message: "size is negative" })
  else if (offset + size > n) return new ValueError({ message: "buffer length < offset + size" })
  // A copy: the sender may reuse its buffer at once, and only these bytes travel.
  const out = new Uint8Array(size)
  out.set(view.subarray(offset, offset + size))
  return out
}

export const sendBytes: {
  (
    bytes: ArrayBufferView | ArrayBufferLike,
    options?: SendBytesOptions
  ): (self: Connection) => Effect.Effect<void, ConnectionError | BrokenPipe | ValueError>
  (
    self: Connection,
    bytes: ArrayBufferView | ArrayBufferLike,
    options?: SendBytesOptions
  ): Effect.Effect<void, ConnectionError | BrokenPipe | ValueError>
} = dual(
  (args) => isConnection(args[0]),
  (self: Connection, bytes: ArrayBufferView | ArrayBufferLike, options?: SendBytesOptions) =>
    ensure(checkWrite(self), (): Effect.Effect<void, ConnectionError | BrokenPipe | ValueError> => {
      const payload = sliceToSend(bytes, options)
      return payload instanceof ValueError
        ? Effect.fail(payload)
        : call<void, ConnectionError | BrokenPipe>(self, "send", [payload])
    })
)

export interface RecvBytesOptions {
  /** A longer message fails with `ConnectionError("bad message length")` and the end reads no more. */
  readonly maxlength?: number | undefined
}

export const recvBytes: {
  (options?: RecvBytesOptions): (self: Connection) => Effect.Effect<Uint8Array, EOFError | ConnectionError | ValueError>
  (self: Connection, options?: RecvBytesOptions): Effect.Effect<Uint8Array, EOFError | ConnectionError | ValueError>
} = dual(
  (args) => isConnection(args[0]),
  (self: Connection, options?: RecvBytesOptions) =>
    ensure(checkRead(self), (): Effect.Effect<Uint8Array, EOFError | ConnectionError | ValueError> => {
      const maxlength = options?.maxlength
      if (maxlength !== undefined && !isInteger(maxlength)) {
        return Effect.fail(new ValueError({ message: "maxlength must be an integer" }))
      }
      if (maxlength !== undefined && maxlength < 0) return Effect.fail(new ValueError({ message: "negative maxlength" }))
      return call(self, "recvBytes", [maxlength ?? -1], "unrecv")
    })
)

export interface RecvBytesIntoOptions {
  /** Where to write in the buffer, in bytes (default 0). */
  readonly offset?: number | undefined
}

export const recvBytesInto: {
  (
    buffer: WritableBuffer,
    options?: RecvBytesIntoOptions
  ): (self: Connection) => Effect.Effect<number, EOFError | ConnectionError | ValueError | BufferTooShort>
  (
    self: Connection,
    buffer: WritableBuffer,
    options?: RecvBytesIntoOptions
  ): Effect.Effect<number, EOFError | ConnectionError | ValueError | BufferTooShort>
} = dual(
  (args) => isConnection(args[0]),
  (self: Connection, buffer: WritableBuffer, options?: RecvBytesIntoOptions) =>
    ensure(checkRead(self), (): Effect.Effect<number, EOFError | ConnectionError | ValueError | BufferTooShort> => {
      const view = bytesView(buffer)
      const offset = options?.offset ?? 0
      if (!isInteger(offset)) return Effect.fail(new ValueError({ message: "offset must be an integer" }))
      if (offset < 0) return Effect.fail(new ValueError({ message: "negative offset" }))
      if (offset > view.byteLength) return Effect.fail(new ValueError({ message: "offset too large" }))
      return Effect.flatMap(
        call<Uint8Array, EOFError | ConnectionError | ValueError>(self, "recvBytes", [-1], "unrecv"),
        (bytes) => {
          // Python: the message is consumed either way; a too small buffer gets it in the error.
          if (view.byteLength < offset + bytes.byteLength) return Effect.fail(new BufferTooShort({ bytes }))
          view.set(bytes, offset)
          return Effect.succeed(bytes.byteLength)
        }
      )
    })
)

/** Closes the end for every holder; the peer's `recv` then drains and sees `EOFError`. Idempotent. */
export const close = (self: Connection): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (self.local.closed) return Effect.void
    self.local.closed = true
    return Effect.ignore(call(self, "close", []))
  })

const state = (self: Connection): Effect.Effect<readonly [closed: boolean, readable: boolean]> =>
  self.local.closed
    ? Effect.succeed([true, self.meta.readable] as const)
    : Effect.orElseSucceed(
      call<readonly [boolean, boolean], never>(self, "state", []),
      () => [true, self.meta.readable] as const
    )

export const closed = (self: Connection): Effect.Effect<boolean> => Effect.map(state(self), ([closed]) => closed)

export const readable = (self: Connection): Effect.Effect<boolean> => Effect.map(state(self), ([, readable]) => readable)

export const writable = (self: Connection): Effect.Effect<boolean> => Effect.succeed(self.meta.writable)
