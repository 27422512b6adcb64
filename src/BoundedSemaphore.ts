/**
 * Python's `multiprocessing.BoundedSemaphore`: a `Semaphore` that may never hold more permits than it
 * started with; a `release` beyond that fails with `ValueError("semaphore or lock released too many
 * times")`. Every `Semaphore` operation works on it, with the same per-process accounting.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as lockable from "./internal/lockable.ts"
import * as internal from "./internal/semaphore.ts"
import type { Semaphore } from "./Semaphore.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface BoundedSemaphore extends Semaphore {
  readonly kind: "BoundedSemaphore"
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isBoundedSemaphore = (u: unknown): u is BoundedSemaphore =>
  lockable.isLockable(u) && u.kind === "BoundedSemaphore"

/**
 * A bounded semaphore with `value` permits (default 1), owned by this process for the life of the
 * scope. A negative or fractional value is a defect (`ValueError`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (value = 1): Effect.Effect<BoundedSemaphore, never, Scope.Scope> =>
  internal.make("BoundedSemaphore", value, value) as never

export {
  /**
   * @since 0.1.0
   * @category operations
   */
  acquire,
  /**
   * @since 0.1.0
   * @category combinators
   */
  acquireScoped,
  /**
   * @since 0.1.0
   * @category getters
   */
  getValue,
  /**
   * @since 0.1.0
   * @category getters
   */
  recovered,
  /**
   * @since 0.1.0
   * @category operations
   */
  release,
  /**
   * @since 0.1.0
   * @category combinators
   */
  withLock
} from "./Semaphore.ts"
