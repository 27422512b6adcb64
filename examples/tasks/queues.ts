/**
 * Tasks of the queue examples: producers and consumers around a `Queue` ending with a `null` sentinel
 * (Python's `None`), and daemon workers around a `JoinableQueue`.
 */
import { Effect } from "effect"
import { JoinableQueue, Process, Queue, Task } from "../../src/index.ts"

/** Puts `count` items named after this producer, then returns how many it put. */
const produce = (q: Queue.Queue<string | null>, count: number) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    for (let i = 0; i < count; i++) yield* Queue.put(q, `${me.name}#${i}`)
    console.log(`${me.name}: put ${count} items`)
    return count
  })

/** Gets items until the sentinel `null`; prints and returns each one. */
const consume = (q: Queue.Queue<string | null>) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    const got: Array<string> = []
    for (;;) {
      const item = yield* Queue.get(q)
      if (item === null) break
      console.log(`${me.name}: got ${item}`)
      got.push(item)
    }
    console.log(`${me.name}: sentinel after ${got.length} items`)
    return got
  })

/** A daemon worker: squares each number, records the result, marks the task done; runs until ended. */
const square = (tasks: JoinableQueue.JoinableQueue<number>, results: Queue.Queue<string>) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    for (;;) {
      const n = yield* JoinableQueue.get(tasks)
      yield* Queue.put(results, `${n}^2 = ${n * n} by ${me.name}`)
      yield* JoinableQueue.taskDone(tasks)
    }
  })

/** Puts its numbers, then joins the queue: returns once every item put so far has been done. */
const feed = (tasks: JoinableQueue.JoinableQueue<number>, numbers: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    for (const n of numbers) yield* JoinableQueue.put(tasks, n)
    yield* JoinableQueue.join(tasks)
    console.log(`${me.name}: put ${numbers.length} numbers; the queue is joined`)
    return numbers.length
  })

export const tasks = Task.module(import.meta.url, { produce, consume, square, feed })
