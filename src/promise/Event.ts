/**
 * Python's `Event` for plain TypeScript: a flag shared by every process that holds it, over the Effect
 * core (`../Event.ts`).
 *
 * ```ts
 * import { Event, spawn } from "effect-multiprocessing/promise"
 * await using ready = await Event.create()
 * await using p = await spawn(tasks.worker, [ready])   // the worker sets it
 * await ready.wait({ timeout: 5000 })                  // true once set, false after the timeout
 * ```
 *
 * An aborted `wait` rejects with the signal's reason and leaves nothing behind. In a child, a plain
 * async task wraps the handle it received: `Event.from(handle)`.
 *
 * @since 0.1.0
 */
import * as Core from "../Event.ts"
import { create, expectHandle, SharedResource, type TimeoutOptions, wrapped } from "./resource.ts"

/**
 * What a child task receives for an `Event` (the Effect handle).
 *
 * @since 0.1.0
 * @category models
 */
export type EventHandle = Core.Event

/**
 * @since 0.1.0
 * @category models
 */
export interface Event extends EventHandle, AsyncDisposable {
  /** Sets the flag and wakes every waiter. */
  set(): Promise<void>
  clear(): Promise<void>
  isSet(): Promise<boolean>
  /** `true` once the flag is set; `false` when `timeout` (milliseconds) passes first. */
  wait(options?: TimeoutOptions): Promise<boolean>
  dispose(): Promise<void>
}

class EventImpl extends SharedResource<unknown> {
  private get self(): Core.Event {
    return this as never
  }
  set(): Promise<void> {
    return this.exec(Core.set(this.self))
  }
  clear(): Promise<void> {
    return this.exec(Core.clear(this.self))
  }
  isSet(): Promise<boolean> {
    return this.exec(Core.isSet(this.self))
  }
  wait(options?: TimeoutOptions): Promise<boolean> {
    const timeout = options?.timeout
    return this.exec(Core.wait(this.self, timeout === undefined ? {} : { timeout }), options?.signal)
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const Event: {
  /** An event (not set) owned by this process until disposed. */
  create(): Promise<Event>
  /** Wraps an event handle received from elsewhere. */
  from(handle: EventHandle): Event
} = {
  create: () => create(Core.make, (handle, owned) => new EventImpl(handle as never, owned()) as never),
  from: (handle) => new EventImpl(expectHandle(handle, Core.isEvent, "Event") as never, wrapped()) as never
}
