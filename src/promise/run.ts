/**
 * How the Promise facades run the Effect core: one place, shared by every facade (Process, and later
 * Queue, Lock, Pool …).
 *
 * - A success resolves with its value.
 * - A failure rejects with the error instance itself (`Cause.squash`: the typed failure, else the
 *   defect), so `instanceof TaskError` works in plain JavaScript; never with a `FiberFailure` wrapper.
 * - An `AbortSignal` interrupts the effect (and whatever its interruption does, e.g. terminating a
 *   child), then rejects with `signal.reason`, as `fetch` does: a `DOMException` named `"AbortError"`
 *   after `controller.abort()`, `"TimeoutError"` after `AbortSignal.timeout(ms)`, or the reason given
 *   to `abort(reason)`. A signal already aborted rejects at once without running anything.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/** The options every blocking facade call accepts. */
export interface AbortOptions {
  readonly signal?: AbortSignal | undefined
}

const abortReason = (signal: AbortSignal | undefined): unknown =>
  signal?.aborted ? signal.reason : new DOMException("The operation was aborted", "AbortError")

/** The error a failed exit rejects with. */
export const squash = (cause: Cause.Cause<unknown>, signal?: AbortSignal): unknown =>
  Cause.isInterruptedOnly(cause) ? abortReason(signal) : Cause.squash(cause)

/** Runs `effect`; rejects with its own error, or with the signal's reason once aborted. */
export const runPromise = <A, E>(effect: Effect.Effect<A, E>, signal?: AbortSignal): Promise<A> => {
  if (signal?.aborted) return Promise.reject(signal.reason)
  return Effect.runPromiseExit(effect, signal === undefined ? undefined : { signal }).then((exit) =>
    Exit.isSuccess(exit) ? exit.value : Promise.reject(squash(exit.cause, signal))
  )
}

/** Runs a synchronous effect (a getter); throws its own error, never a `FiberFailure`. */
export const runSync = <A, E>(effect: Effect.Effect<A, E>): A => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw squash(exit.cause)
}
