/**
 * Tasks by reference: what a task may return, how its failures come back, and what cannot be started
 * or sent (a clear error at the call, never a hang).
 */
import * as net from "node:net"
import { assert, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { SerializationError, SpawnError, TaskError } from "../src/Errors.ts"
import * as Process from "../src/Process.ts"
import { hiddenTask, Overdrawn, tasks } from "./fixtures/tasks.ts"

const backends = ["process", "thread", "fiber"] as const
/** Backends whose children import the task by module URL and receive copies of the arguments. */
const isolates = ["process", "thread"] as const

describe("task results", () => {
  for (const backend of backends) {
    it.live(`${backend}: the value of a plain function, of a Promise and of an Effect come back`, () =>
      Effect.gen(function*() {
        const data = { when: new Date(0), tags: new Map([["a", [1, 2]]]), nested: [{ n: 1n }] }
        const [echoed, sum, doubled] = yield* Effect.all([
          Process.run(tasks.echo, [data], { backend }),
          Process.run(tasks.add, [1, 2], { backend }),
          Process.run(tasks.double, [21], { backend })
        ], { concurrency: "unbounded" })
        expect(echoed).toEqual(data)
        // the isolates receive and return copies; a fiber shares the parent's objects
        if (backend === "fiber") expect(echoed).toBe(data)
        else expect(echoed).not.toBe(data)
        expect(sum).toBe(3)
        expect(doubled).toBe(42)
      }))

    it.scopedLive(`${backend}: a thrown error → exit code 1 and a TaskError with remote name, message, stack and causes`, () =>
      Effect.gen(function*() {
        const p = yield* Process.spawn(tasks.failWithCause, [], { backend })
        const error = yield* Effect.flip(Process.result(p))
        assert(error instanceof TaskError, `expected TaskError, got ${String(error)}`)
        expect([error.remoteName, error.message]).toEqual(["Error", "outer"])
        expect(error.remoteStack).toMatch(/^Error: outer\n\s+at .*tasks\.ts:\d+/)
        expect(error.stack).toBe(error.remoteStack)
        const middle = error.cause
        assert(middle instanceof TaskError)
        expect([middle.remoteName, middle.message]).toEqual(["TypeError", "middle"])
        expect(middle.remoteStack).toMatch(/^TypeError: middle\n/)
        const root = middle.cause
        assert(root instanceof TaskError)
        expect([root.remoteName, root.message, root.cause]).toEqual(["RangeError", "root", undefined])
        expect(yield* Process.exitCode(p)).toEqual(Option.some(1))
      }))

    it.live(`${backend}: a Schema.TaggedError failure of an Effect task comes back as an instance of its class`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Process.run(tasks.failTyped, [5], { backend }))
        assert(error instanceof Overdrawn, `expected Overdrawn, got ${String(error)}`)
        expect([error._tag, error.account, error.missing]).toEqual(["Overdrawn", "acc-1", 5])
      }))
  }

  for (const backend of isolates) {
    it.live(`${backend}: a result that cannot be sent back → SerializationError naming the result`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Process.run(tasks.returnFunction, [], { backend }))
        assert(error instanceof SerializationError, `expected SerializationError, got ${String(error)}`)
        expect(error.path).toBe("result")
        expect(error.message).toContain("function")
      }))
  }
})

describe("what a child cannot import or receive fails at the call", () => {
  const activeCount = Effect.map(Process.activeChildren, (ps) => ps.length)

  for (const backend of isolates) {
    it.scopedLive(`${backend}: an inline arrow function → SpawnError that says why`, () =>
      Effect.gen(function*() {
        const before = yield* activeCount
        const error = yield* Effect.flip(Process.spawn((n: number) => n + 1, [1], { backend }))
        assert(error instanceof SpawnError, `expected SpawnError, got ${String(error)}`)
        expect(error.message).toContain(`an inline function (anonymous) cannot run on the ${backend} backend`)
        expect(error.message).toContain("Task.module(import.meta.url")
        expect(yield* activeCount).toBe(before)
      }))

    it.scopedLive(`${backend}: a task its module does not export → SpawnError that says why`, () =>
      Effect.gen(function*() {
        const before = yield* activeCount
        const error = yield* Effect.flip(Process.spawn(hiddenTask, [], { backend }))
        assert(error instanceof SpawnError, `expected SpawnError, got ${String(error)}`)
        expect(error.message).toMatch(/task "secret" cannot be found by a child: .*tasks\.ts does not export it/)
        expect(yield* Effect.flip(Process.run(hiddenTask, [], { backend }))).toBeInstanceOf(SpawnError)
        expect(yield* activeCount).toBe(before)
      }))

    it.scopedLive(`${backend}: a function, a symbol or a socket argument → SerializationError naming it`, () =>
      Effect.gen(function*() {
        const socket = yield* Effect.acquireRelease(
          Effect.sync(() => new net.Socket()),
          (s) => Effect.sync(() => s.destroy())
        )
        const before = yield* activeCount
        const cases: ReadonlyArray<readonly [ReadonlyArray<unknown>, string, RegExp]> = [
          [[() => 1], "args[0]", /args\[0\] is a function/],
          [[1, { deep: [Symbol("s")] }], "args[1].deep[0]", /args\[1\]\.deep\[0\] is a symbol \(Symbol\(s\)\)/],
          [[socket], "args[0]", /args\[0\] is a Socket/]
        ]
        for (const [args, path, message] of cases) {
          const error = yield* Effect.flip(Process.spawn(tasks.echo, args as never, { backend }))
          assert(error instanceof SerializationError, `expected SerializationError, got ${String(error)}`)
          expect(error.path).toBe(path)
          expect(error.message).toMatch(message)
          expect(error.message).toContain(`cannot send to a ${backend}`)
        }
        expect(yield* activeCount).toBe(before)
      }))
  }

  it.live("fiber: inline functions, unexported tasks and unsendable arguments run (nothing is sent)", () =>
    Effect.gen(function*() {
      expect(yield* Process.run((n: number) => n + 1, [1], { backend: "fiber" })).toBe(2)
      expect(yield* Process.run(hiddenTask, [], { backend: "fiber" })).toBe(42)
      const callback = () => 1
      expect(yield* Process.run(tasks.echo, [callback], { backend: "fiber" })).toBe(callback)
    }))
})
