/**
 * The Promise facade: effect-multiprocessing for plain TypeScript and JavaScript, without Effect types.
 * Every blocking call takes `{ signal }`; rejections are the library's own error instances (re-exported
 * here); `await using` disposes.
 *
 * Shared resources (`Queue`, `JoinableQueue`, `SimpleQueue`, `Pipe`, `Lock`, `RLock`, `Semaphore`,
 * `BoundedSemaphore`, `Event`, `Condition`, `Barrier`, `Value`, `SharedArray`) are made with
 * `await X.create(…)` and owned by this process until disposed. A facade object is a handle of its
 * resource: pass it in a task's arguments (or a queue item) as the Effect handle is passed. The child
 * receives the Effect handle (typed `QueueHandle<A>`, `LockHandle` …): an Effect task uses it with the
 * Effect API, a plain async task wraps it with `X.from(handle)` at its start.
 *
 * A `Pool` is made with `await createPool(…)` and terminated by `terminate()` or `await using`; its
 * `imap`/`imapUnordered` are async iterables.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * from "../Errors.ts"
/** @since 0.1.0 */
export * as Task from "../Task.ts"
/** @since 0.1.0 */
export * from "./Barrier.ts"
/** @since 0.1.0 */
export * from "./Condition.ts"
/** @since 0.1.0 */
export * from "./Event.ts"
/** @since 0.1.0 */
export * from "./Lock.ts"
/** @since 0.1.0 */
export * from "./Pipe.ts"
/** @since 0.1.0 */
export * from "./Pool.ts"
/** @since 0.1.0 */
export * from "./Process.ts"
/** @since 0.1.0 */
export * from "./Queue.ts"
/** @since 0.1.0 */
export type { BlockingOptions, TimeoutOptions } from "./resource.ts"
/** @since 0.1.0 */
export * from "./Shared.ts"
/** @since 0.1.0 */
export type { AbortOptions } from "./run.ts"
