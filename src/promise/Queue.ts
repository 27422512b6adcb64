/**
 * Python's `Queue`, `JoinableQueue` and `SimpleQueue` for plain TypeScript: objects with async
 * methods over the Effect core (`../Queue.ts`).
 *
 * ```ts
 * import { Queue, QueueEmpty, spawn } from "effect-multiprocessing/promise"
 * await using q = await Queue.create<number>({ maxsize: 10 })
 * await using p = await spawn(tasks.consumer, [q])   // the child receives the queue's handle
 * await q.put(1, { timeout: 1000 })
 * for await (const x of q) …                         // until the queue is closed
 * ```
 *
 * - Times are milliseconds; every blocking call takes `{ signal }`. An aborted `get` takes no item
 *   (one handed to it as it was aborted goes back to the front); an aborted `put` puts nothing.
 * - Rejections are our own error instances: `QueueEmpty`, `QueueFull`, `QueueClosed`, `ValueError`,
 *   `SerializationError`, or the signal's reason.
 * - In a child, a plain async task wraps the handle it received: `Queue.from(handle)` (at the start
 *   of the task, so that a fiber-backend child's calls act for it). An Effect task uses the handle
 *   with the Effect API (`Queue.get(handle)` from `effect-multiprocessing`).
 * - `dispose()` / `await using` on a queue made by `create` ends it for everyone (pending calls fail
 *   with `QueueClosed`); on a wrapped handle it is `close()`: this process uses it no more.
 *
 * @since 0.1.0
 */
import * as JoinableCore from "../JoinableQueue.ts"
import { QueueClosed } from "../Errors.ts"
import * as Core from "../Queue.ts"
import * as SimpleCore from "../SimpleQueue.ts"
import type { AbortOptions } from "./run.ts"
import { type BlockingOptions, create, expectHandle, SharedResource, wrapped } from "./resource.ts"

/**
 * What a child task receives for a `Queue` (the Effect handle): type a task's parameter with it.
 *
 * @since 0.1.0
 * @category models
 */
export type QueueHandle<A> = Core.Queue<A>

/**
 * @since 0.1.0
 * @category models
 */
export type JoinableQueueHandle<A> = JoinableCore.JoinableQueue<A>

/**
 * @since 0.1.0
 * @category models
 */
export type SimpleQueueHandle<A> = SimpleCore.SimpleQueue<A>

/**
 * @since 0.1.0
 * @category models
 */
export interface QueueOptions {
  /** `0` or less (the default): unbounded. */
  readonly maxsize?: number
}

/**
 * Python's `multiprocessing.Queue`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Queue<A> extends QueueHandle<A>, AsyncIterable<A>, AsyncDisposable {
  /** Puts an item, waiting for room in a full bounded queue (`block: false` or `timeout` → `QueueFull`). */
  put(item: A, options?: BlockingOptions): Promise<void>
  /** Takes the first item, waiting for one (`block: false` or `timeout` → `QueueEmpty`). */
  get(options?: BlockingOptions): Promise<A>
  /** Puts every item, in order (see `Queue.putAll`); an item that cannot be put rejects before any is put. */
  putAll(items: Iterable<A>, options?: AbortOptions): Promise<void>
  /** Takes the first item as `get` does, and the items behind it that are there, up to `max` in all. */
  getUpTo(max: number, options?: BlockingOptions): Promise<Array<A>>
  /** `put(item, { block: false })`. */
  putNowait(item: A): Promise<void>
  /** `get({ block: false })`. */
  getNowait(): Promise<A>
  qsize(): Promise<number>
  empty(): Promise<boolean>
  full(): Promise<boolean>
  /** Python's `close()`: this process uses the queue no more; its later calls reject with `QueueClosed`. */
  close(): void
  /** The items, as they come, until the queue is closed (here, or by its owner's end). */
  values(options?: AbortOptions): AsyncIterableIterator<A>
  dispose(): Promise<void>
}

/**
 * Python's `multiprocessing.JoinableQueue`.
 *
 * @since 0.1.0
 * @category models
 */
export interface JoinableQueue<A> extends Queue<A> {
  readonly kind: "JoinableQueue"
  /** Marks one item done; more often than items were put → `ValueError`. */
  taskDone(): Promise<void>
  /** Waits until every item put so far has been marked done. */
  join(options?: AbortOptions): Promise<void>
}

/**
 * Python's `multiprocessing.SimpleQueue`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimpleQueue<A> extends SimpleQueueHandle<A>, AsyncIterable<A>, AsyncDisposable {
  put(item: A): Promise<void>
  /** Waits for the first item. */
  get(options?: AbortOptions): Promise<A>
  empty(): Promise<boolean>
  close(): void
  values(options?: AbortOptions): AsyncIterableIterator<A>
  dispose(): Promise<void>
}

type AnyHandle = Core.Queue<unknown>

const coreOptions = (options: BlockingOptions | undefined): Core.BlockingOptions => ({
  ...(options?.block === undefined ? {} : { block: options.block }),
  ...(options?.timeout === undefined ? {} : { timeout: options.timeout })
})

/** One implementation for the three kinds: the core's operations work on any of them. */
class QueueImpl<A> extends SharedResource<unknown> {
  private get self(): AnyHandle {
    return this as never
  }
  put(item: A, options?: BlockingOptions): Promise<void> {
    return this.exec(Core.put(this.self, item, coreOptions(options)), options?.signal)
  }
  get(options?: BlockingOptions): Promise<A> {
    return this.exec(Core.get(this.self, coreOptions(options)), options?.signal) as Promise<A>
  }
  putAll(items: Iterable<A>, options?: AbortOptions): Promise<void> {
    return this.exec(Core.putAll(this.self, items), options?.signal)
  }
  getUpTo(max: number, options?: BlockingOptions): Promise<Array<A>> {
    return this.exec(Core.getUpTo(this.self, max, coreOptions(options)), options?.signal) as Promise<Array<A>>
  }
  putNowait(item: A): Promise<void> {
    return this.exec(Core.putNowait(this.self, item))
  }
  getNowait(): Promise<A> {
    return this.exec(Core.getNowait(this.self)) as Promise<A>
  }
  qsize(): Promise<number> {
    return this.exec(Core.qsize(this.self))
  }
  empty(): Promise<boolean> {
    return this.exec(Core.empty(this.self))
  }
  full(): Promise<boolean> {
    return this.exec(Core.full(this.self))
  }
  taskDone(): Promise<void> {
    return this.exec(JoinableCore.taskDone(this.self as never))
  }
  join(options?: AbortOptions): Promise<void> {
    return this.exec(JoinableCore.join(this.self as never), options?.signal)
  }
  close(): void {
    this.execSync(Core.close(this.self))
  }
  async *values(options?: AbortOptions): AsyncIterableIterator<A> {
    for (;;) {
      let item: A
      try {
        item = await this.get(options)
      } catch (error) {
        if (error instanceof QueueClosed) return
        throw error
      }
      yield item
    }
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<A> {
    return this.values()
  }
  protected override onDispose(): Promise<void> {
    this.close()
    return Promise.resolve()
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const Queue: {
  /** A queue owned by this process until disposed. */
  create<A>(options?: QueueOptions): Promise<Queue<A>>
  /** Wraps a queue handle received from elsewhere (a task's argument, a queue item). */
  from<A>(handle: QueueHandle<A>): Queue<A>
} = {
  create: <A>(options?: QueueOptions) =>
    create(Core.make<A>(options), (handle, owned) => new QueueImpl<A>(handle as never, owned()) as never),
  from: <A>(handle: QueueHandle<A>) =>
    new QueueImpl<A>(expectHandle(handle, Core.isQueue, "Queue") as never, wrapped()) as never
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const JoinableQueue: {
  create<A>(options?: QueueOptions): Promise<JoinableQueue<A>>
  from<A>(handle: JoinableQueueHandle<A>): JoinableQueue<A>
} = {
  create: <A>(options?: QueueOptions) =>
    create(JoinableCore.make<A>(options), (handle, owned) => new QueueImpl<A>(handle as never, owned()) as never),
  from: <A>(handle: JoinableQueueHandle<A>) =>
    new QueueImpl<A>(expectHandle(handle, JoinableCore.isJoinableQueue, "JoinableQueue") as never, wrapped()) as never
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const SimpleQueue: {
  create<A>(): Promise<SimpleQueue<A>>
  from<A>(handle: SimpleQueueHandle<A>): SimpleQueue<A>
} = {
  create: <A>() => create(SimpleCore.make<A>(), (handle, owned) => new QueueImpl<A>(handle as never, owned()) as never),
  from: <A>(handle: SimpleQueueHandle<A>) =>
    new QueueImpl<A>(expectHandle(handle, SimpleCore.isSimpleQueue, "SimpleQueue") as never, wrapped()) as never
}
