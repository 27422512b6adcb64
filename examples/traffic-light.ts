/**
 * The traffic light: an Event is the light (set = green, clear = red). A light process turns it red
 * while five car processes arrive, then green: the cars waiting at red are woken by the light's `set`
 * (one process's set wakes the others' waits). The log shows what happened, in order; no car passes
 * before the light first turns green.
 *
 *   npx tsx examples/traffic-light.ts   npx deno run -A examples/traffic-light.ts   npx bun examples/traffic-light.ts
 *
 * `EFFECT_MP_BACKEND=thread` (or `fiber`) runs the light and the cars as worker threads (or fibers).
 */
import { Effect } from "effect"
import { Barrier, Event, Process, Queue } from "../src/index.ts"
import { tasks } from "./tasks/traffic-light.ts"

const cars = 5

const program = Effect.gen(function*() {
  const green = yield* Event.make
  const log = yield* Queue.make<string>()
  const arrived = yield* Barrier.make(cars + 1)
  const light = yield* Process.spawn(tasks.light, [green, arrived, log, 200], { name: "light" })
  const processes = yield* Effect.forEach(
    Array.from({ length: cars }, (_, i) => i + 1),
    (i) => Process.spawn(tasks.car, [green, arrived, log], { name: `car-${i}` })
  )
  const waited = yield* Effect.forEach(processes, Process.result, { concurrency: "unbounded" })
  yield* Process.result(light)

  const lines: Array<string> = []
  while ((yield* Queue.qsize(log)) > 0) lines.push(yield* Queue.get(log))
  for (const line of lines) console.log(line)
  const firstGreen = lines.indexOf("light: green")
  const passed = lines.filter((line) => line.endsWith("passes"))
  const early = lines.findIndex((line) => line.endsWith("passes"))
  console.log(`MainProcess: ${passed.length} cars passed, ${waited.filter(Boolean).length} of them waited at red`)
  if (passed.length !== cars || firstGreen < 0 || early < firstGreen) {
    return yield* Effect.die(new Error("a car ran the red light, or never passed"))
  }
})

await Effect.runPromise(Effect.scoped(program))
