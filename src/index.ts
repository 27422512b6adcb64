/**
 * effect-multiprocessing: Python's `multiprocessing` on Effect.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Backend from "./Backend.ts"
/** @since 0.1.0 */
export * as Errors from "./Errors.ts"
/** @since 0.1.0 */
export * as JoinableQueue from "./JoinableQueue.ts"
/** @since 0.1.0 */
export * as Process from "./Process.ts"
/** @since 0.1.0 */
export * as Queue from "./Queue.ts"
/** @since 0.1.0 */
export * as SimpleQueue from "./SimpleQueue.ts"
/** @since 0.1.0 */
export * as Task from "./Task.ts"
