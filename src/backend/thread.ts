/**
 * The `"thread"` backend: a `worker_threads` Worker (Node; Deno's and Bun's compatible implementations).
 * On Node from TypeScript sources, tsx's loader does not reach workers, so a tiny bootstrap registers it
 * inside the worker before importing the child entry.
 */
import * as WT from "node:worker_threads"
import type { Backend, ChildExit, ChildHandle } from "../Backend.ts"
import { workerDataKey } from "../internal/protocol/messages.ts"
import { needsTsx, siblingUrl, tsxModules } from "../internal/runtime.ts"
import { spawnFailure } from "./spawnError.ts"

const entry = siblingUrl(import.meta.url, "../internal/child/main")

const tsxBootstrap = (): string =>
  `import(${JSON.stringify(tsxModules().api)}).then(({ register }) => { register(); return import(${
    JSON.stringify(entry.href)
  }) })`

export const threadBackend: Backend = {
  name: "thread",
  spawn: ({ run }) => {
    const workerData = { [workerDataKey]: run }
    let worker: WT.Worker
    try {
      worker = needsTsx(entry.href, run.task.module)
        ? new WT.Worker(tsxBootstrap(), { eval: true, workerData })
        : new WT.Worker(entry, { workerData })
    } catch (cause) {
      throw spawnFailure(`thread ${run.info.name}`, cause)
    }
    let exited: ChildExit | undefined
    const exitListeners: Array<(exit: ChildExit) => void> = []
    worker.on("error", () => {
      // an uncaught error ends the worker with exit code 1; the exit event reports it
    })
    worker.on("exit", (code) => {
      exited = { code, signal: null }
      for (const listener of exitListeners) listener(exited)
    })
    const stop = () => {
      if (exited === undefined) void worker.terminate()
    }
    const handle: ChildHandle = {
      pid: process.pid,
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
    return handle
  }
}
