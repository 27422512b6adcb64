/**
 * Tasks of the traffic-light example: the light turns green (sets the Event) and red (clears it);
 * cars that find it red wait for the Event. Each writes what happens on a log queue, whose order is
 * the order things happened in.
 *
 * Every child imports this module: it imports the modules it uses, not the barrels, to start faster.
 */
import * as Effect from "effect/Effect"
import * as Barrier from "../../src/Barrier.ts"
import * as Event from "../../src/Event.ts"
import * as Process from "../../src/Process.ts"
import * as Queue from "../../src/Queue.ts"
import * as Task from "../../src/Task.ts"

/** Red while the cars arrive (all at the `arrived` barrier), then green, red and green again. */
const light = (green: Event.Event, arrived: Barrier.Barrier, log: Queue.Queue<string>, ms: number) =>
  Effect.gen(function*() {
    yield* Event.clear(green)
    yield* Queue.put(log, "light: red")
    yield* Barrier.wait(arrived)
    yield* Effect.sleep(ms)
    for (let cycle = 0; cycle < 2; cycle++) {
      if (cycle > 0) {
        yield* Event.clear(green)
        yield* Queue.put(log, "light: red")
        yield* Effect.sleep(ms)
      }
      // announced before it is set, so that a car that passes is logged after it: a put returns
      // before its item reaches the queue (as in Python), and the next call to the queue from here
      // (qsize) is answered after it did; only then does the light turn green
      yield* Queue.put(log, "light: green")
      yield* Queue.qsize(log)
      yield* Event.set(green)
      yield* Effect.sleep(ms)
    }
  })

/** Arrives (with the other cars and the light), passes on green, or waits at red until green. */
const car = (green: Event.Event, arrived: Barrier.Barrier, log: Queue.Queue<string>) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    yield* Barrier.wait(arrived)
    if (yield* Event.isSet(green)) {
      yield* Queue.put(log, `${me.name}: green, passes`)
      return false
    }
    yield* Queue.put(log, `${me.name}: red, waits`)
    yield* Event.wait(green)
    yield* Queue.put(log, `${me.name}: green now, passes`)
    return true
  })

export const tasks = Task.module(import.meta.url, { light, car })
