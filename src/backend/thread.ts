/**
 * The `"thread"` backend: a `worker_threads` Worker (Node; Deno's and Bun's compatible implementations).
 * On Node from TypeScript sources, tsx's loader does not reach workers, so a tiny bootstrap registers it
 * inside the worker before importing the child entry.
 */
import * as WT from "node:worker_threads"
import type { Backend, ChildExit, ChildHandle, IsolateRequest } from "../Backend.ts"
import { forChild, revoke } from "../internal/guard.ts"
import { workerDataKey } from "../internal/protocol/messages.ts"
import { needsTsx, siblingUrl, tsxModules } from "../internal/runtime.ts"
import { spawnFailure } from "./spawnError.ts"

const tsxBootstrap = (entry: URL): string =>
  `import(${JSON.stringify(tsxModules().api)}).then(({ register }) => { register(); return import(${
    JSON.stringify(entry.href)
  }) })`

/** How long after `terminate` a thread that has not reported its end is taken as ended. */
const stopPatienceMs = 10_000

/** Starts a worker thread on `entry`, which finds `init` in `workerData[workerDataKey]`. */
export const startWorker = ({ entry, init, modules, name, resourceLimits }: IsolateRequest): ChildHandle => {
  const guard = forChild()
  const options = {
    workerData: { [workerDataKey]: init, ...guard.data },
    ...(resourceLimits === undefined ? {} : { resourceLimits })
  }
  let worker: WT.Worker
  try {
    worker = needsTsx(entry.href, ...modules)
      ? new WT.Worker(tsxBootstrap(entry), { eval: true, ...options })
      : new WT.Worker(entry, options)
  } catch (cause) {
    throw spawnFailure(`thread ${name}`, cause)
  }
  let exited: ChildExit | undefined
  let reason: string | undefined
  const exitListeners: Array<(exit: ChildExit) => void> = []
  worker.on("error", (error: Error & { code?: string }) => {
    // An uncaught error ends the worker with exit code 1; the exit event reports it. Running out of
    // its resourceLimits ends it the same way: say so.
    if (error?.code === "ERR_WORKER_OUT_OF_MEMORY") reason = "out of memory (resourceLimits)"
  })
  const exit = (child: ChildExit) => {
    if (exited !== undefined) return
    exited = child
    clearTimeout(watchdog)
    for (const listener of exitListeners) listener(child)
  }
  worker.on("exit", (code) => exit(reason === undefined ? { code, signal: null } : { code, signal: null, reason }))
  let watchdog: ReturnType<typeof setTimeout> | undefined
  const stop = () => {
    if (exited !== undefined) return
    revoke(guard.cells)
    void worker.terminate()
    // A terminated thread that never reports its end must not keep its parent waiting for ever (a
    // `terminate` of a thread child that never returned was seen once, under load, on Node; a lost
    // exit is the likeliest cause). It is revoked, so it touches no shared memory: it counts as ended.
    watchdog ??= setTimeout(() => exit({ code: 1, signal: null, reason: "its thread did not end after terminate" }), stopPatienceMs)
  }
  return {
    pid: process.pid,
    send: (message, transfer) => {
      if (exited === undefined) worker.postMessage(message, transfer as Array<WT.TransferListItem> | undefined)
    },
    onMessage: (listener) => {
      worker.on("message", listener)
    },
    onExit: (listener) => {
      if (exited !== undefined) listener(exited)
      else exitListeners.push(listener)
    },
    terminate: stop,
    kill: stop,
    ref: () => worker.ref(),
    unref: () => worker.unref()
  }
}

const threadEntry: URL = siblingUrl(import.meta.url, "../internal/child/thread")

export const threadBackend: Backend = {
  name: "thread",
  spawn: ({ run }) => startWorker({ entry: threadEntry, init: run, modules: [run.task.module], name: run.info.name })
}
