/**
 * A pool worker of the `"fiber"` backend: the job runner in this isolate, behind the same handle as a
 * thread or a process (Python's `multiprocessing.dummy`). Values are shared, not copied; messages are
 * delivered on the microtask queue, as a real channel would deliver them later.
 */
import * as Effect from "effect/Effect"
import type { ChildExit, ChildHandle } from "../../Backend.ts"
import type { ProcessContext } from "../context.ts"
import { CurrentContext } from "../currentContext.ts"
import type { TaskRef } from "../protocol/messages.ts"
import type { FromWorker, ToWorker } from "../protocol/pool.ts"
import type { Fn } from "./job.ts"
import { Runner } from "./runner.ts"

export interface FiberWorkerOptions {
  readonly name: string
  readonly initializer: { readonly fn: Fn; readonly ref: TaskRef; readonly args: ReadonlyArray<unknown> } | undefined
  /** The function of a def, by its index. */
  readonly lookup: (index: number) => Fn | undefined
  readonly signals: Int32Array
}

export const startFiberWorker = (options: FiberWorkerOptions): ChildHandle => {
  let listener: ((message: FromWorker) => void) | undefined
  const exitListeners: Array<(exit: ChildExit) => void> = []
  let exited: ChildExit | undefined
  const exit = (result: ChildExit) => {
    if (exited !== undefined) return
    exited = result
    queueMicrotask(() => {
      for (const l of exitListeners) l(result)
    })
  }
  const context: ProcessContext = {
    name: options.name,
    pid: process.pid,
    ppid: process.pid,
    daemon: false,
    backend: "fiber",
    children: 0
  }
  const runner = new Runner({
    post: (message) => {
      if (exited === undefined) queueMicrotask(() => listener?.(message))
    },
    exit: (code) => exit({ code, signal: null }),
    resolve: (ref, index) => {
      const fn = index === -1 ? options.initializer?.fn : options.lookup(index)
      if (fn === undefined) throw new Error(`task "${ref.key}" is unknown to this pool`)
      return fn
    },
    initializer: options.initializer === undefined
      ? undefined
      : { task: options.initializer.ref, args: options.initializer.args },
    signals: options.signals,
    // Python's ThreadPool workers are threads named after the pool, not daemonic processes.
    wrapEffect: (effect) => Effect.locally(effect as Effect.Effect<unknown>, CurrentContext, context),
    precheck: false,
    raw: true,
    handles: false
  })
  const stop = (signal: string) => () => {
    if (exited !== undefined) return
    runner.stop()
    exit({ code: null, signal })
  }
  return {
    pid: process.pid,
    send: (message) => {
      if (exited === undefined) runner.onMessage(message as ToWorker)
    },
    onMessage: (l) => {
      listener = l as unknown as (message: FromWorker) => void
    },
    onExit: (l) => {
      if (exited !== undefined) queueMicrotask(() => l(exited!))
      else exitListeners.push(l)
    },
    terminate: stop("SIGTERM"),
    kill: stop("SIGKILL"),
    ref: () => {},
    unref: () => {}
  }
}
