/**
 * Python's `multiprocessing.Event` (conformance G) on the three backends: a new event is not set;
 * `wait(0)` and `wait(t)` give false (the latter after t); after `set`, waits give true at once; a
 * child's `set` wakes a parent blocked in `wait`; a parent's `set` is seen in a child and a child's
 * `clear` in the parent; interrupted and terminated waiters leave the event working.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Event from "../src/Event.ts"
import * as Process from "../src/Process.ts"
import { backends, since } from "./fixtures/sync-common.ts"
import { tasks } from "./fixtures/sync-event.ts"

/** Generous: on a loaded machine a child on Node from TypeScript sources can take seconds to start. */
const slow = 180_000

describe("Event in its owner", () => {
  it.scopedLive("new → not set, wait(0) false, wait(t) false after t; set → waits true at once; clear → not set", () =>
    Effect.gen(function*() {
      const ev = yield* Event.make
      expect(Event.isEvent(ev)).toBe(true)
      expect(yield* Event.isSet(ev)).toBe(false)
      expect(yield* Event.wait(ev, { timeout: 0 })).toBe(false)
      expect(yield* ev.pipe(Event.wait({ timeout: -1 }))).toBe(false)
      const t0 = performance.now()
      expect(yield* Event.wait(ev, { timeout: 200 })).toBe(false)
      expect(since(t0)).toBeGreaterThanOrEqual(195)
      yield* Event.set(ev)
      expect(yield* Event.isSet(ev)).toBe(true)
      expect(yield* Event.wait(ev)).toBe(true)
      // a wait of 10 minutes would fail the test
      expect(yield* Event.wait(ev, { timeout: "10 minutes" })).toBe(true)
      yield* Event.clear(ev)
      expect(yield* Event.isSet(ev)).toBe(false)
      expect(yield* Event.wait(ev, { timeout: 0 })).toBe(false)
    }))

  it.scoped("set wakes every fiber blocked in wait; an interrupted wait is simply gone", () =>
    Effect.gen(function*() {
      const ev = yield* Event.make
      const waiters = yield* Effect.forEach([1, 2, 3], () => Effect.fork(Event.wait(ev)))
      const interrupted = yield* Effect.fork(Event.wait(ev))
      yield* Effect.yieldNow()
      expect(yield* Fiber.poll(waiters[0]!)).toEqual(Option.none())
      yield* Fiber.interrupt(interrupted)
      yield* Event.set(ev)
      expect(yield* Fiber.joinAll(waiters)).toEqual([true, true, true])
    }))
})

describe("Event between processes", () => {
  for (const backend of backends) {
    it.scopedLive(`${backend}: a child's set wakes the parent blocked in wait`, () =>
      Effect.gen(function*() {
        const ev = yield* Event.make
        const waiting = yield* Effect.fork(Event.wait(ev))
        yield* Effect.yieldNow()
        expect(yield* Fiber.poll(waiting)).toEqual(Option.none())
        yield* Process.run(tasks.set, [ev], { backend })
        expect(yield* Fiber.join(waiting)).toBe(true)
        expect(yield* Event.isSet(ev)).toBe(true)
      }), slow)

    it.scopedLive(`${backend}: the parent's set is seen in a child, the child's clear in the parent`, () =>
      Effect.gen(function*() {
        const ev = yield* Event.make
        yield* Event.set(ev)
        expect(yield* Process.run(tasks.checkAndClear, [ev], { backend })).toBe(true)
        expect(yield* Event.isSet(ev)).toBe(false)
      }), slow)

    it.scopedLive(`${backend}: in a child, wait(t) → false after t; after set → true at once`, () =>
      Effect.gen(function*() {
        const ev = yield* Event.make
        const timed = yield* Process.run(tasks.timedWait, [ev, 300], { backend })
        expect(timed.result).toBe(false)
        expect(timed.elapsed).toBeGreaterThanOrEqual(290)
        yield* Event.set(ev)
        expect(yield* Process.run(tasks.timedWait, [ev, 600_000], { backend })).toMatchObject({ result: true })
      }), slow)

    it.scopedLive(`${backend}: one set wakes every waiting child; a waiter terminated while it waits leaves the event working`, () =>
      Effect.gen(function*() {
        const ev = yield* Event.make
        const children = []
        for (let i = 0; i < 3; i++) {
          const waiting = yield* Event.make
          children.push(yield* Process.spawn(tasks.announceAndWait, [ev, waiting], { backend }))
          expect(yield* Event.wait(waiting, { timeout: "60 seconds" })).toBe(true)
        }
        yield* Process.terminate(children[0]!)
        yield* Event.set(ev)
        expect(yield* Process.result(children[1]!)).toBe(true)
        expect(yield* Process.result(children[2]!)).toBe(true)
        expect(yield* Event.isSet(ev)).toBe(true)
      }), slow)
  }
})
