/**
 * Python's `multiprocessing.Pipe` and `Connection` (conformance D) in the owner and across the three
 * backends, and where we do better than Python: an interrupted or terminated `recv` takes no message
 * with it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import {
  BrokenPipe,
  BufferTooShort,
  ConnectionError,
  EOFError,
  SerializationError,
  ValueError
} from "../src/Errors.ts"
import * as Pipe from "../src/Pipe.ts"
import * as Process from "../src/Process.ts"
import { checksum, drain, pattern, tasks } from "./fixtures/pipe-tasks.ts"

const backends = ["process", "thread", "fiber"] as const
const MiB16 = 16 * 1024 * 1024

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (b: Uint8Array) => new TextDecoder().decode(b)
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Fails unless `effect` fails with an instance of `Class` (and `message`, when given). */
const failsWith = <A, E>(
  effect: Effect.Effect<A, E>,
  Class: abstract new(...args: any) => unknown,
  message?: string | RegExp
) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(effect)
    assert(error instanceof Class, `expected ${Class.name}, got ${String(error)}`)
    if (message !== undefined) expect((error as { message: string }).message).toMatch(message)
    return error
  })

const isClosed = (effect: Effect.Effect<unknown, unknown>) => failsWith(effect, ConnectionError, /^handle is closed/)

describe("Pipe in its owner", () => {
  it.scopedLive("duplex by default: both ends read and write; values round-trip both ways; dual forms", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make<unknown, string>()
      for (const end of [a, b]) {
        expect(yield* Pipe.readable(end)).toBe(true)
        expect(yield* Pipe.writable(end)).toBe(true)
        expect(yield* Pipe.closed(end)).toBe(false)
        expect(Pipe.isConnection(end)).toBe(true)
      }
      expect(Pipe.isConnection({ kind: "Connection" })).toBe(false)
      const value = { n: 1, list: [1, "two", null], map: new Map([["k", 2]]), bytes: new Uint8Array([1, 2]) }
      yield* Pipe.send(a, value)
      yield* a.pipe(Pipe.send(42))
      expect(yield* Pipe.recv(b)).toEqual(value)
      expect(yield* b.pipe(Pipe.recv)).toBe(42)
      yield* Pipe.send(b, "back")
      expect(yield* Pipe.recv(a)).toBe("back")
      yield* b.pipe(Pipe.sendBytes(bytes("xyz"), { offset: 1 }))
      expect(text(yield* a.pipe(Pipe.recvBytes({ maxlength: 2 })))).toBe("yz")
      expect(yield* a.pipe(Pipe.poll({ timeout: 0 }))).toBe(false)
    }))

  it.scopedLive("messages keep their boundaries; an empty message is a message; poll never consumes", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      expect(yield* Pipe.poll(b)).toBe(false)
      for (const m of ["a", "b", "cd", ""]) yield* Pipe.sendBytes(a, bytes(m))
      yield* Pipe.send(a, "")
      const got: Array<string> = []
      for (let i = 0; i < 4; i++) {
        expect(yield* Pipe.poll(b)).toBe(true)
        expect(yield* Pipe.poll(b, { timeout: "10 seconds" })).toBe(true)
        got.push(text(yield* Pipe.recvBytes(b)))
      }
      expect(got).toEqual(["a", "b", "cd", ""])
      expect(yield* Pipe.poll(b)).toBe(true)
      expect(yield* Pipe.recv(b)).toBe("")
      expect(yield* Pipe.poll(b)).toBe(false)
    }))

  it.scopedLive("poll: at once without a timeout or with a negative one; false after its timeout; true as soon as a message comes", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      expect(yield* Pipe.poll(b)).toBe(false)
      expect(yield* Pipe.poll(b, { timeout: -1 })).toBe(false)
      const t0 = performance.now()
      expect(yield* Pipe.poll(b, { timeout: 200 })).toBe(false)
      expect(performance.now() - t0).toBeGreaterThanOrEqual(195)
      const waiting = yield* Effect.fork(Pipe.poll(b, { timeout: Duration.infinity }))
      yield* Effect.yieldNow()
      yield* Pipe.send(a, "x")
      expect(yield* Fiber.join(waiting)).toBe(true)
      expect(yield* Pipe.poll(b, { timeout: 1 })).toBe(true)
      expect(yield* Pipe.recv(b)).toBe("x")
      // the end of the pipe is readable too: the next recv fails at once
      yield* Pipe.close(a)
      expect(yield* Pipe.poll(b)).toBe(true)
      yield* failsWith(Pipe.recv(b), EOFError)
    }))

  it.scopedLive("duplex: false gives (reader, writer); the wrong direction fails as in Python", () =>
    Effect.gen(function*() {
      const [reader, writer] = yield* Pipe.make<number>({ duplex: false })
      expect([yield* Pipe.readable(reader), yield* Pipe.writable(reader)]).toEqual([true, false])
      expect([yield* Pipe.readable(writer), yield* Pipe.writable(writer)]).toEqual([false, true])
      const anyReader = reader as Pipe.Connection<number, number>
      yield* failsWith(Pipe.send(anyReader, 1), ConnectionError, "connection is read-only")
      yield* failsWith(Pipe.sendBytes(reader, bytes("x")), ConnectionError, "connection is read-only")
      yield* failsWith(Pipe.recv(writer), ConnectionError, "connection is write-only")
      yield* failsWith(Pipe.poll(writer), ConnectionError, "connection is write-only")
      yield* failsWith(Pipe.recvBytes(writer), ConnectionError, "connection is write-only")
      yield* failsWith(Pipe.recvBytesInto(writer, new Uint8Array(8)), ConnectionError, "connection is write-only")
      yield* Pipe.send(writer, 7)
      expect(yield* Pipe.recv(reader)).toBe(7)
    }))

  it.scopedLive("sendBytes(offset, size): the slice is sent; Python's range errors", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const msg = bytes("abcdefghijklmnopqrstuvwxyz")
      const n = msg.length
      yield* Pipe.sendBytes(a, msg)
      yield* Pipe.sendBytes(a, msg, { size: 4 })
      yield* Pipe.sendBytes(a, msg, { offset: 22 })
      yield* Pipe.sendBytes(a, msg, { offset: 5, size: 3 })
      yield* Pipe.sendBytes(a, msg, { offset: n })
      yield* Pipe.sendBytes(a, msg, { offset: n, size: 0 })
      // a wider typed array: offset and size count bytes
      yield* Pipe.sendBytes(a, new Uint16Array([0x6261, 0x6463]), { offset: 1, size: 2 })
      yield* Pipe.sendBytes(a, msg.buffer, { offset: 25 })
      const got: Array<string> = []
      for (let i = 0; i < 8; i++) got.push(text(yield* Pipe.recvBytes(b)))
      expect(got).toEqual(["abcdefghijklmnopqrstuvwxyz", "abcd", "wxyz", "fgh", "", "", "bc", "z"])
      yield* failsWith(Pipe.sendBytes(a, msg, { offset: n + 1 }), ValueError, "buffer length < offset")
      yield* failsWith(Pipe.sendBytes(a, msg, { offset: n + 1, size: 0 }), ValueError, "buffer length < offset")
      yield* failsWith(Pipe.sendBytes(a, msg, { size: n + 1 }), ValueError, "buffer length < offset + size")
      yield* failsWith(Pipe.sendBytes(a, msg, { offset: 1, size: n }), ValueError, "buffer length < offset + size")
      yield* failsWith(Pipe.sendBytes(a, msg, { offset: -1 }), ValueError, "offset is negative")
      yield* failsWith(Pipe.sendBytes(a, msg, { size: -1 }), ValueError, "size is negative")
      yield* failsWith(Pipe.sendBytes(a, msg, { offset: 1.5 }), ValueError)
      expect(yield* Pipe.poll(b)).toBe(false)
      // the sender may reuse its buffer at once: a copy was sent
      const reused = bytes("keep")
      yield* Pipe.sendBytes(a, reused)
      reused.fill(0)
      expect(text(yield* Pipe.recvBytes(b))).toBe("keep")
    }))

  it.scopedLive("recvBytes(maxlength): a longer message fails and the end reads no more (duplex: write-only; simplex: closed)", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      yield* failsWith(Pipe.recvBytes(b, { maxlength: -1 }), ValueError, "negative maxlength")
      yield* Pipe.sendBytes(a, bytes("12345"))
      expect(text(yield* Pipe.recvBytes(b, { maxlength: 5 }))).toBe("12345")
      yield* Pipe.sendBytes(a, bytes("123456"))
      yield* Pipe.sendBytes(a, bytes("next"))
      yield* failsWith(Pipe.recvBytes(b, { maxlength: 5 }), ConnectionError, "bad message length")
      expect(yield* Pipe.readable(b)).toBe(false)
      expect(yield* Pipe.writable(b)).toBe(true)
      expect(yield* Pipe.closed(b)).toBe(false)
      yield* failsWith(Pipe.recv(b), ConnectionError, "connection is write-only")
      yield* failsWith(Pipe.recvBytes(b), ConnectionError, "connection is write-only")
      yield* failsWith(Pipe.poll(b), ConnectionError, "connection is write-only")
      yield* Pipe.send(b, "still writes")
      expect(yield* Pipe.recv(a)).toBe("still writes")

      const [reader, writer] = yield* Pipe.make({ duplex: false })
      yield* Pipe.sendBytes(writer, bytes("too long"))
      yield* failsWith(Pipe.recvBytes(reader, { maxlength: 3 }), ConnectionError, "bad message length")
      expect(yield* Pipe.closed(reader)).toBe(true)
      yield* failsWith(Pipe.recv(reader), ConnectionError, "handle is closed")
      yield* failsWith(Pipe.sendBytes(writer, bytes("x")), BrokenPipe)
    }))

  it.scopedLive("recvBytesInto: at an offset; too small → BufferTooShort with the whole message (consumed); bad offsets", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const buffer = new Uint8Array(8).fill(9)
      yield* Pipe.sendBytes(a, bytes("abc"))
      expect(yield* Pipe.recvBytesInto(b, buffer, { offset: 5 })).toBe(3)
      expect(text(buffer.subarray(5))).toBe("abc")
      expect([...buffer.subarray(0, 5)]).toEqual([9, 9, 9, 9, 9])
      yield* Pipe.sendBytes(a, bytes("123456789"))
      yield* Pipe.sendBytes(a, bytes("after"))
      const short = yield* failsWith(Pipe.recvBytesInto(b, buffer), BufferTooShort)
      expect(text((short as BufferTooShort).bytes)).toBe("123456789")
      yield* failsWith(Pipe.recvBytesInto(b, buffer, { offset: 4 }), BufferTooShort)
      // a wider typed array: the offset counts bytes
      const words = new Uint32Array(2)
      yield* Pipe.sendBytes(a, new Uint8Array([1, 0, 0, 0]))
      expect(yield* Pipe.recvBytesInto(b, words, { offset: 4 })).toBe(4)
      expect([...words]).toEqual([0, 1])
      yield* failsWith(Pipe.recvBytesInto(b, buffer, { offset: -1 }), ValueError, "negative offset")
      yield* failsWith(Pipe.recvBytesInto(b, buffer, { offset: 9 }), ValueError, "offset too large")
      yield* Pipe.sendBytes(a, bytes(""))
      expect(yield* Pipe.recvBytesInto(b, buffer, { offset: 8 })).toBe(0)
      expect(yield* Pipe.poll(b)).toBe(false)
    }))

  it.scopedLive("recvBytes on a message that is not bytes fails and leaves it for recv; recv gives bytes as a Uint8Array", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      yield* Pipe.send(a, { not: "bytes" })
      yield* failsWith(Pipe.recvBytes(b), ValueError, /not sent as bytes/)
      expect(yield* Pipe.recv(b)).toEqual({ not: "bytes" })
      yield* Pipe.sendBytes(a, bytes("raw"))
      const raw = yield* Pipe.recv(b)
      assert(raw instanceof Uint8Array)
      expect(text(raw)).toBe("raw")
    }))

  it.scopedLive("EOF: after the peer closed, every earlier message, then EOFError (again and again); send to it → BrokenPipe", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make<number>()
      for (const i of range(3)) yield* Pipe.send(a, i)
      yield* Pipe.close(a)
      expect(yield* Pipe.closed(a)).toBe(true)
      expect(yield* Pipe.closed(b)).toBe(false)
      expect(yield* drain(b)).toEqual([0, 1, 2])
      yield* failsWith(Pipe.recv(b), EOFError)
      yield* failsWith(Pipe.recvBytes(b), EOFError)
      yield* failsWith(Pipe.send(b, 3), BrokenPipe)
      yield* failsWith(Pipe.sendBytes(b, new Uint8Array(1)), BrokenPipe)
    }))

  it.scopedLive("a waiting recv sees EOFError when the peer closes", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const waiting = yield* Effect.fork(Pipe.recv(b))
      yield* Effect.yieldNow()
      yield* Pipe.close(a)
      expect(yield* Effect.flip(Fiber.join(waiting))).toBeInstanceOf(EOFError)
    }))

  it.scopedLive("any use of a closed end → ConnectionError('handle is closed'); its unread messages are dropped; close twice is fine", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make<number>()
      yield* Pipe.send(a, 1)
      yield* Pipe.close(b)
      yield* Pipe.close(b)
      expect(yield* Pipe.closed(b)).toBe(true)
      yield* failsWith(Pipe.send(b, 1), ConnectionError, "handle is closed")
      yield* failsWith(Pipe.recv(b), ConnectionError, "handle is closed")
      yield* failsWith(Pipe.poll(b), ConnectionError, "handle is closed")
      yield* failsWith(Pipe.sendBytes(b, new Uint8Array(1)), ConnectionError, "handle is closed")
      yield* failsWith(Pipe.recvBytes(b), ConnectionError, "handle is closed")
      yield* failsWith(Pipe.recvBytesInto(b, new Uint8Array(1)), ConnectionError, "handle is closed")
      yield* failsWith(Pipe.send(a, 2), BrokenPipe)
    }))

  it.scopedLive("a message that cannot be sent fails at once with SerializationError, and nothing is sent", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const error = yield* failsWith(Pipe.send(a, { ok: 1, callback: () => 1 }), SerializationError)
      expect((error as SerializationError).path).toBe("message.callback")
      expect(yield* Pipe.poll(b)).toBe(false)
    }))

  it.scopedLive("the owner's scope ends: both ends are closed; a waiting recv fails, later uses fail", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const [a, b] = yield* Scope.extend(Pipe.make(), scope)
      yield* Pipe.send(a, "unread")
      const waiting = yield* Effect.fork(Pipe.recv(a))
      yield* Effect.yieldNow()
      yield* Scope.close(scope, Exit.void)
      yield* isClosed(Fiber.join(waiting))
      yield* isClosed(Pipe.recv(b))
      yield* isClosed(Pipe.send(a, 1))
      expect(yield* Pipe.closed(a)).toBe(true)
      yield* Pipe.close(a)
    }))

  it.scopedLive("an interrupted recv or poll takes nothing: the next message goes to the next reader", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const recv = yield* Effect.fork(Pipe.recv(b))
      const poll = yield* Effect.fork(Pipe.poll(b, { timeout: Duration.infinity }))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(recv)
      yield* Fiber.interrupt(poll)
      yield* Pipe.send(a, "first")
      yield* Pipe.send(a, "second")
      expect(yield* Effect.timeout(Pipe.recv(b), "1 second")).toBe("first")
      expect(yield* Pipe.recv(b)).toBe("second")
      // a recv that times out takes nothing either
      expect(yield* Effect.timeoutOption(Pipe.recv(b), "20 millis")).toEqual(expect.objectContaining({ _tag: "None" }))
      yield* Pipe.send(a, "third")
      expect(yield* Pipe.recv(b)).toBe("third")
    }))

  it.scopedLive("concurrent readers of one end share the messages, each exactly once, in order", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make<number>()
      const readers = yield* Effect.forEach(range(3), () => Effect.fork(Effect.all(range(10).map(() => Pipe.recv(b)))), {
        concurrency: "unbounded"
      })
      for (const i of range(30)) yield* Pipe.send(a, i)
      const got = yield* Effect.forEach(readers, Fiber.join)
      for (const part of got) expect([...part].sort((x, y) => x - y)).toEqual(part)
      expect(got.flat().sort((x, y) => x - y)).toEqual(range(30))
    }))
})

describe("Pipe across processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: a child echoes messages of every kind; it sees EOF when the parent closes its end`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make<unknown>()
        const child = yield* Process.spawn(tasks.echo, [theirs], { backend })
        const messages = [1, "", "text", null, [1, [2]], { a: { b: 2 } }, new Uint8Array([0, 255]), new Map([["k", 1]])]
        for (const m of messages) {
          yield* Pipe.send(mine, m)
          expect(yield* Pipe.recv(mine)).toEqual(m)
        }
        // pipelined: many in flight, in order
        for (const i of range(200)) yield* Pipe.send(mine, i)
        const back: Array<unknown> = []
        for (const _ of range(200)) back.push(yield* Pipe.recv(mine))
        expect(back).toEqual(range(200))
        yield* Pipe.close(mine)
        expect(yield* Process.result(child)).toBe(messages.length + 200)
      }))

    it.scopedLive(`${backend}: a producer child sends N messages and closes; the parent gets all of them in order, then EOFError`, () =>
      Effect.gen(function*() {
        const [reader, writer] = yield* Pipe.make<number>({ duplex: false })
        const child = yield* Process.spawn(tasks.produce, [writer, 1000, 300], { backend })
        expect(yield* drain(reader)).toEqual(range(300).map((i) => 1000 + i))
        yield* failsWith(Pipe.recv(reader), EOFError)
        expect(yield* Process.result(child)).toBe(300)
      }))

    it.scopedLive(`${backend}: a consumer child gets every message the parent sent before closing, then EOF`, () =>
      Effect.gen(function*() {
        const [reader, writer] = yield* Pipe.make<number>({ duplex: false })
        const child = yield* Process.spawn(tasks.consume, [reader], { backend })
        for (const i of range(300)) yield* Pipe.send(writer, i)
        yield* Pipe.close(writer)
        expect(yield* Process.result(child)).toEqual(range(300))
      }))

    it.scopedLive(`${backend}: the wrong direction fails in the child too; both ends used there`, () =>
      Effect.gen(function*() {
        const [reader, writer] = yield* Pipe.make<number>({ duplex: false })
        const result = yield* Process.run(tasks.wrongDirection, [reader, writer], { backend })
        expect(result).toEqual({
          readerSend: { tag: "ConnectionError", message: "connection is read-only" },
          readerSendBytes: { tag: "ConnectionError", message: "connection is read-only" },
          writerRecv: { tag: "ConnectionError", message: "connection is write-only" },
          writerPoll: { tag: "ConnectionError", message: "connection is write-only" },
          writerRecvBytes: { tag: "ConnectionError", message: "connection is write-only" },
          readable: [true, false],
          writable: [false, true]
        })
      }))

    it.scopedLive(`${backend}: poll in the child: false at once, then true when the message comes (and again), nothing consumed`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make<string>()
        const child = yield* Process.spawn(tasks.pollThenRecv, [theirs], { backend })
        expect(yield* Pipe.recv(mine)).toBe("ready")
        yield* Pipe.send(mine, "payload")
        expect(yield* Process.result(child)).toEqual({ before: false, waited: true, again: true, message: "payload" })
      }))

    it.scopedLive(`${backend}: bytes keep their boundaries both ways; recvBytesInto in the child`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make()
        const child = yield* Process.spawn(tasks.echoBytes, [theirs], { backend })
        const messages = ["a", "b", "cd", "", "efg"]
        for (const m of messages) yield* Pipe.sendBytes(mine, bytes(`__${m}__`), { offset: 2, size: m.length })
        const back: Array<string> = []
        for (const _ of messages) back.push(text(yield* Pipe.recvBytes(mine)))
        expect(back).toEqual(messages)
        yield* Pipe.close(mine)
        expect(yield* Process.result(child)).toBe(messages.length)

        const [other, into] = yield* Pipe.make()
        const reader = yield* Process.spawn(tasks.recvInto, [into], { backend })
        yield* Pipe.sendBytes(other, new Uint8Array([1, 2, 3]))
        yield* Pipe.sendBytes(other, new Uint8Array([4, 5, 6, 7, 8]))
        yield* Pipe.sendBytes(other, new Uint8Array([9]))
        expect(yield* Process.result(reader)).toEqual({
          size: 3,
          buffer: [0, 1, 2, 3],
          tooShort: [4, 5, 6, 7, 8],
          rest: [9]
        })
      }))

    it.scopedLive(`${backend}: recvBytes(maxlength) in a child: "bad message length", then the end reads no more but writes`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make<unknown, string>()
        yield* Pipe.sendBytes(mine, bytes("abc"))
        yield* Pipe.sendBytes(mine, bytes("unread"))
        expect(yield* Process.run(tasks.tooLong, [theirs], { backend })).toEqual({
          error: { tag: "ConnectionError", message: "bad message length" },
          recv: { tag: "ConnectionError", message: "connection is write-only" },
          readable: false
        })
        expect(yield* Pipe.recv(mine)).toBe("still writes")
        expect(yield* Pipe.readable(theirs)).toBe(false)
      }))

    it.scopedLive(`${backend}: a 16 MiB message arrives intact, both ways`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make()
        const child = yield* Process.spawn(tasks.bigRoundTrip, [theirs, MiB16], { backend })
        const big = pattern(MiB16, 3)
        yield* Pipe.sendBytes(mine, big)
        const back = yield* Pipe.recvBytes(mine)
        expect(back.byteLength).toBe(MiB16)
        expect(checksum(back)).toBe(checksum(pattern(MiB16, 7)))
        expect(yield* Process.result(child)).toEqual({ length: MiB16, sum: checksum(big) })
      }), 300_000)

    it.scopedLive(`${backend}: the child closes its end: the parent's send → BrokenPipe; the child's own use → handle is closed`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make<number>()
        expect(yield* Process.run(tasks.closeThenUse, [theirs], { backend })).toEqual({
          closed: true,
          send: { tag: "ConnectionError", message: "handle is closed" },
          recv: { tag: "ConnectionError", message: "handle is closed" }
        })
        // closed for every holder: the parent's copy of that end too
        expect(yield* Pipe.closed(theirs)).toBe(true)
        yield* failsWith(Pipe.recv(theirs), ConnectionError, "handle is closed")
        yield* failsWith(Pipe.send(theirs, 1), ConnectionError, "handle is closed")
        yield* failsWith(Pipe.send(mine, 1), BrokenPipe)
        yield* failsWith(Pipe.recv(mine), EOFError)
      }))

    it.scopedLive(`${backend}: the parent closes its end: the child's recv → EOFError, its send → BrokenPipe`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make<string>()
        const child = yield* Process.spawn(tasks.sendToClosed, [theirs], { backend })
        expect(yield* Pipe.recv(mine)).toBe("ready")
        yield* Pipe.close(mine)
        expect(yield* Process.result(child)).toMatchObject({ eof: { tag: "EOFError" }, send: { tag: "BrokenPipe" } })
      }))

    it.scopedLive(`${backend}: a child terminated while blocked in recv takes no message with it`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make<string>()
        const child = yield* Process.spawn(tasks.recvForever, [theirs], { backend })
        // "ready" comes after the child's recv reached the owner (one channel, in order)
        expect(yield* Pipe.recv(mine)).toBe("ready")
        yield* Process.terminate(child)
        yield* Pipe.send(mine, "kept")
        expect(yield* Effect.timeout(Pipe.recv(theirs), "10 seconds")).toBe("kept")
      }))

    it.scopedLive(`${backend}: recvs that time out while messages arrive lose none and duplicate none`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make<number, string>()
        const count = 300
        const child = yield* Process.spawn(tasks.impatientReader, [theirs], { backend })
        expect(yield* Pipe.recv(mine)).toBe("ready")
        for (const i of range(count)) {
          yield* Pipe.send(mine, i)
          if (i % 3 === 0) yield* Effect.sleep("1 millis")
        }
        yield* Pipe.close(mine)
        const { end, got } = yield* Process.result(child)
        expect(end).toBe("EOFError")
        expect([...got].sort((x, y) => x - y)).toEqual(range(count))
      }), 300_000)

    it.scopedLive(`${backend}: an end is passed on to a grandchild and used there`, () =>
      Effect.gen(function*() {
        const [mine, theirs] = yield* Pipe.make<string>()
        const child = yield* Process.spawn(tasks.relayEcho, [theirs, backend], { backend })
        yield* Pipe.send(mine, "via grandchild")
        expect(yield* Pipe.recv(mine)).toBe("via grandchild")
        yield* Pipe.close(mine)
        expect(yield* Process.result(child)).toBe(1)
      }))

    it.scopedLive(`${backend}: a pipe made in a child, its writer handed down to a grandchild`, () =>
      Effect.gen(function*() {
        expect(yield* Process.run(tasks.pipeInChild, [backend], { backend })).toEqual({
          got: [100, 101, 102, 103, 104],
          produced: 5
        })
      }))

    it.scopedLive(`${backend}: an end made in a child is sent to the parent in a message; it closes when its owner ends`, () =>
      Effect.gen(function*() {
        const [mine, out] = yield* Pipe.make<unknown, Pipe.Connection<string, string>>()
        const child = yield* Process.spawn(tasks.pipeOwner, [out], { backend })
        const theirs = yield* Pipe.recv(mine)
        assert(Pipe.isConnection(theirs))
        yield* Pipe.send(theirs, "hello")
        expect(yield* Pipe.recv(theirs)).toBe("hello back")
        yield* Pipe.send(theirs, "bye")
        expect(yield* Process.result(child)).toEqual(["hello", "bye"])
        yield* isClosed(Pipe.recv(theirs))
        yield* isClosed(Pipe.send(theirs, "late"))
        expect(yield* Pipe.closed(theirs)).toBe(true)
        yield* Pipe.close(theirs)
      }))
  }

  for (const backend of ["process", "thread"] as const) {
    it.scopedLive(`${backend}: a remote recv interrupted after the owner answered it gives the message back`, () =>
      Effect.gen(function*() {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "emp-pipe-"))),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
        )
        const marker = join(dir, "answered")
        const [mine, theirs] = yield* Pipe.make<string>()
        const child = yield* Process.spawn(tasks.interruptedRecv, [theirs, marker], { backend })
        // "ready" comes after the child's recv reached the owner (one channel, in order)
        expect(yield* Pipe.recv(mine)).toBe("ready")
        yield* Pipe.send(mine, "payload")
        // a timer fires after the answer has left this isolate (it goes out in a microtask)
        yield* Effect.sleep("10 millis")
        writeFileSync(marker, "")
        yield* Pipe.close(mine)
        expect(yield* Process.result(child)).toEqual({ sawMarker: true, firstInterrupted: true, next: "payload" })
      }))
  }
})
