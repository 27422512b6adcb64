/**
 * An Event in shared memory (three 32-bit cells of a `SharedArrayBuffer`): the threads of the owner's
 * OS process set, clear and wait on it with `Atomics`; children in other OS processes call the owner,
 * which runs the same code on the same cells for them.
 *
 * - `FLAG`: 1 when set.
 * - `SETS`: how many times it was set: a `wait` that began before a `set` returns `true` even if the
 *   flag was cleared again before the waiter looked (as with `threading.Event`).
 * - `CLOSED`: the owner's scope ended, or its node did.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ResourceClosed } from "../Errors.ts"
import { guarded } from "./guard.ts"
import { type Handle, isHandle } from "./protocol/handle.ts"
import { invoke } from "./resource.ts"
import { attachReply, serveShared, viaMemory, waitAsync } from "./shared.ts"
import { WaitQueue, wireTimeout } from "./waiting.ts"

const FLAG = 0
const SETS = 1
const CLOSED = 2
const CELLS = 3

/** The Event as one isolate works on it: the shared cells and this isolate's waiters. */
class SharedEvent {
  /** Each waiter keeps the count of sets when it began. */
  private readonly waiters = new WaitQueue<boolean, ResourceClosed, number>()
  private armed = false
  readonly cells: Int32Array
  constructor(cells: Int32Array) {
    this.cells = cells
  }

  get closed(): boolean {
    return Atomics.load(this.cells, CLOSED) !== 0
  }

  isSet(): boolean {
    return Atomics.load(this.cells, FLAG) === 1
  }

  set(): void {
    guarded(() => {
      if (Atomics.compareExchange(this.cells, FLAG, 0, 1) === 0) {
        Atomics.add(this.cells, SETS, 1)
        Atomics.notify(this.cells, SETS)
      }
    })
    this.settle()
  }

  clear(): void {
    guarded(() => Atomics.store(this.cells, FLAG, 0))
  }

  wait(ms: number): Effect.Effect<boolean, ResourceClosed> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(new ResourceClosed({ message: "Event is closed" }))
      if (this.isSet() || ms === 0) return Effect.succeed(this.isSet())
      const waiter = this.waiters.add(Atomics.load(this.cells, SETS))
      this.arm()
      return Effect.map(this.waiters.await(waiter, ms), Option.getOrElse(() => false))
    })
  }

  /** Wakes the waiters that began before the latest set (or all, once closed). */
  private settle(): void {
    if (this.closed) return this.waiters.settleAll(Exit.fail(new ResourceClosed({ message: "Event is closed" })))
    const sets = Atomics.load(this.cells, SETS)
    for (const waiter of this.waiters.values()) {
      if (waiter.data !== sets || this.isSet()) this.waiters.settle(waiter, Exit.succeed(true))
    }
  }

  /** Waits (without blocking the event loop) for the next set while there are waiters. */
  private arm(): void {
    if (this.armed || this.waiters.size === 0) return
    const sets = Atomics.load(this.cells, SETS)
    this.settle()
    if (this.waiters.size === 0) return
    const result = waitAsync(this.cells, SETS, sets)
    const wake = () => {
      this.armed = false
      this.settle()
      this.arm()
    }
    this.armed = true
    if (result.async) result.value.then(wake)
    else wake()
  }

  close(): void {
    Atomics.store(this.cells, CLOSED, 1)
    Atomics.notify(this.cells, SETS)
    this.settle()
  }
}

export const make: Effect.Effect<Handle<{}>, never, Scope.Scope> = Effect.suspend(() => {
  const buffer = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT)
  const event = new SharedEvent(new Int32Array(buffer))
  return serveShared({
    kind: "Event",
    operations: {
      attach: ([, pid]: [string, number]) => Effect.sync(() => attachReply(buffer, 0, pid)),
      set: () => Effect.sync(() => event.set()),
      clear: () => Effect.sync(() => event.clear()),
      isSet: () => Effect.sync(() => event.isSet()),
      wait: ([ms]: [number]) => event.wait(ms)
    }
  }, {}, buffer, event)
})

export const isEvent = (u: unknown): u is Handle<{}> => isHandle(u) && u.kind === "Event"

/** `direct` on this isolate's view of the Event when it shares the owner's memory, else `call`. */
const either = <A>(
  self: Handle<{}>,
  direct: (event: SharedEvent) => Effect.Effect<A, ResourceClosed>,
  call: Effect.Effect<A, ResourceClosed>
): Effect.Effect<A, ResourceClosed> =>
  viaMemory(self, (b) => new SharedEvent(new Int32Array(b)), direct, () => call)

export const set = (self: Handle<{}>): Effect.Effect<void, ResourceClosed> =>
  either(self, (event) => Effect.sync(() => event.set()), invoke(self, "set", []))

export const clear = (self: Handle<{}>): Effect.Effect<void, ResourceClosed> =>
  either(self, (event) => Effect.sync(() => event.clear()), invoke(self, "clear", []))

export const isSet = (self: Handle<{}>): Effect.Effect<boolean, ResourceClosed> =>
  either(self, (event) => Effect.sync(() => event.isSet()), invoke(self, "isSet", []))

export const wait: {
  (options?: { readonly timeout?: Duration.DurationInput }): (self: Handle<{}>) => Effect.Effect<boolean, ResourceClosed>
  (self: Handle<{}>, options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<boolean, ResourceClosed>
} = dual(
  (args) => isEvent(args[0]),
  (self: Handle<{}>, options?: { readonly timeout?: Duration.DurationInput }) =>
    either(self, (event) => event.wait(wireTimeout(options?.timeout)), invoke<boolean, never>(self, "wait", [wireTimeout(options?.timeout)]))
)
