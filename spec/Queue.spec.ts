/**
 * Python's `multiprocessing.Queue` and `SimpleQueue` (conformance B) on the three backends, and where we
 * do better than Python: no item is lost to a consumer that is terminated or interrupted while it waits,
 * and a producer terminated mid-put never corrupts the queue.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { QueueClosed, QueueEmpty, QueueFull, SerializationError, ValueError } from "../src/Errors.ts"
import * as Process from "../src/Process.ts"
import * as Queue from "../src/Queue.ts"
import * as SimpleQueue from "../src/SimpleQueue.ts"
import { patterned, patternSeed, type Tagged, tasks } from "./fixtures/queue-tasks.ts"

const backends = ["process", "thread", "fiber"] as const
const MiB16 = 16 * 1024 * 1024

/** Per-producer order: the items of each tag, in the order received. */
const byTag = (items: ReadonlyArray<Tagged>) => {
  const out: Record<string, Array<number>> = {}
  for (const { i, tag } of items) (out[tag] ??= []).push(i)
  return out
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Takes every item left, without waiting. */
const drain = <A>(q: Queue.Queue<A>) =>
  Effect.gen(function*() {
    const items: Array<A> = []
    for (;;) {
      const x = yield* Effect.either(Queue.getNowait(q))
      if (Either.isLeft(x)) return items
      items.push(x.right)
    }
  })

describe("Queue: put/get, blocking and timeouts", () => {
  it.scopedLive("in the owner: FIFO; nowait on a full/empty queue fails at once; timeouts wait their time", () =>
    Effect.gen(function*() {
      const q = yield* Queue.make<number>({ maxsize: 2 })
      yield* Queue.put(q, 1)
      yield* Queue.put(q, 2, { block: true })
      expect(yield* Queue.full(q)).toBe(true)
      expect(yield* Effect.flip(Queue.putNowait(q, 3))).toBeInstanceOf(QueueFull)
      expect(yield* Effect.flip(Queue.put(q, 3, { block: false, timeout: 10_000 }))).toBeInstanceOf(QueueFull)
      let t0 = performance.now()
      expect(yield* Effect.flip(Queue.put(q, 3, { timeout: 200 }))).toBeInstanceOf(QueueFull)
      expect(performance.now() - t0).toBeGreaterThanOrEqual(199)
      expect(yield* Queue.qsize(q)).toBe(2)
      expect(yield* Queue.get(q)).toBe(1)
      expect(yield* Queue.get(q, { timeout: 1000 })).toBe(2)
      expect(yield* Queue.empty(q)).toBe(true)
      expect(yield* Effect.flip(Queue.getNowait(q))).toBeInstanceOf(QueueEmpty)
      expect(yield* Effect.flip(Queue.get(q, { block: false, timeout: 10_000 }))).toBeInstanceOf(QueueEmpty)
      t0 = performance.now()
      expect(yield* Effect.flip(Queue.get(q, { timeout: "250 millis" }))).toBeInstanceOf(QueueEmpty)
      expect(performance.now() - t0).toBeGreaterThanOrEqual(249)
      // a full queue that was drained takes puts again
      yield* Queue.putNowait(q, 5)
      expect(yield* Queue.getNowait(q)).toBe(5)
      expect(yield* Effect.flip(Queue.get(q, { timeout: -1 }))).toBeInstanceOf(ValueError)
    }))

  it.scoped("qsize/empty/full follow puts and gets (0, 1, 2, 1, 0); maxsize ≤ 0 is unbounded", () =>
    Effect.gen(function*() {
      const q = yield* Queue.make<string>({ maxsize: 2 })
      const sizes = [yield* Queue.qsize(q)]
      const empties = [yield* Queue.empty(q)]
      const fulls = [yield* Queue.full(q)]
      const step = <A>(e: Effect.Effect<A, unknown>) =>
        Effect.gen(function*() {
          yield* e
          sizes.push(yield* Queue.qsize(q))
          empties.push(yield* Queue.empty(q))
          fulls.push(yield* Queue.full(q))
        })
      yield* step(Queue.put(q, "a"))
      yield* step(Queue.put(q, "b"))
      yield* step(Queue.get(q))
      yield* step(Queue.get(q))
      expect(sizes).toEqual([0, 1, 2, 1, 0])
      expect(empties).toEqual([true, false, false, false, true])
      expect(fulls).toEqual([false, false, true, false, false])
      const unbounded = yield* Queue.make<number>({ maxsize: 0 })
      yield* Effect.forEach(range(5000), (i) => Queue.putNowait(unbounded, i), { discard: true })
      expect(yield* Queue.full(unbounded)).toBe(false)
      expect(yield* Queue.qsize(unbounded)).toBe(5000)
    }))

  for (const backend of backends) {
    it.scopedLive(`${backend}: a child's get({timeout}) on an empty queue fails with QueueEmpty after the timeout, not before`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<unknown>()
        const r = yield* Process.run(tasks.timedGet, [q, 300], { backend })
        expect(r.outcome).toBe("QueueEmpty")
        expect(r.elapsed).toBeGreaterThanOrEqual(299)
      }))

    it.scopedLive(`${backend}: a child's putNowait/put({timeout}) on a full queue fails with QueueFull; the queue is unchanged`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<number>({ maxsize: 1 })
        yield* Queue.put(q, 1)
        expect(yield* Process.run(tasks.nowaitFailures, [q], { backend })).toEqual([
          "QueueFull",
          "QueueFull",
          "QueueFull",
          1,
          true
        ])
        expect(yield* drain(q)).toEqual([1])
      }))

    it.scopedLive(`${backend}: a producer blocked on a full queue (maxsize 2) resumes as the parent drains; order kept`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<Tagged>({ maxsize: 2 })
        const p = yield* Process.spawn(tasks.produce, [q, "p", 50], { backend })
        const items: Array<Tagged> = []
        for (let i = 0; i < 50; i++) {
          items.push(yield* Queue.get(q, { timeout: 30_000 }))
          expect(yield* Queue.qsize(q)).toBeLessThanOrEqual(2)
        }
        expect(yield* Process.result(p)).toBe(50)
        expect(items.map((x) => x.i)).toEqual(range(50))
      }))

    it.scopedLive(`${backend}: FIFO per producer with two producers; every item arrives once`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<Tagged>({ maxsize: 8 })
        const a = yield* Process.spawn(tasks.produce, [q, "a", 400], { backend })
        const b = yield* Process.spawn(tasks.produce, [q, "b", 400], { backend })
        const items: Array<Tagged> = []
        for (let i = 0; i < 800; i++) items.push(yield* Queue.get(q, { timeout: 30_000 }))
        expect(yield* Process.result(a)).toBe(400)
        expect(yield* Process.result(b)).toBe(400)
        expect(byTag(items)).toEqual({ a: range(400), b: range(400) })
        expect(yield* Queue.empty(q)).toBe(true)
      }))

    it.scopedLive(`${backend}: two consumers in children share the items of the parent; none twice, none lost`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<Tagged | null>()
        const c1 = yield* Process.spawn(tasks.consumeUntilNull, [q], { backend })
        const c2 = yield* Process.spawn(tasks.consumeUntilNull, [q], { backend })
        yield* Effect.forEach(range(300), (i) => Queue.put(q, { tag: "x", i }), { discard: true })
        yield* Queue.put(q, null)
        yield* Queue.put(q, null)
        const got = [...(yield* Process.result(c1)), ...(yield* Process.result(c2))] as Array<Tagged>
        expect(got.map((x) => x.i).sort((x, y) => x - y)).toEqual(range(300))
      }))

    it.scopedLive(`${backend}: after close, put and get on that handle fail with QueueClosed; the other holders go on`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<number>()
        yield* Queue.put(q, 7)
        expect(yield* Process.run(tasks.closeThenUse, [q], { backend })).toEqual(["QueueClosed", "QueueClosed"])
        // the child's close was its own: the parent's handle still works, the item is still there
        expect(yield* Queue.get(q, { timeout: 5000 })).toBe(7)
        yield* Queue.close(q)
        expect(yield* Effect.flip(Queue.put(q, 1))).toBeInstanceOf(QueueClosed)
        expect(yield* Effect.flip(Queue.get(q))).toBeInstanceOf(QueueClosed)
        expect(yield* Effect.flip(Queue.qsize(q))).toBeInstanceOf(QueueClosed)
      }))

    it.scopedLive(`${backend}: a queue passed to a child is passed on to a grandchild, which produces into it`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<Tagged>({ maxsize: 4 })
        const p = yield* Process.spawn(tasks.relay, [q, "gc", 30, backend], { backend })
        const items: Array<Tagged> = []
        for (let i = 0; i < 30; i++) items.push(yield* Queue.get(q, { timeout: 30_000 }))
        expect(yield* Process.result(p)).toBe(30)
        expect(byTag(items)).toEqual({ gc: range(30) })
      }))

    it.scopedLive(`${backend}: a queue created inside a child is handed down to its own child`, () =>
      Effect.gen(function*() {
        const items = yield* Process.run(tasks.ownQueue, [25, backend], { backend })
        expect(byTag(items)).toEqual({ grandchild: range(25) })
      }))

    it.scopedLive(`${backend}: an item that cannot be sent fails put with SerializationError naming it, at once`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<unknown>({ maxsize: 1 })
        const error = yield* Process.run(tasks.putUnsendable, [q], { backend })
        expect(error.tag).toBe("SerializationError")
        expect(error.path).toBe("item.bad[0]")
        expect(error.message).toContain("function")
        // nothing got in, and the queue works
        expect(yield* Queue.qsize(q)).toBe(0)
        yield* Queue.putNowait(q, "fine")
        expect(yield* Queue.get(q)).toBe("fine")
      }))

    it.scopedLive(`${backend}: offerStream from a child; toStream in a child runs until the queue's owner closes it`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<number>({ maxsize: 5 })
        const p = yield* Process.spawn(tasks.offer, [q, 40], { backend })
        const got = yield* Queue.toStream(q).pipe(Stream.take(40), Stream.runCollect)
        expect(Chunk.toReadonlyArray(got)).toEqual(range(40))
        expect(yield* Process.result(p)).toBe(40)

        const ready = yield* Queue.make<string>()
        const inner = yield* Scope.make()
        const streamed = yield* Scope.extend(Queue.make<number>(), inner)
        const c = yield* Process.spawn(tasks.collectStream, [streamed, ready], { backend })
        expect(yield* Queue.get(ready, { timeout: 30_000 })).toBe("streaming")
        yield* Effect.forEach(range(10), (i) => Queue.put(streamed, i), { discard: true })
        // wait until the child took them all, then end the queue: the child's stream ends
        yield* Effect.repeat(Queue.empty(streamed), { until: (e) => e, schedule: Schedule.spaced("10 millis") })
        yield* Scope.close(inner, Exit.void)
        expect(yield* Process.result(c)).toEqual(range(10))
      }))
  }

  for (const backend of ["process", "thread"] as const) {
    it.scopedLive(`${backend}: a 16 MiB Uint8Array arrives intact in a child, and another comes back intact`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<Uint8Array>()
        const back = yield* Queue.make<Uint8Array>()
        yield* Queue.put(q, patterned(MiB16, 5))
        const p = yield* Process.spawn(tasks.bigRoundTrip, [q, back, MiB16], { backend })
        expect(patternSeed(yield* Queue.get(back, { timeout: 60_000 }), MiB16)).toBe(77)
        expect(yield* Process.result(p)).toBe(5)
      }), 300_000)
  }

  it.scoped("an unsendable item fails put in the owner too (no copy is made there, but a child could not take it)", () =>
    Effect.gen(function*() {
      const q = yield* Queue.make<unknown>()
      const e = yield* Effect.flip(Queue.put(q, { f: () => 1 }))
      assert(e instanceof SerializationError)
      expect(e.path).toBe("item.f")
      expect(yield* Queue.qsize(q)).toBe(0)
    }))
})

describe("SimpleQueue", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: put, get and empty from a child; close ends this handle only`, () =>
      Effect.gen(function*() {
        const q = yield* SimpleQueue.make<number>()
        const back = yield* SimpleQueue.make<number>()
        expect(yield* SimpleQueue.empty(q)).toBe(true)
        yield* SimpleQueue.put(q, 21)
        expect(yield* Process.run(tasks.simpleEcho, [q, back], { backend })).toBe(true)
        expect(yield* SimpleQueue.get(back)).toBe(42)
        yield* SimpleQueue.close(q)
        expect(yield* Effect.flip(SimpleQueue.get(q))).toBeInstanceOf(QueueClosed)
        expect(yield* Effect.flip(SimpleQueue.put(q, 1))).toBeInstanceOf(QueueClosed)
      }))
  }
})

describe("Queue: better than Python — nothing is lost to a consumer that goes away", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: a consumer terminated while blocked in get takes no item with it`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<string>()
        const ready = yield* Queue.make<string>()
        const c1 = yield* Process.spawn(tasks.blockedGet, [q, ready], { backend })
        expect(yield* Queue.get(ready, { timeout: 30_000 })).toBe("blocked")
        yield* Process.terminate(c1)
        expect(Option.getOrThrow(yield* Process.exitCode(c1))).toBe(-15)
        yield* Queue.put(q, "for the next one")
        expect(yield* Queue.qsize(q)).toBe(1)
        const c2 = yield* Process.spawn(tasks.blockedGet, [q, ready], { backend })
        expect(yield* Process.result(c2)).toBe("for the next one")
        expect(yield* Queue.empty(q)).toBe(true)
      }))

    it.scopedLive(`${backend}: a consumer terminated right as an item arrives never loses it (many rounds, every item counted once)`, () =>
      Effect.gen(function*() {
        // a child costs seconds to start on a loaded machine: few rounds for isolates
        const rounds = backend === "fiber" ? 200 : 8
        const q = yield* Queue.make<number>()
        const out = yield* Queue.make<number>()
        const ready = yield* Queue.make<string>()
        for (let i = 0; i < rounds; i++) {
          const c = yield* Process.spawn(tasks.forward, [q, out, ready], { backend })
          expect(yield* Queue.get(ready, { timeout: 30_000 })).toBe("blocked")
          yield* Queue.put(q, i)
          // vary the moment: at once, after a yield or two, after a few milliseconds
          for (let y = 0; y < i % 3; y++) yield* Effect.yieldNow()
          if (i % 4 === 3) yield* Effect.sleep(`${i % 7} millis`)
          yield* Process.terminate(c)
        }
        const forwarded = yield* drain(out)
        const left = yield* drain(q)
        expect([...forwarded, ...left].sort((x, y) => x - y)).toEqual(range(rounds))
      }), 240_000)

    for (const [name, max] of [["get", undefined], ["getUpTo(4)", 4]] as const) {
      it.scopedLive(`${backend}: Effect.timeout around ${name}, in a child, racing a producer: no item leaks, order kept`, () =>
        Effect.gen(function*() {
          const q = yield* Queue.make<number>()
          const n = 300
          const consumer = yield* Process.spawn(tasks.impatientConsume, [q, n, 1, max], { backend })
          const producer = yield* Process.spawn(tasks.tricklePut, [q, n], { backend })
          expect(yield* Process.result(producer)).toBe(n)
          const r = yield* Process.result(consumer).pipe(Effect.timeout("60 seconds"))
          expect(r.items).toEqual(range(n))
          expect(r.timeouts).toBeGreaterThan(0)
          expect(yield* Queue.empty(q)).toBe(true)
        }), 300_000)
    }

    it.scopedLive(`${backend}: Effect.timeout around get in the parent, racing a child producer: no item leaks`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<number>()
        const n = 300
        const producer = yield* Process.spawn(tasks.tricklePut, [q, n], { backend })
        const items: Array<number> = []
        let timeouts = 0
        while (items.length < n) {
          const x = yield* Effect.timeout(Queue.get(q), "1 millis").pipe(Effect.option)
          if (Option.isSome(x)) items.push(x.value)
          else timeouts++
        }
        expect(yield* Process.result(producer)).toBe(n)
        expect(items).toEqual(range(n))
        expect(timeouts).toBeGreaterThan(0)
      }), 300_000)

    it.scopedLive(`${backend}: a producer terminated in the middle of its puts leaves whole items; the queue keeps working`, () =>
      Effect.gen(function*() {
        const size = 64 * 1024
        const q = yield* Queue.make<{ readonly i: number; readonly bytes: Uint8Array }>({ maxsize: 4 })
        const p = yield* Process.spawn(tasks.endlessProducer, [q, size], { backend })
        const seen: Array<number> = []
        for (let k = 0; k < 20; k++) {
          const x = yield* Queue.get(q, { timeout: 30_000 })
          expect(patternSeed(x.bytes, size)).toBe(x.i & 0xff)
          seen.push(x.i)
        }
        // the producer is blocked in a put (or between puts) when it is ended
        yield* Process.terminate(p)
        for (const x of yield* drain(q)) {
          expect(patternSeed(x.bytes, size)).toBe(x.i & 0xff)
          seen.push(x.i)
        }
        expect(seen).toEqual(range(seen.length))
        expect(seen.length).toBeGreaterThanOrEqual(20)
        expect(seen.length).toBeLessThanOrEqual(20 + 4 + 1)
        // the queue works for others: a new producer and consumer
        const more = yield* Process.spawn(tasks.endlessProducer, [q, 16], { backend })
        const next = yield* Queue.get(q, { timeout: 30_000 })
        expect(next.i).toBe(0)
        expect(patternSeed(next.bytes, 16)).toBe(0)
        yield* Process.terminate(more)
        yield* drain(q)
        yield* Queue.put(q, { i: -1, bytes: patterned(8, 1) })
        expect((yield* Queue.get(q)).i).toBe(-1)
      }), 300_000)
  }
})

describe("Queue: interrupting a blocked get in the owner", () => {
  it.scopedLive("an interrupted get takes nothing; the next get receives the item", () =>
    Effect.gen(function*() {
      const q = yield* Queue.make<number>()
      const blocked = yield* Effect.fork(Queue.get(q))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(blocked)
      yield* Queue.put(q, 1)
      expect(yield* Queue.qsize(q)).toBe(1)
      expect(yield* Queue.get(q)).toBe(1)
    }))
})


describe("Queue: many items a call (putAll, getUpTo, toStream in chunks)", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: a child's putAll into a bounded queue (maxsize 7) waits for room piece by piece; getUpTo(10) gets every item once, in order`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<number>({ maxsize: 7 })
        const p = yield* Process.spawn(tasks.putAllOf, [q, range(100)], { backend })
        const got: Array<number> = []
        while (got.length < 100) {
          const chunk = yield* Queue.getUpTo(q, 10, { timeout: 30_000 })
          expect(chunk.length).toBeGreaterThanOrEqual(1)
          expect(chunk.length).toBeLessThanOrEqual(10)
          got.push(...chunk)
        }
        expect(got).toEqual(range(100))
        expect(yield* Process.result(p)).toBe(100)
        expect(yield* Queue.empty(q)).toBe(true)
      }))

    it.scopedLive(`${backend}: a child's getUpTo takes what is there, up to max, in order; QueueEmpty after its timeout; a bad max → ValueError, nothing taken`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<number>()
        yield* Queue.putAll(q, range(5))
        const r = yield* Process.run(tasks.getUpToChecks, [q], { backend })
        expect(r).toEqual({
          bad: ["ValueError", "ValueError", "ValueError", "ValueError"],
          left: 5,
          first: [0, 1, 2],
          rest: [3, 4],
          empty: "QueueEmpty"
        })
      }))

    it.scopedLive(`${backend}: a child's putAll with an item that cannot be sent fails with SerializationError naming items[i], and puts none`, () =>
      Effect.gen(function*() {
        const q = yield* Queue.make<unknown>({ maxsize: 10 })
        const error = yield* Process.run(tasks.putAllUnsendable, [q], { backend })
        expect(error).toEqual({ tag: "SerializationError", path: "items[2].bad[0]" })
        expect(yield* Queue.qsize(q)).toBe(0)
      }))

    it.scopedLive(`${backend}: toStream({ maxChunkSize: 16 }) in a child takes every item in order until the owner closes the queue`, () =>
      Effect.gen(function*() {
        const ready = yield* Queue.make<string>()
        const inner = yield* Scope.make()
        const q = yield* Scope.extend(Queue.make<number>(), inner)
        const c = yield* Process.spawn(tasks.collectStream, [q, ready, 16], { backend })
        expect(yield* Queue.get(ready, { timeout: 30_000 })).toBe("streaming")
        yield* Queue.putAll(q, range(200))
        yield* Effect.repeat(Queue.empty(q), { until: (e) => e, schedule: Schedule.spaced("10 millis") })
        yield* Scope.close(inner, Exit.void)
        expect(yield* Process.result(c)).toEqual(range(200))
      }))
  }

  it.scoped("putAll: an item that cannot be put fails the call with its path, and none is put", () =>
    Effect.gen(function*() {
      const q = yield* Queue.make<unknown>()
      const e = yield* Effect.flip(Queue.putAll(q, [1, 2, { f: () => 3 }, 4]))
      assert(e instanceof SerializationError)
      expect(e.path).toBe("items[2].f")
      expect(yield* Queue.qsize(q)).toBe(0)
    }))

  it.scoped("putAll takes any iterable; an empty one puts nothing; getUpTo on a closed handle fails with QueueClosed", () =>
    Effect.gen(function*() {
      const q = yield* Queue.make<number>()
      yield* Queue.putAll(q, new Set([3, 1, 2]))
      yield* Queue.putAll(q, [])
      expect(yield* Queue.getUpTo(q, 100)).toEqual([3, 1, 2])
      yield* Queue.close(q)
      assert((yield* Effect.flip(Queue.getUpTo(q, 1))) instanceof QueueClosed)
      assert((yield* Effect.flip(Queue.putAll(q, [1]))) instanceof QueueClosed)
    }))

  it.scoped("toStream with a bad maxChunkSize fails the stream with ValueError", () =>
    Effect.gen(function*() {
      const q = yield* Queue.make<number>()
      yield* Queue.put(q, 1)
      assert((yield* Effect.flip(Stream.runCollect(Queue.toStream(q, { maxChunkSize: 0 })))) instanceof ValueError)
      expect(yield* Queue.qsize(q)).toBe(1)
    }))
})
