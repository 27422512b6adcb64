/**
 * effect-multiprocessing: Python's `multiprocessing` on Effect.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Backend from "./Backend.ts"
/** @since 0.1.0 */
export * as Barrier from "./Barrier.ts"
/** @since 0.1.0 */
export * as BoundedSemaphore from "./BoundedSemaphore.ts"
/** @since 0.1.0 */
export * as Condition from "./Condition.ts"
/** @since 0.1.0 */
export * as Errors from "./Errors.ts"
/** @since 0.1.0 */
export * as Event from "./Event.ts"
/** @since 0.1.0 */
export * as JoinableQueue from "./JoinableQueue.ts"
/** @since 0.1.0 */
export * as Lock from "./Lock.ts"
/** @since 0.1.0 */
export * as Pipe from "./Pipe.ts"
/** @since 0.1.0 */
export * as Process from "./Process.ts"
/** @since 0.1.0 */
export * as Queue from "./Queue.ts"
/** @since 0.1.0 */
export * as RLock from "./RLock.ts"
/** @since 0.1.0 */
export * as Semaphore from "./Semaphore.ts"
/** @since 0.1.0 */
export * as SharedArray from "./SharedArray.ts"
/** @since 0.1.0 */
export * as SimpleQueue from "./SimpleQueue.ts"
/** @since 0.1.0 */
export * as Task from "./Task.ts"
/** @since 0.1.0 */
export * as Value from "./Value.ts"
/** @since 0.1.0 */
export * as Pool from "./Pool.ts"
