/**
 * Python's `Pipe` and its `Connection`s for plain TypeScript, over the Effect core (`../Pipe.ts`).
 *
 * ```ts
 * import { EOFError, Pipe, spawn } from "effect-multiprocessing/promise"
 * const [parent, child] = await Pipe.create<string, number>()
 * await using p = await spawn(tasks.worker, [child])   // the child receives its end's handle
 * await parent.send("hello")
 * const n = await parent.recv({ signal })
 * for await (const message of parent) …               // until the peer closes (EOF)
 * await parent.dispose()                               // closes this end (as `with conn:` does)
 * ```
 *
 * - `recv` after the peer closed and every message was received rejects with `EOFError`; misuse and
 *   closed ends with `ConnectionError`, a closed peer's `send` with `BrokenPipe`, a too small buffer
 *   with `BufferTooShort` (carrying the message). An aborted `recv` loses no message.
 * - `close()` closes the end for every holder (see the Effect API). `dispose()` / `await using`
 *   closes it too; the pipe made by `create` ends once both of its ends are disposed.
 * - In a child, a plain async task wraps the end it received: `Pipe.from(handle)`.
 *
 * @since 0.1.0
 */
import { EOFError } from "../Errors.ts"
import * as Core from "../Pipe.ts"
import type { AbortOptions } from "./run.ts"
import { create, expectHandle, SharedResource, type TimeoutOptions, wrapped } from "./resource.ts"

/**
 * What a child task receives for a `Connection` (the Effect handle).
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectionHandle<Send = unknown, Receive = unknown> = Core.Connection<Send, Receive>

/**
 * @since 0.1.0
 * @category models
 */
export interface SendBytesOptions {
  /** Where the message starts in the buffer, in bytes (default 0). */
  readonly offset?: number | undefined
  /** How many bytes to send (default: to the end of the buffer). */
  readonly size?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RecvBytesOptions extends AbortOptions {
  /** The longest message accepted, in bytes. */
  readonly maxlength?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RecvBytesIntoOptions extends AbortOptions {
  /** Where to write the message in the buffer, in bytes (default 0). */
  readonly offset?: number | undefined
}

/**
 * One end of a pipe: it sends `Send` messages and receives `Receive` messages.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection<Send = unknown, Receive = unknown>
  extends ConnectionHandle<Send, Receive>, AsyncIterable<Receive>, AsyncDisposable
{
  /** Sends a message (plain data, typed arrays, shared resources …); never waits. */
  send(message: Send): Promise<void>
  /** Waits for the next message; `EOFError` once the peer closed and everything was received. */
  recv(options?: AbortOptions): Promise<Receive>
  /** Whether a message (or the end) is there, waiting up to `timeout` ms (`Infinity`: for ever). */
  poll(options?: TimeoutOptions): Promise<boolean>
  /** Sends `bytes[offset, offset + size)` as one message. */
  sendBytes(bytes: ArrayBufferView | ArrayBufferLike, options?: SendBytesOptions): Promise<void>
  recvBytes(options?: RecvBytesOptions): Promise<Uint8Array>
  /** Receives a bytes message into `buffer` at byte `offset`; resolves to its length in bytes. */
  recvBytesInto(buffer: ArrayBufferView | ArrayBufferLike, options?: RecvBytesIntoOptions): Promise<number>
  /** The messages, as they come, until the end of the pipe (`EOFError` ends the iteration). */
  values(options?: AbortOptions): AsyncIterableIterator<Receive>
  /** Closes this end for every holder. Twice is fine. */
  close(): Promise<void>
  closed(): Promise<boolean>
  readable(): Promise<boolean>
  writable(): Promise<boolean>
  dispose(): Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PipeOptions {
  /** Default `true`. `false`: `[reader, writer]`. */
  readonly duplex?: boolean | undefined
}

class ConnectionImpl extends SharedResource<unknown> {
  private get self(): Core.Connection<unknown, unknown> {
    return this as never
  }
  send(message: unknown): Promise<void> {
    return this.exec(Core.send(this.self, message))
  }
  recv(options?: AbortOptions): Promise<unknown> {
    return this.exec(Core.recv(this.self), options?.signal)
  }
  poll(options?: TimeoutOptions): Promise<boolean> {
    return this.exec(Core.poll(this.self, { timeout: options?.timeout }), options?.signal)
  }
  sendBytes(bytes: ArrayBufferView | ArrayBufferLike, options?: SendBytesOptions): Promise<void> {
    return this.exec(Core.sendBytes(this.self, bytes, options))
  }
  recvBytes(options?: RecvBytesOptions): Promise<Uint8Array> {
    return this.exec(Core.recvBytes(this.self, { maxlength: options?.maxlength }), options?.signal)
  }
  recvBytesInto(buffer: ArrayBufferView | ArrayBufferLike, options?: RecvBytesIntoOptions): Promise<number> {
    return this.exec(Core.recvBytesInto(this.self, buffer, { offset: options?.offset }), options?.signal)
  }
  async *values(options?: AbortOptions): AsyncIterableIterator<unknown> {
    for (;;) {
      let message: unknown
      try {
        message = await this.recv(options)
      } catch (error) {
        if (error instanceof EOFError) return
        throw error
      }
      yield message
    }
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this.values()
  }
  close(): Promise<void> {
    return this.exec(Core.close(this.self))
  }
  closed(): Promise<boolean> {
    return this.exec(Core.closed(this.self))
  }
  readable(): Promise<boolean> {
    return this.exec(Core.readable(this.self))
  }
  writable(): Promise<boolean> {
    return this.exec(Core.writable(this.self))
  }
  protected override onDispose(): Promise<void> {
    return this.close()
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const Pipe: {
  /** A duplex pipe owned by this process: `a` sends `A` to `b`, `b` sends `B` to `a`. */
  create<A = unknown, B = A>(options?: { readonly duplex?: true | undefined }): Promise<readonly [Connection<A, B>, Connection<B, A>]>
  /** A one-way pipe, as Python's `Pipe(duplex=False)`: `[reader, writer]`. */
  create<A = unknown>(
    options: { readonly duplex: false }
  ): Promise<readonly [reader: Connection<never, A>, writer: Connection<A, never>]>
  create<A = unknown>(options: PipeOptions): Promise<readonly [Connection<A, A>, Connection<A, A>]>
  /** Wraps a pipe end received from elsewhere. */
  from<Send, Receive>(handle: ConnectionHandle<Send, Receive>): Connection<Send, Receive>
} = {
  create: (options?: PipeOptions) =>
    create(
      Core.make({ duplex: options?.duplex ?? true }),
      ([a, b], owned) => [new ConnectionImpl(a as never, owned()), new ConnectionImpl(b as never, owned())] as never
    ),
  from: (handle: unknown) =>
    new ConnectionImpl(expectHandle(handle, Core.isConnection, "Connection") as never, wrapped()) as never
}
