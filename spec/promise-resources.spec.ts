/**
 * The Promise facade of the shared resources (issue 3, point 6): Queue, JoinableQueue, SimpleQueue,
 * Pipe, Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, Value and SharedArray as
 * objects with async methods — in this process, and passed to children on the process, thread and
 * fiber backends (plain async tasks wrap what they receive with `from`); typed rejections; aborts
 * that leak nothing; `await using`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as CoreLock from "../src/Lock.ts"
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  BufferTooShort,
  Condition,
  ConnectionError,
  EOFError,
  Event,
  IndexError,
  JoinableQueue,
  Lock,
  Pipe,
  Queue,
  QueueClosed,
  QueueEmpty,
  QueueFull,
  ResourceClosed,
  RLock,
  run,
  Semaphore,
  SharedArray,
  SimpleQueue,
  spawn,
  Value,
  ValueError
} from "../src/promise/index.ts"
import { type Hosted, resourceTasks as tasks } from "./fixtures/promise-resources-tasks.ts"

const backends = ["process", "thread", "fiber"] as const

/** The rejection of `promise`, which must reject. */
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a rejection")
}

/** Polls `check` until it holds, for at most a minute. */
const eventually = async (check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 60_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition never held")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/**
 * A `get` aborted at various moments around a `put` (before it, in the same tick, after a round trip):
 * each item is received exactly once, by the aborted `get` or by the next one.
 */
const abortGetRaces = async (q: Queue<number>, n: number) => {
  const received: Array<number> = []
  for (const i of range(n)) {
    const controller = new AbortController()
    const pending = q.get({ signal: controller.signal }).then((v) => ({ v }), (e: unknown) => ({ e }))
    if (i % 3 === 0) controller.abort()
    await q.put(i)
    if (i % 3 === 1) controller.abort()
    if (i % 3 === 2) {
      await q.qsize()
      controller.abort()
    }
    const outcome = await pending
    if ("v" in outcome) received.push(outcome.v)
    else {
      expect((outcome.e as DOMException).name).toBe("AbortError")
      received.push(await q.get({ timeout: 30_000 }))
    }
  }
  expect(received).toEqual(range(n))
  expect(await q.qsize()).toBe(0)
}

/**
 * An `acquire` blocked on a held lock, aborted around the holder's `release`: afterwards the lock is
 * free (or held by the acquire that won, which releases it).
 */
const abortAcquireRaces = async (lock: Lock, n: number) => {
  for (const i of range(n)) {
    expect(await lock.acquire()).toBe(true)
    const controller = new AbortController()
    const pending = lock.acquire({ signal: controller.signal }).then((v) => ({ v }), (e: unknown) => ({ e }))
    if (i % 3 === 0) controller.abort()
    const released = lock.release()
    if (i % 3 === 1) controller.abort()
    await released
    if (i % 3 === 2) controller.abort()
    const outcome = await pending
    if ("v" in outcome) {
      expect(outcome.v).toBe(true)
      await lock.release()
    } else {
      expect((outcome.e as DOMException).name).toBe("AbortError")
    }
    expect(await lock.acquire({ block: false })).toBe(true)
    await lock.release()
  }
}

describe("promise facade: resources in this process", () => {
  it("Queue: FIFO, typed rejections (never a FiberFailure), timeouts, close, maxsize", async () => {
    await using q = await Queue.create<number>({ maxsize: 2 })
    await q.put(1)
    await q.putNowait(2)
    expect(await q.full()).toBe(true)
    const full = await rejection(q.putNowait(3))
    expect(full).toBeInstanceOf(QueueFull)
    expect(Runtime.isFiberFailure(full)).toBe(false)
    expect(await rejection(q.put(3, { timeout: 20 }))).toBeInstanceOf(QueueFull)
    expect(await rejection(q.put(3, { block: false }))).toBeInstanceOf(QueueFull)
    expect(await q.qsize()).toBe(2)
    expect(await q.get()).toBe(1)
    expect(await q.get({ timeout: 1000 })).toBe(2)
    expect(await q.empty()).toBe(true)
    expect(await rejection(q.getNowait())).toBeInstanceOf(QueueEmpty)
    expect(await rejection(q.get({ timeout: 20 }))).toBeInstanceOf(QueueEmpty)
    expect(await rejection(q.get({ timeout: -1 }))).toBeInstanceOf(ValueError)
    expect(await rejection(q.put(Symbol("x") as never))).toMatchObject({ _tag: "SerializationError" })
    q.close()
    expect(await rejection(q.put(1))).toBeInstanceOf(QueueClosed)
    expect(await rejection(q.get())).toBeInstanceOf(QueueClosed)
  })

  it("Queue: putAll and getUpTo move many items a call; an aborted getUpTo takes nothing", async () => {
    await using q = await Queue.create<number>({ maxsize: 3 })
    const putting = q.putAll([1, 2, 3, 4, 5])
    expect(await q.getUpTo(2)).toEqual([1, 2])
    await putting
    expect(await q.getUpTo(10, { timeout: 1000 })).toEqual([3, 4, 5])
    expect(await rejection(q.getUpTo(0))).toBeInstanceOf(ValueError)
    expect(await rejection(q.getUpTo(3, { timeout: 20 }))).toBeInstanceOf(QueueEmpty)
    expect(await rejection(q.putAll([6, Symbol("x") as never]))).toMatchObject({ _tag: "SerializationError" })
    expect(await q.qsize()).toBe(0)
    const controller = new AbortController()
    const pending = rejection(q.getUpTo(5, { signal: controller.signal }))
    await q.qsize()
    controller.abort(new Error("stop"))
    expect(await pending).toMatchObject({ message: "stop" })
    await q.putAll([7, 8])
    expect(await q.getUpTo(5)).toEqual([7, 8])
  })

  it("Queue: for await yields the items until the queue is disposed; await using ends it", async () => {
    let kept: Queue<string> | undefined
    const seen: Array<string> = []
    {
      await using q = await Queue.create<string>()
      kept = q
      const consumer = (async () => {
        for await (const x of q) seen.push(x)
        return "ended"
      })()
      for (const x of ["a", "b", "c"]) await q.put(x)
      await eventually(async () => seen.length === 3)
      const blocked = q.get()
      await q.dispose()
      expect(await consumer).toBe("ended")
      expect(await rejection(blocked)).toBeInstanceOf(QueueClosed)
    }
    expect(seen).toEqual(["a", "b", "c"])
    expect(await rejection(kept.get())).toBeInstanceOf(QueueClosed)
  })

  it("Queue: an aborted get takes no item; a signal aborted before the call runs nothing", async () => {
    await using q = await Queue.create<number>()
    const controller = new AbortController()
    const pending = rejection(q.get({ signal: controller.signal }))
    await q.qsize()
    controller.abort(new Error("stop"))
    expect(await pending).toMatchObject({ message: "stop" })
    await q.put(7)
    expect(await q.get()).toBe(7)
    expect(await rejection(q.put(8, { signal: AbortSignal.abort() }))).toMatchObject({ name: "AbortError" })
    expect(await q.qsize()).toBe(0)
    await abortGetRaces(q, 30)
  })

  it("JoinableQueue and SimpleQueue", async () => {
    await using jq = await JoinableQueue.create<number>()
    await jq.join()
    await jq.put(1)
    let joined = false
    const joining = jq.join().then(() => {
      joined = true
    })
    expect(await jq.get()).toBe(1)
    expect(joined).toBe(false)
    await jq.taskDone()
    await joining
    expect(joined).toBe(true)
    expect(await rejection(jq.taskDone())).toBeInstanceOf(ValueError)
    const controller = new AbortController()
    await jq.put(2)
    const abortedJoin = rejection(jq.join({ signal: controller.signal }))
    controller.abort()
    expect(await abortedJoin).toMatchObject({ name: "AbortError" })

    await using sq = await SimpleQueue.create<string>()
    expect(await sq.empty()).toBe(true)
    await sq.put("x")
    expect(await sq.get()).toBe("x")
    sq.close()
    expect(await rejection(sq.get())).toBeInstanceOf(QueueClosed)
  })

  it("Lock: acquire/release, timeouts, misuse, withLock, hold with await using, aborts leak no permit", async () => {
    await using lock = await Lock.create()
    expect(await rejection(lock.release())).toBeInstanceOf(ValueError)
    expect(await lock.acquire()).toBe(true)
    expect(await lock.acquire({ block: false })).toBe(false)
    expect(await lock.acquire({ timeout: 20 })).toBe(false)
    expect(await lock.recovered()).toBe(false)
    await lock.release()
    expect(await lock.withLock(async () => await lock.acquire({ block: false }))).toBe(false)
    expect(await rejection(lock.withLock(() => {
      throw new RangeError("inside")
    }))).toBeInstanceOf(RangeError)
    {
      await using held = await lock.hold()
      expect(held).toBeDefined()
      expect(await lock.hold({ block: false })).toBeUndefined()
    }
    expect(await lock.acquire({ block: false })).toBe(true)
    const controller = new AbortController()
    const blocked = rejection(lock.acquire({ signal: controller.signal }))
    await lock.recovered()
    controller.abort()
    expect(await blocked).toMatchObject({ name: "AbortError" })
    await lock.release()
    expect(await lock.acquire({ block: false })).toBe(true)
    await lock.release()
    await abortAcquireRaces(lock, 30)
  })

  it("RLock re-enters for its owner; Semaphore and BoundedSemaphore count permits", async () => {
    await using rlock = await RLock.create()
    expect(await rlock.withLock(() => rlock.withLock(() => rlock.withLock(() => "deep")))).toBe("deep")
    expect(await rlock.acquire()).toBe(true)
    expect(await rlock.acquire()).toBe(true)
    await rlock.release()
    await rlock.release()
    expect(await rejection(rlock.release())).toBeInstanceOf(ValueError)

    await using sem = await Semaphore.create(2)
    expect(await sem.getValue()).toBe(2)
    const a = await sem.hold()
    const b = await sem.hold()
    expect(await sem.getValue()).toBe(0)
    expect(await sem.acquire({ timeout: 20 })).toBe(false)
    const controller = new AbortController()
    const blocked = rejection(sem.acquire({ signal: controller.signal }))
    await sem.getValue()
    controller.abort()
    await blocked
    await a.release()
    await a.release() // once only
    expect(await sem.getValue()).toBe(1)
    await b[Symbol.asyncDispose]()
    expect(await sem.getValue()).toBe(2)

    await using zero = await Semaphore.create(0)
    expect(await zero.acquire({ timeout: 20 })).toBe(false)
    await zero.release()
    expect(await zero.acquire({ block: false })).toBe(true)

    await using bounded = await BoundedSemaphore.create(1)
    expect(await rejection(bounded.release())).toBeInstanceOf(ValueError)
    expect(await rejection(Semaphore.create(-1))).toBeInstanceOf(ValueError)
  })

  it("Event: wait times out, wakes on set, aborts", async () => {
    await using event = await Event.create()
    expect(await event.isSet()).toBe(false)
    expect(await event.wait({ timeout: 20 })).toBe(false)
    const controller = new AbortController()
    const aborted = rejection(event.wait({ signal: controller.signal }))
    const waiting = event.wait()
    controller.abort()
    expect(await aborted).toMatchObject({ name: "AbortError" })
    await event.set()
    expect(await waiting).toBe(true)
    expect(await event.wait({ timeout: 0 })).toBe(true)
    await event.clear()
    expect(await event.isSet()).toBe(false)
  })

  it("Condition: needs the lock; notify wakes a waiter; an aborted wait holds the lock again", async () => {
    await using cond = await Condition.create({ lock: await Lock.create() })
    expect(await rejection(cond.wait())).toBeInstanceOf(ValueError)
    expect(await rejection(cond.notify())).toBeInstanceOf(ValueError)
    let ready = false
    const waiter = cond.withLock(() => cond.waitFor(() => ready, { timeout: 30_000 }))
    await eventually(async () => {
      // the waiter released the lock inside waitFor
      const held = await cond.hold({ block: false })
      if (held === undefined) return false
      ready = true
      await cond.notifyAll()
      await held.release()
      return true
    })
    expect(await waiter).toBe(true)
    expect(await cond.withLock(() => cond.wait({ timeout: 20 }))).toBe(false)
    expect(await cond.withLock(() => cond.waitFor(() => 0, { timeout: 20 }))).toBe(0)

    const controller = new AbortController()
    const aborted = cond.withLock(async () => {
      const outcome = await rejection(cond.wait({ signal: controller.signal }))
      // the lock is ours again, as after Python's `finally`
      return { outcome, free: await cond.lock.acquire({ block: false }) }
    })
    await eventually(async () => {
      const held = await cond.hold({ block: false })
      if (held === undefined) return false
      controller.abort()
      await held.release()
      return true
    })
    const { free, outcome } = await aborted
    expect(outcome).toMatchObject({ name: "AbortError" })
    expect(free).toBe(false)
    expect(await cond.acquire({ block: false })).toBe(true)
    await cond.release()
  })

  it("Barrier: indices, the action once per round, timeout and abort break it, reset", async () => {
    let rounds = 0
    await using barrier = await Barrier.create(2, { action: async () => void rounds++ })
    expect(barrier.parties).toBe(2)
    expect((await Promise.all([barrier.wait(), barrier.wait()])).sort()).toEqual([0, 1])
    expect(rounds).toBe(1)
    expect(await rejection(barrier.wait({ timeout: 20 }))).toBeInstanceOf(BrokenBarrierError)
    expect(await barrier.broken()).toBe(true)
    await barrier.reset()
    expect(await barrier.broken()).toBe(false)
    const waiting = rejection(barrier.wait())
    await eventually(async () => (await barrier.nWaiting()) === 1)
    await barrier.abort()
    expect(await waiting).toBeInstanceOf(BrokenBarrierError)
    await using failing = await Barrier.create(1, {
      action: () => {
        throw new Error("action failed")
      }
    })
    expect(await rejection(failing.wait())).toBeInstanceOf(BrokenBarrierError)
  })

  it("Value and SharedArray: C conversions, typed errors, the lock", async () => {
    await using v = await Value.create("b", 0)
    await v.set(200)
    expect(await v.get()).toBe(-56)
    expect(v.typecode).toBe("b")
    expect(await rejection(v.set(1.5))).toBeInstanceOf(ValueError)
    await v.getLock().withLock(() => v.update((x) => x + 1))
    expect(await v.updateAndGet((x) => x * 2)).toBe(-110)
    await using raw = await Value.create("q", 5n, { lock: false })
    expect(raw.getLock()).toBeUndefined()
    await raw.update((x) => x + 1n)
    expect(await raw.get()).toBe(6n)

    await using xs = await SharedArray.create("i", [1, 2, 3, 4])
    expect(xs.length).toBe(4)
    expect(await xs.get(-1)).toBe(4)
    expect(await rejection(xs.get(4))).toBeInstanceOf(IndexError)
    await xs.set(0, 10)
    expect(await xs.update(1, (x) => x * 10)).toBe(20)
    expect(await xs.slice(1, 3)).toEqual([20, 3])
    await xs.setSlice(2, undefined, [30, 40])
    expect(await xs.toArray()).toEqual([10, 20, 30, 40])
    expect(await rejection(xs.setSlice(0, 2, [1]))).toBeInstanceOf(ValueError)
  })

  it("Pipe: duplex and one-way, bytes, poll, EOF, closed ends; await using closes", async () => {
    const [a, b] = await Pipe.create<string, number>()
    await a.send("")
    expect(await b.recv()).toBe("")
    expect(await a.poll({ timeout: 20 })).toBe(false)
    await b.send(42)
    expect(await a.poll({ timeout: 1000 })).toBe(true)
    expect(await a.recv()).toBe(42)
    await a.sendBytes(new Uint8Array([1, 2, 3, 4]), { offset: 1, size: 2 })
    expect([...await b.recvBytes()]).toEqual([2, 3])
    expect(await rejection(a.sendBytes(new Uint8Array(2), { offset: 3 }))).toBeInstanceOf(ValueError)
    await a.sendBytes(new Uint8Array([9, 9, 9]))
    const short = await rejection(b.recvBytesInto(new Uint8Array(2)))
    expect(short).toBeInstanceOf(BufferTooShort)
    expect([...(short as BufferTooShort).bytes]).toEqual([9, 9, 9])
    await a.sendBytes(new Uint8Array([5, 6]))
    const into = new Uint8Array(4)
    expect(await b.recvBytesInto(into, { offset: 1 })).toBe(2)
    expect([...into]).toEqual([0, 5, 6, 0])
    const controller = new AbortController()
    const aborted = rejection(b.recv({ signal: controller.signal }))
    await b.poll()
    controller.abort()
    expect(await aborted).toMatchObject({ name: "AbortError" })
    await a.send("after the abort")
    expect(await b.recv()).toBe("after the abort")
    await a.send("last")
    await a.dispose() // closes this end
    expect(await a.closed()).toBe(true)
    expect(await rejection(a.send("x"))).toBeInstanceOf(ConnectionError)
    expect(await rejection(b.send(1))).toMatchObject({ _tag: "BrokenPipe" })
    const rest: Array<string> = []
    for await (const m of b) rest.push(m)
    expect(rest).toEqual(["last"])
    expect(await rejection(b.recv())).toBeInstanceOf(EOFError)
    await b.dispose()

    {
      const [reader, writer] = await Pipe.create<number>({ duplex: false })
      await using _reader = reader
      await using _writer = writer
      expect(await reader.readable()).toBe(true)
      expect(await reader.writable()).toBe(false)
      expect(await rejection(reader.send(1 as never))).toMatchObject({ message: "connection is read-only" })
    }
  })

  it("a facade object is a handle: the Effect API takes it; from() refuses another kind", async () => {
    await using lock = await Lock.create()
    expect(CoreLock.isLock(lock)).toBe(true)
    expect(await Effect.runPromise(CoreLock.acquire(lock, { block: false }))).toBe(true)
    expect(await lock.acquire({ block: false })).toBe(false)
    await lock.release()
    expect(() => Queue.from(lock as never)).toThrow(TypeError)
    await using event = await Event.create()
    const kept = event
    await event.dispose()
    expect(await rejection(kept.set())).toBeInstanceOf(ResourceClosed)
  })
})

/** Tests that start children: generous, as the machine may be busy (each start loads a runtime). */
const childTimeout = 180_000

for (const backend of backends) {
  describe(`promise facade: resources passed to a ${backend} child`, () => {
    it("Queue: a plain task relays with Queue.from, with typed rejections there; an Effect task reads a handle", async () => {
      await using inbox = await Queue.create<number | null>({ maxsize: 2 })
      await using outbox = await Queue.create<number>()
      await using small = await Queue.create<number>({ maxsize: 1 })
      await using p = await spawn(tasks.relay, [inbox, outbox, small], { backend })
      for (const x of [1, 2, 3, 4, null]) await inbox.put(x, { timeout: 60_000 })
      expect(await p.result()).toEqual({ n: 4, errors: [true, true, true, true] })
      expect(await small.get()).toBe(1) // the child's close was its own
      expect(await run(tasks.effectSum, [outbox, 4], { backend })).toBe(20)
    }, childTimeout)

    it("JoinableQueue: join returns once the child has marked every item done; SimpleQueue keeps order", async () => {
      await using jobs = await JoinableQueue.create<number | null>()
      await using results = await Queue.create<number>()
      await using p = await spawn(tasks.joinableWorker, [jobs, results], { backend })
      for (const x of [10, 20, 30]) await jobs.put(x)
      await jobs.join({ signal: AbortSignal.timeout(60_000) })
      expect(await results.qsize()).toBe(3)
      expect([await results.get(), await results.get(), await results.get()]).toEqual([11, 21, 31])
      await jobs.put(null)
      expect(await p.result()).toBe("stopped")

      await using sq = await SimpleQueue.create<string>()
      expect(await run(tasks.simpleProduce, [sq, 5], { backend })).toBe(5)
      const got: Array<string> = []
      for (let i = 0; i < 5; i++) got.push(await sq.get())
      expect(got).toEqual(range(5).map((i) => `item-${i}`))
    }, childTimeout)

    it("Pipe: a request/response adder that ends at EOF; bytes from the child; EOF after them", async () => {
      const [mine, theirs] = await Pipe.create<readonly [number, number], number>()
      const [reader, writer] = await Pipe.create<Uint8Array>({ duplex: false })
      await using p = await spawn(tasks.adder, [theirs, writer], { backend })
      const sums: Array<number> = []
      for (const [x, y] of [[1, 2], [3, 4], [5, 6]] as const) {
        await mine.send([x, y])
        sums.push(await mine.recv({ signal: AbortSignal.timeout(60_000) }))
      }
      expect(sums).toEqual([3, 7, 11])
      await mine.close()
      expect([...await reader.recvBytes({ signal: AbortSignal.timeout(60_000) })]).toEqual([1, 2, 3, 4, 5])
      expect(await rejection(reader.recv())).toBeInstanceOf(EOFError)
      expect(await p.result()).toEqual({ n: 3, eof: true })
      expect(await rejection(mine.recv())).toBeInstanceOf(ConnectionError) // our own end is closed
      for (const end of [mine, theirs, reader, writer]) await end.dispose()
    }, childTimeout)

    it("Lock, RLock, Semaphore: a child sees them held; a child that ends holding them frees them (recovered)", async () => {
      await using lock = await Lock.create()
      await using rlock = await RLock.create()
      await using sem = await Semaphore.create(1)
      await using probed = await Event.create()
      const locks = [lock, rlock, sem] as const
      for (const l of locks) expect(await l.acquire()).toBe(true)
      await using p = await spawn(tasks.probeThenTake, [locks, rlock, probed], { backend })
      expect(await probed.wait({ timeout: 60_000 })).toBe(true)
      for (const l of locks) await l.release()
      expect(await p.result()).toEqual({
        first: [false, false, false],
        foreign: "cannot release un-acquired lock",
        taken: [true, true, true]
      })
      for (const l of locks) {
        expect(await l.acquire({ timeout: 30_000 })).toBe(true)
        expect(await l.recovered()).toBe(true)
        await l.release()
        expect(await l.recovered()).toBe(false)
      }
    }, childTimeout)

    it("Lock + raw Value: read-then-write increments from two children and here end exact", async () => {
      await using lock = await Lock.create()
      await using counter = await Value.create("i", 0, { lock: false })
      const children = await Promise.all([0, 1].map(() => spawn(tasks.lockedIncrements, [lock, counter, 40], { backend })))
      for (let i = 0; i < 40; i++) {
        await lock.withLock(async () => {
          await counter.set((await counter.get()) + 1)
        })
      }
      for (const child of children) expect(await child.result()).toBe(40)
      expect(await counter.get()).toBe(120)
    }, childTimeout)

    it("Semaphore and BoundedSemaphore: a permit held by a child; over-release in a child", async () => {
      await using sem = await Semaphore.create(1)
      await using bounded = await BoundedSemaphore.create(2)
      await using holding = await Event.create()
      await using go = await Event.create()
      await using p = await spawn(tasks.holdPermitUntil, [sem, bounded, holding, go], { backend })
      expect(await holding.wait({ timeout: 60_000 })).toBe(true)
      expect(await sem.getValue()).toBe(0)
      expect(await sem.acquire({ block: false })).toBe(false)
      await go.set()
      expect(await p.result()).toEqual({ before: 2, overIsValueError: true })
      expect(await sem.acquire({ block: false })).toBe(true)
      expect(await sem.recovered()).toBe(false) // released by the child's `await using`, not abandoned
    }, childTimeout)

    it("Event: a parent's set wakes a waiting child, whose set wakes the waiting parent", async () => {
      await using ping = await Event.create()
      await using pong = await Event.create()
      await using p = await spawn(tasks.eventRoundTrip, [ping, pong], { backend })
      const answered = pong.wait({ timeout: 60_000 })
      await ping.set()
      expect(await answered).toBe(true)
      expect(await p.result()).toEqual({ timedOut: true, woke: true, isSet: true })
    }, childTimeout)

    it("Condition: notify wakes a child; the child's waitFor sees a Value change", async () => {
      await using cond = await Condition.create()
      await using about = await Event.create()
      await using value = await Value.create("i", 0, { lock: false })
      await using p = await spawn(tasks.conditionWaiter, [cond, about, value, 3], { backend })
      expect(await about.wait({ timeout: 60_000 })).toBe(true)
      await cond.withLock(() => cond.notify()) // the child waits by now: it held the lock until then
      for (const v of [1, 2, 3]) {
        await cond.withLock(async () => {
          await value.set(v)
          await cond.notifyAll()
        })
      }
      expect(await p.result()).toEqual({ notified: true, reached: 3 })
    }, childTimeout)

    it("Barrier: parent and child get distinct indices; abort breaks a child's wait", async () => {
      let rounds = 0
      await using pair = await Barrier.create(2, { action: () => void rounds++ })
      await using three = await Barrier.create(3)
      await using p = await spawn(tasks.barrierParty, [pair, three], { backend })
      const mine = await pair.wait({ timeout: 60_000 })
      expect(rounds).toBe(1)
      await eventually(async () => (await three.nWaiting()) === 1)
      await three.abort()
      const { broken, index } = await p.result()
      expect([mine, index].sort()).toEqual([0, 1])
      expect(broken).toBe("broken")
    }, childTimeout)

    it("Value and SharedArray: a child's updates are seen here", async () => {
      await using counter = await Value.create("i", 0)
      await using xs = await SharedArray.create("d", [1, 2, 3])
      await using p = await spawn(tasks.updateShared, [counter, 50, xs], { backend })
      for (let i = 0; i < 50; i++) await counter.update((x) => x + 1)
      expect(await p.result()).toEqual({ all: [1, 4, 9], last: 9, length: 3, typecode: "d" })
      expect(await counter.get()).toBe(100)
      expect(await xs.toArray()).toEqual([1, 4, 9])
    }, childTimeout)

    it("a child's aborted get takes no item, its aborted acquire leaves no permit", async () => {
      await using q = await Queue.create<number>()
      await using lock = await Lock.create()
      await using getAborted = await Event.create()
      await using acquireAborted = await Event.create()
      await lock.acquire()
      await using p = await spawn(tasks.abortInChild, [q, lock, getAborted, acquireAborted], { backend })
      expect(await getAborted.wait({ timeout: 60_000 })).toBe(true)
      await q.put(7)
      expect(await acquireAborted.wait({ timeout: 60_000 })).toBe(true)
      await lock.release()
      expect(await p.result()).toEqual({ get: "DOMException", item: 7, acquire: "DOMException", next: true })
      expect(await q.qsize()).toBe(0)
      expect(await lock.acquire({ block: false })).toBe(true)
    }, childTimeout)
  })
}

for (const backend of ["process", "thread"] as const) {
  it(`aborts against resources a ${backend} child owns leak no item and no permit`, async () => {
    await using reply = await Queue.create<Hosted>()
    await using stop = await Event.create()
    await using host = await spawn(tasks.hostResources, [reply, stop], { backend })
    const hosted = await reply.get({ timeout: 60_000 })
    const q = Queue.from(hosted.q)
    const lock = Lock.from(hosted.lock)
    await abortGetRaces(q, 30)
    await abortAcquireRaces(lock, 30)
    await stop.set()
    expect(await host.result()).toBe(true)
    expect(await rejection(q.get())).toBeInstanceOf(QueueClosed) // its owner has ended
  }, childTimeout)
}
