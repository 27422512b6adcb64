/**
 * The `"fiber"` backend: the task runs as a fiber in this isolate, like Python's `multiprocessing.dummy`.
 * Arguments and results are shared, not copied; terminate and kill interrupt the fiber.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type { Backend, ChildExit, ChildHandle } from "../Backend.ts"
import { SpawnError } from "../Errors.ts"
import { endContext, type ProcessContext } from "../internal/context.ts"
import { CurrentContext } from "../internal/currentContext.ts"
import { encodeError } from "../internal/protocol/errors.ts"
import type { ChildMessage } from "../internal/protocol/messages.ts"
import { printFailure } from "../internal/report.ts"

const isPromiseLike = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"

export const fiberBackend: Backend = {
  name: "fiber",
  spawn: ({ fn, run }) => {
    if (fn === undefined) throw new SpawnError({ message: "the fiber backend needs the task's function" })
    const context: ProcessContext = {
      name: run.info.name,
      pid: process.pid,
      ppid: process.pid,
      daemon: run.info.daemon,
      backend: "fiber",
      children: 0
    }
    const task = Effect.suspend(() => {
      const out = fn(...run.args)
      return Effect.isEffect(out)
        ? (out as Effect.Effect<unknown, unknown>)
        : isPromiseLike(out)
        ? Effect.promise(() => out)
        : Effect.succeed(out)
    })
    let messageListener: ((m: ChildMessage & { readonly raw?: unknown }) => void) | undefined
    const exitListeners: Array<(exit: ChildExit) => void> = []
    let exited: ChildExit | undefined
    let signal: string | undefined
    // yieldNow: never finish before the caller has attached its listeners.
    const fiber = Effect.runFork(Effect.zipRight(Effect.yieldNow(), Effect.locally(task, CurrentContext, context)))
    fiber.addObserver((exit) => {
      endContext(context)
      let code: number | null = 0
      if (exit._tag === "Success") {
        messageListener?.({ _: "result", value: exit.value })
      } else if (Cause.isInterruptedOnly(exit.cause)) {
        code = null
      } else {
        code = 1
        const failure = Cause.failureOption(exit.cause)
        const error = Option.isSome(failure) ? failure.value : Cause.squash(exit.cause)
        printFailure(context.name, error)
        messageListener?.({
          _: "failed",
          kind: Option.isSome(failure) ? "fail" : "die",
          error: encodeError(error),
          raw: error
        })
      }
      exited = { code, signal: code === null ? (signal ?? "SIGTERM") : null }
      for (const listener of exitListeners) listener(exited)
    })
    const interrupt = (s: string) => () => {
      if (exited !== undefined) return
      signal = s
      Effect.runFork(Fiber.interrupt(fiber))
    }
    const handle: ChildHandle = {
      pid: process.pid,
      send: () => {},
      onMessage: (listener) => {
        messageListener = listener
      },
      onExit: (listener) => {
        if (exited !== undefined) listener(exited)
        else exitListeners.push(listener)
      },
      terminate: interrupt("SIGTERM"),
      kill: interrupt("SIGKILL"),
      ref: () => {},
      unref: () => {}
    }
    return handle
  }
}
