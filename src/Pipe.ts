/**
 * Python's `multiprocessing.Pipe` and its `Connection`s: two ends that pass messages both ways (or one
 * way with `duplex: false`), each end usable from any process, thread or fiber that holds it.
 *
 * ```ts
 * const [parent, child] = yield* Pipe.make<string, number>()
 * yield* Process.spawn(tasks.worker, [child])
 * yield* Pipe.send(parent, "hello")
 * const n = yield* Pipe.recv(parent)
 * ```
 *
 * `make` creates the pipe in the caller's scope: this process owns both ends and serves them to the
 * others (the ends end with the scope). Pass an end in a task's arguments and the child gets a working
 * end; it can pass it on to its own children. The messages wait in shared memory: a thread of the
 * owner's OS process sends and receives them directly; a child in another OS process calls the owner.
 *
 * Where we differ from Python, on purpose:
 * - `close` closes the end for every holder, not only this process's copy: a child's `close` of the
 *   writing end is enough for the reader to see `EOFError` (the Python hang where the parent forgot to
 *   close its own copy of the writer does not exist), and a parent must not close an end it has handed
 *   to a child that still uses it. Both ends are also closed when the owner's scope ends (then any use
 *   fails with `ConnectionError("handle is closed …")`). An end is not closed when a child holding it
 *   dies: it may be shared with others; a reader that must not wait for ever uses `poll({ timeout })`.
 * - `send` never blocks: the owner buffers messages without bound (Python blocks on a full OS pipe).
 * - A `recv` interrupted (Effect interruption, a terminated process) loses no message: a message
 *   handed to it in the meantime goes back to the front of the pipe (a message that arrived later may
 *   then be received before it).
 * - `recv` on a message sent with `sendBytes` gives its `Uint8Array`; `recvBytes` on a message that is
 *   not bytes fails with `ValueError` and leaves the message for `recv` (Python returns its pickle).
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type {
  BrokenPipe,
  BufferTooShort,
  ConnectionError,
  EOFError,
  SerializationError,
  ValueError
} from "./Errors.ts"
import * as internal from "./internal/pipe.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export declare const TypeId: unique symbol

/**
 * One end of a pipe: it sends `Send` messages and receives `Receive` messages.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection<in Send = unknown, out Receive = unknown> extends Pipeable {
  readonly [TypeId]: { readonly _Send: (_: Send) => void; readonly _Receive: (_: never) => Receive }
  readonly kind: "Connection"
}

/**
 * Any end, whatever its message types.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Connection<never, unknown>

/**
 * @since 0.1.0
 * @category models
 */
export interface PollOptions {
  /**
   * How long to wait for a message (a number is milliseconds). Absent, zero or negative: answer at once.
   * `Duration.infinity` (Python's `None`): wait until a message or the end of the pipe.
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SendBytesOptions {
  /** Where the message starts in the buffer, in bytes (default 0). */
  readonly offset?: number | undefined
  /** How many bytes to send (default: up to the end of the buffer). */
  readonly size?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RecvBytesOptions {
  /** The longest message accepted, in bytes. */
  readonly maxlength?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RecvBytesIntoOptions {
  /** Where to write the message in the buffer, in bytes (default 0). */
  readonly offset?: number | undefined
}

/**
 * What `recvBytesInto` fills: any typed array, a DataView or an ArrayBuffer.
 *
 * @since 0.1.0
 * @category models
 */
export type WritableBuffer = internal.WritableBuffer

/**
 * @since 0.1.0
 * @category refinements
 */
export const isConnection: (u: unknown) => u is Connection<unknown, unknown> = internal.isConnection as never

/**
 * A pipe owned by this process for the life of the scope. Duplex by default: `[a, b]` where `a` sends
 * `A` to `b` and `b` sends `B` to `a`. With `duplex: false`, `[reader, writer]` as in Python: the
 * reader cannot send ("connection is read-only") and the writer cannot receive ("connection is
 * write-only").
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: {
  <A = unknown, B = A>(
    options?: { readonly duplex?: true | undefined }
  ): Effect.Effect<readonly [Connection<A, B>, Connection<B, A>], never, Scope.Scope>
  <A = unknown>(
    options: { readonly duplex: false }
  ): Effect.Effect<readonly [reader: Connection<never, A>, writer: Connection<A, never>], never, Scope.Scope>
  <A = unknown>(
    options: { readonly duplex?: boolean | undefined }
  ): Effect.Effect<readonly [Connection<A, A>, Connection<A, A>], never, Scope.Scope>
} = ((options?: { readonly duplex?: boolean | undefined }) => internal.make(options?.duplex ?? true)) as never

/**
 * Sends a message (any value that can cross to another process: plain data, typed arrays, Maps,
 * shared resources …). A message that cannot be sent fails at once with `SerializationError`; a peer
 * that has closed → `BrokenPipe`.
 *
 * @since 0.1.0
 * @category operations
 */
export const send: {
  <Send>(message: Send): <Receive>(self: Connection<Send, Receive>) => Effect.Effect<void, ConnectionError | BrokenPipe | SerializationError>
  <Send, Receive>(self: Connection<Send, Receive>, message: Send): Effect.Effect<void, ConnectionError | BrokenPipe | SerializationError>
} = internal.send as never

/**
 * Waits for the next message. When the peer has closed and every message it sent was received:
 * `EOFError`.
 *
 * @since 0.1.0
 * @category operations
 */
export const recv: <Send, Receive>(self: Connection<Send, Receive>) => Effect.Effect<Receive, EOFError | ConnectionError> =
  internal.recv as never

/**
 * Whether a message can be received without waiting, waiting up to `timeout` for one; nothing is
 * consumed. The end of the pipe counts as readable (the next `recv` fails with `EOFError` at once).
 *
 * @since 0.1.0
 * @category operations
 */
export const poll: {
  (options?: PollOptions): (self: Any) => Effect.Effect<boolean, ConnectionError>
  (self: Any, options?: PollOptions): Effect.Effect<boolean, ConnectionError>
} = internal.poll as never

/**
 * Sends `bytes[offset, offset + size)` as one message (a copy). Python's range checks: negative
 * `offset`/`size`, "buffer length < offset", "buffer length < offset + size" → `ValueError`.
 *
 * @since 0.1.0
 * @category operations
 */
export const sendBytes: {
  (
    bytes: ArrayBufferView | ArrayBufferLike,
    options?: SendBytesOptions
  ): (self: Any) => Effect.Effect<void, ConnectionError | BrokenPipe | ValueError>
  (
    self: Any,
    bytes: ArrayBufferView | ArrayBufferLike,
    options?: SendBytesOptions
  ): Effect.Effect<void, ConnectionError | BrokenPipe | ValueError>
} = internal.sendBytes as never

/**
 * Receives a bytes message. A message longer than `maxlength` fails with
 * `ConnectionError("bad message length")` and is dropped, and the end reads no more (a duplex end stays
 * writable; a reader-only end is closed). Negative `maxlength` → `ValueError("negative maxlength")`.
 *
 * @since 0.1.0
 * @category operations
 */
export const recvBytes: {
  (options?: RecvBytesOptions): (self: Any) => Effect.Effect<Uint8Array, EOFError | ConnectionError | ValueError>
  (self: Any, options?: RecvBytesOptions): Effect.Effect<Uint8Array, EOFError | ConnectionError | ValueError>
} = internal.recvBytes as never

/**
 * Receives a bytes message into `buffer` at byte `offset`; returns its length in bytes. A buffer too
 * small → `BufferTooShort` carrying the whole message (consumed). Negative offset → `ValueError("negative
 * offset")`; past the end → `ValueError("offset too large")`.
 *
 * @since 0.1.0
 * @category operations
 */
export const recvBytesInto: {
  (
    buffer: WritableBuffer,
    options?: RecvBytesIntoOptions
  ): (self: Any) => Effect.Effect<number, EOFError | ConnectionError | ValueError | BufferTooShort>
  (
    self: Any,
    buffer: WritableBuffer,
    options?: RecvBytesIntoOptions
  ): Effect.Effect<number, EOFError | ConnectionError | ValueError | BufferTooShort>
} = internal.recvBytesInto as never

/**
 * Closes this end, for every holder: its unread messages are dropped, any later use fails with
 * `ConnectionError("handle is closed")`, the peer's `send` fails with `BrokenPipe` and the peer's
 * `recv` sees `EOFError` once it has received every earlier message. Closing twice is fine.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const close: (self: Any) => Effect.Effect<void> = internal.close as never

/**
 * @since 0.1.0
 * @category getters
 */
export const closed: (self: Any) => Effect.Effect<boolean> = internal.closed as never

/**
 * `false` for a writer-only end, and for a duplex end after "bad message length".
 *
 * @since 0.1.0
 * @category getters
 */
export const readable: (self: Any) => Effect.Effect<boolean> = internal.readable as never

/**
 * `false` for a reader-only end.
 *
 * @since 0.1.0
 * @category getters
 */
export const writable: (self: Any) => Effect.Effect<boolean> = internal.writable as never
