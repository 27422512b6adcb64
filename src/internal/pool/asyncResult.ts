/**
 * Python's `AsyncResult`: the handle `applyAsync`/`mapAsync` return at once. The work goes on in the
 * pool whatever the caller does; `get` waits for it (with a timeout if asked), `ready` and `successful`
 * look at it without waiting.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import { pipeArguments } from "effect/Pipeable"
import { TimeoutError, ValueError } from "../../Errors.ts"

export const AsyncResultTypeId: unique symbol = Symbol.for("effect-multiprocessing/Pool/AsyncResult") as never

/** (Not a `Deferred`: making one costs far more than the rest of an `applyAsync`.) */
export class AsyncResultImpl<A, E> {
  readonly [AsyncResultTypeId]: typeof AsyncResultTypeId = AsyncResultTypeId
  private exit: Exit.Exit<A, E> | undefined = undefined
  private waiters: Array<(exit: Exit.Exit<A, E>) => void> | undefined = undefined

  complete(exit: Exit.Exit<A, E>): void {
    if (this.exit !== undefined) return
    this.exit = exit
    const waiters = this.waiters
    this.waiters = undefined
    if (waiters !== undefined) for (const waiter of waiters) waiter(exit)
  }

  private get await(): Effect.Effect<A, E> {
    return Effect.async<A, E>((resume) => {
      if (this.exit !== undefined) return resume(this.exit)
      const waiter = (exit: Exit.Exit<A, E>) => resume(exit)
      ;(this.waiters ??= []).push(waiter)
      return Effect.sync(() => {
        const at = this.waiters?.indexOf(waiter) ?? -1
        if (at >= 0) this.waiters!.splice(at, 1)
      })
    })
  }

  get(options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<A, E | TimeoutError> {
    const wait = this.exit !== undefined ? this.exit : this.await
    if (options?.timeout === undefined) return wait
    const timeout = Duration.decode(options.timeout)
    return Effect.timeoutFail(wait, {
      duration: timeout,
      onTimeout: () => new TimeoutError({ message: `the result was not ready within ${Duration.format(timeout)}` })
    })
  }

  wait(options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<void> {
    const wait = Effect.asVoid(Effect.exit(this.await))
    return options?.timeout === undefined ? wait : Effect.asVoid(Effect.timeoutOption(wait, options.timeout))
  }

  get ready(): Effect.Effect<boolean> {
    return Effect.sync(() => this.exit !== undefined)
  }

  get successful(): Effect.Effect<boolean, ValueError> {
    return Effect.suspend(() =>
      this.exit === undefined
        ? Effect.fail(new ValueError({ message: "the result is not ready" }))
        : Effect.succeed(this.exit._tag === "Success")
    )
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  toString(): string {
    return `<AsyncResult ${this.exit === undefined ? "pending" : this.exit._tag === "Success" ? "ready" : "failed"}>`
  }
}

export const isAsyncResult = (u: unknown): u is AsyncResultImpl<unknown, unknown> =>
  typeof u === "object" && u !== null && AsyncResultTypeId in u

type Timeout = { readonly timeout?: Duration.DurationInput } | undefined

interface Like<A, E> {
  get(options?: Timeout): Effect.Effect<A, E | TimeoutError>
  wait(options?: Timeout): Effect.Effect<void>
  readonly ready: Effect.Effect<boolean>
  readonly successful: Effect.Effect<boolean, ValueError>
}

export const get: {
  (options?: Timeout): <A, E>(self: Like<A, E>) => Effect.Effect<A, E | TimeoutError>
  <A, E>(self: Like<A, E>, options?: Timeout): Effect.Effect<A, E | TimeoutError>
} = dual((args) => isAsyncResult(args[0]), <A, E>(self: Like<A, E>, options?: Timeout) => self.get(options))

export const wait: {
  (options?: Timeout): <A, E>(self: Like<A, E>) => Effect.Effect<void>
  <A, E>(self: Like<A, E>, options?: Timeout): Effect.Effect<void>
} = dual((args) => isAsyncResult(args[0]), <A, E>(self: Like<A, E>, options?: Timeout) => self.wait(options))

export const ready = <A, E>(self: Like<A, E>): Effect.Effect<boolean> => self.ready

export const successful = <A, E>(self: Like<A, E>): Effect.Effect<boolean, ValueError> => self.successful
