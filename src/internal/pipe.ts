/**
 * Pipe and Connection: one owner serves both ends of a pipe, each end its own resource (so that a late
 * `recv` result that lost its caller is given back to the right end). Each end has an inbox of the
 * messages the other end sent it, in shared memory (`sharedFifo.ts`): a thread of the owner's OS
 * process that holds an end sends into its peer's inbox and receives from its own directly, with no
 * message to the owner; children in other OS processes call the owner, which runs the same code on the
 * same memory. Closing an end closes it for every holder: its own inbox is dropped, and the peer's
 * inbox ends with `EOFError` once drained.
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
import { encodeHandles, type Handle, isHandle } from "./protocol/handle.ts"
import { decodeItem, type Item } from "./protocol/itemBytes.ts"
import { invoke } from "./resource.ts"
import { attachOnArrival, attachReply, serveShared, viaMemory, type View } from "./shared.ts"
import { type FifoErrors, itemOf, SharedFifo, unsendableError } from "./sharedFifo.ts"

export const kind = "Connection"

export interface ConnectionMeta {
  readonly readable: boolean
  readonly writable: boolean
  /** The owner's OS process: children in another one call the owner, without asking for its memory. */
  readonly pid: number
}

export type Connection = Handle<ConnectionMeta>

/** What `recvBytesInto` fills: any typed array, a DataView or an ArrayBuffer. */
export type WritableBuffer = ArrayBufferView | ArrayBufferLike

const handleClosed = (why?: string) =>
  new ConnectionError({ message: why === undefined ? "handle is closed" : `handle is closed (${why})` })
const readOnly = () => new ConnectionError({ message: "connection is read-only" })
const writeOnly = () => new ConnectionError({ message: "connection is write-only" })

// ---------------------------------------------------------------------------------------------------
// An end, wherever it is worked on (by its owner, or directly by a thread of the owner's OS process)
// ---------------------------------------------------------------------------------------------------

type Inbox = SharedFifo<ConnectionError, EOFError>

const inboxErrors: FifoErrors<ConnectionError, EOFError> = { closed: () => handleClosed(), ended: () => new EOFError() }

const inbox = (buffer: SharedArrayBuffer): Inbox => new SharedFifo(buffer, 0, inboxErrors)

/** One end as an isolate works on it: the messages sent to it, and those it sends to its peer. */
class End implements View {
  readonly meta: ConnectionMeta
  readonly inbox: Inbox
  readonly peer: Inbox
  constructor(meta: ConnectionMeta, inbox: Inbox, peer: Inbox) {
    this.meta = meta
    this.inbox = inbox
    this.peer = peer
  }

  /** Closed by a holder or with its owner: its holders go back to calls, whose answers say so. */
  get closed(): boolean {
    return this.inbox.closed
  }

  /** Closes the end: its inbox is dropped, and its peer's inbox ends once drained. */
  close(): void {
    this.inbox.close()
    this.peer.end()
  }

  private readable(): ConnectionError | undefined {
    return this.closed ? handleClosed() : !this.meta.readable || this.inbox.unreadable ? writeOnly() : undefined
  }

  send(message: unknown): Effect.Effect<void, ConnectionError | BrokenPipe | SerializationError> {
    return Effect.suspend((): Effect.Effect<void, ConnectionError | BrokenPipe | SerializationError> => {
      if (this.closed) return Effect.fail(handleClosed())
      if (!this.meta.writable) return Effect.fail(readOnly())
      if (this.peer.closed) return Effect.fail(new BrokenPipe())
      const item = itemFor(message)
      if (item instanceof SerializationError) return Effect.fail(item)
      return Effect.catchAll(
        this.peer.put(item, true, -1),
        // the peer's inbox closed: the peer end is closed; ended: this end was closed meanwhile
        (e): Effect.Effect<never, ConnectionError | BrokenPipe> =>
          e instanceof EOFError
            ? Effect.fail(handleClosed())
            : e instanceof ConnectionError
            ? Effect.fail(new BrokenPipe())
            : Effect.die(e)
      )
    })
  }

  /** Takes the next message; `use` runs at once on it (no interruption in between: nothing is lost). */
  private takeThen<A, E>(use: (message: Item) => Effect.Effect<A, E>) {
    return Effect.suspend(() => {
      const error = this.readable()
      if (error !== undefined) return Effect.fail(error)
      return Effect.uninterruptibleMask((restore) =>
        // a take that waits for ever never finds the inbox empty
        Effect.flatMap(restore(Effect.catchTag(this.inbox.take(true, -1), "QueueEmpty", Effect.die)), use)
      )
    })
  }

  recv(): Effect.Effect<unknown, EOFError | ConnectionError> {
    return this.takeThen((item) => Effect.sync(() => decodeItem(item)))
  }

  /** `maxlength` < 0: any length. */
  recvBytes(maxlength: number): Effect.Effect<Uint8Array, EOFError | ConnectionError | ValueError> {
    return this.takeThen((item): Effect.Effect<Uint8Array, ValueError | ConnectionError> => {
      const view = messageBytes(decodeItem(item))
      if (view === undefined) {
        this.inbox.unget(item)
        return Effect.fail(new ValueError({ message: "the message was not sent as bytes: use recv" }))
      }
      if (maxlength >= 0 && view.byteLength > maxlength) {
        // Python: a duplex end stays writable but reads no more; a reader-only end is closed.
        if (this.meta.writable) this.inbox.markUnreadable()
        else this.close()
        return Effect.fail(new ConnectionError({ message: "bad message length" }))
      }
      return Effect.succeed(view)
    })
  }

  /** A `recv` result that lost its caller goes back to the front. */
  unrecv(message: unknown): void {
    const item = itemFor(message)
    if (!(item instanceof SerializationError)) this.inbox.unget(item)
  }

  /** `ms` 0: answer at once; < 0: wait for ever. True once a message, or the end of the pipe, is there. */
  poll(ms: number): Effect.Effect<boolean, ConnectionError> {
    return Effect.suspend(() => {
      const error = this.readable()
      return error === undefined ? this.inbox.poll(ms) : Effect.fail(error)
    })
  }

  state(): readonly [closed: boolean, readable: boolean] {
    return [this.closed, this.meta.readable && !this.inbox.unreadable]
  }
}

/** The item an inbox keeps for `message`, or why it cannot. */
const itemFor = (message: unknown): Item | SerializationError => itemOf(message, "message", cannotSend)

const cannotSend = "cannot send"

/** Bytes of a message, when it is one (`sendBytes` sends a Uint8Array; `send` may send any view). */
const messageBytes = (message: unknown): Uint8Array | undefined =>
  message instanceof Uint8Array
    ? message
    : ArrayBuffer.isView(message)
    ? new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
    : message instanceof ArrayBuffer
    ? new Uint8Array(message)
    : undefined

// ---------------------------------------------------------------------------------------------------
// Owner side
// ---------------------------------------------------------------------------------------------------

/** The operations of an end, as its owner serves them to callers in other OS processes. */
const operations = (end: End) => ({
  attach: ([, pid]: [string, number]) =>
    Effect.sync(() => attachReply(end.inbox.buffer, 0, pid, end.peer.buffer)),
  send: ([message]: [unknown]) => end.send(message),
  recv: () => end.recv(),
  recvBytes: ([maxlength]: [number]) => end.recvBytes(maxlength),
  unrecv: ([message]: [unknown]) => Effect.sync(() => end.unrecv(message)),
  poll: ([ms]: [number]) => end.poll(ms),
  close: () => Effect.sync(() => end.close()),
  state: () => Effect.sync(() => end.state())
})

/** Serves a new pipe in the current scope; its two ends close with the scope. */
export const make = (duplex: boolean): Effect.Effect<readonly [Connection, Connection], never, Scope.Scope> =>
  Effect.gen(function*() {
    const memories = [SharedFifo.memory(), SharedFifo.memory()] as const
    const meta = (readable: boolean, writable: boolean): ConnectionMeta => ({ readable, writable, pid: process.pid })
    // Python's `Pipe(duplex=False)` returns (reader, writer).
    const [metaA, metaB] = duplex ? [meta(true, true), meta(true, true)] : [meta(true, false), meta(false, true)]
    // one view of each inbox: a send here wakes a recv here at once (a wait alone does not keep
    // Deno's event loop alive)
    const inboxes = [inbox(memories[0]), inbox(memories[1])] as const
    const a = new End(metaA, inboxes[0], inboxes[1])
    const b = new End(metaB, inboxes[1], inboxes[0])
    const handleA = yield* serveShared({ kind, operations: operations(a) }, metaA, memories[0], a)
    const handleB = yield* serveShared({ kind, operations: operations(b) }, metaB, memories[1], b)
    // Added last, so it runs first: both ends are closed before either ends its peer's inbox (a
    // waiting recv fails as closed, not with EOF).
    yield* Effect.addFinalizer(() => Effect.sync(() => inboxes.forEach((inbox) => inbox.close())))
    return [handleA, handleB] as const
  })

attachOnArrival([kind])

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

/**
 * `direct` on this isolate's view of the end when it shares the owner's memory (a thread of the
 * owner's OS process), else `remote` (a `call` to the owner).
 */
const onEnd = <A, E>(
  self: Connection,
  direct: (end: End) => Effect.Effect<A, E>,
  remote: () => Effect.Effect<A, E | ConnectionError>
): Effect.Effect<A, E | ConnectionError> =>
  viaMemory<End, A, E | ConnectionError>(
    self,
    (buffer, attached) => new End(self.meta, inbox(buffer), inbox(attached.peer!)),
    direct,
    remote
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
      // the direct send finds what cannot be sent as it encodes the message; a call checks first
      return onEnd(self, (end) => end.send(message), () => {
        const unsendable = unsendableError(encodeHandles(message), "message", cannotSend)
        return unsendable === undefined ? call<void, BrokenPipe | SerializationError>(self, "send", [message]) : Effect.fail(unsendable)
      })
    })
)

export const recv = (self: Connection): Effect.Effect<unknown, EOFError | ConnectionError> =>
  ensure(checkRead(self), () => onEnd(self, (end) => end.recv(), () => call<unknown, EOFError>(self, "recv", [], "unrecv")))

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
      return onEnd(self, (end) => end.poll(wire), () => call<boolean, never>(self, "poll", [wire]))
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
  return view.subarray(offset, offset + size)
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
        : onEnd(
          self,
          // bytes always can be sent; they are copied into the inbox at once
          (end) => Effect.catchTag(end.send(payload), "SerializationError", Effect.die),
          // a copy: the sender may reuse its buffer at once, and only these bytes travel
          () => call<void, BrokenPipe>(self, "send", [payload.slice()])
        )
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
      return onEnd(
        self,
        (end) => end.recvBytes(maxlength ?? -1),
        () => call<Uint8Array, EOFError | ValueError>(self, "recvBytes", [maxlength ?? -1], "unrecv")
      )
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
        onEnd(self, (end) => end.recvBytes(-1), () => call<Uint8Array, EOFError | ValueError>(self, "recvBytes", [-1], "unrecv")),
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
    return Effect.ignore(onEnd(self, (end) => Effect.sync(() => end.close()), () => call<void, never>(self, "close", [])))
  })

const state = (self: Connection): Effect.Effect<readonly [closed: boolean, readable: boolean]> =>
  self.local.closed
    ? Effect.succeed([true, self.meta.readable] as const)
    : Effect.orElseSucceed(
      onEnd(self, (end) => Effect.sync(() => end.state()), () => call<readonly [boolean, boolean], never>(self, "state", [])),
      () => [true, self.meta.readable] as const
    )

export const closed = (self: Connection): Effect.Effect<boolean> => Effect.map(state(self), ([closed]) => closed)

export const readable = (self: Connection): Effect.Effect<boolean> => Effect.map(state(self), ([, readable]) => readable)

export const writable = (self: Connection): Effect.Effect<boolean> => Effect.succeed(self.meta.writable)
