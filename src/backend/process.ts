/**
 * The `"process"` backend: an OS child started with `child_process.fork` and an IPC channel, on Node,
 * Deno (which runs it as `deno run -A`) and Bun. Python's exit codes: `-15` after SIGTERM, `-9` after
 * SIGKILL.
 */
import * as CP from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Backend, ChildExit, ChildHandle, IsolateRequest } from "../Backend.ts"
import { parentPidEnv } from "../internal/protocol/messages.ts"
import { needsTsx, runtime } from "../internal/runtime.ts"
import { siblingUrl, tsxModules } from "../internal/runtime.ts"
import { unwatchChild, watchChild } from "./reaper.ts"
import { spawnFailure } from "./spawnError.ts"

/** Forks `entry` and sends it `init` as its first message. */
export const forkIsolate = ({ entry, init, modules, name, resourceLimits }: IsolateRequest): ChildHandle => {
  const execArgv = needsTsx(entry.href, ...modules) ? ["--import", tsxModules().loader] : []
  const heapMb = resourceLimits?.maxOldGenerationSizeMb
  if (heapMb !== undefined) execArgv.push(`--max-old-space-size=${heapMb}`)
  let child: CP.ChildProcess
  try {
    child = CP.fork(fileURLToPath(entry), [], {
      execArgv,
      serialization: "advanced",
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: { ...process.env, [parentPidEnv]: String(process.pid) }
    })
  } catch (cause) {
    throw spawnFailure(`process ${name}`, cause)
  }
  if (child.pid === undefined) {
    child.on("error", () => {})
    throw spawnFailure(`process ${name}`, new Error("the runtime gave no pid"))
  }
  const pid = child.pid
  watchChild(pid)
  // Deno reports (null, "SIGTERM") after any kill(); remember what we sent to report it truly.
  let sent: NodeJS.Signals | undefined
  const exitListeners: Array<(exit: ChildExit) => void> = []
  let exited: ChildExit | undefined
  child.on("error", () => {
    // a failed send or kill of a dying child: the close event tells the outcome
  })
  child.on("close", (code, signal) => {
    unwatchChild(pid)
    exited = { code, signal: signal !== null && sent !== undefined && runtime === "deno" ? sent : signal }
    for (const listener of exitListeners) listener(exited)
  })
  if (runtime === "deno") {
    // Deno: after a message was written to a child that was already exiting, its IPC channel stays
    // open and "close" never comes. Once the child has exited and its last messages have had time to
    // arrive, close the channel ourselves.
    child.on("exit", () => {
      setTimeout(() => {
        if (exited === undefined && child.connected) child.disconnect()
      }, 100)
    })
  }
  child.send(init as object)
  const signal = (s: NodeJS.Signals) => {
    if (exited !== undefined) return
    sent = s
    try {
      child.kill(s)
    } catch {
      // already gone
    }
  }
  const channel = () => child.channel as { ref?: () => void; unref?: () => void } | null | undefined
  return {
    pid: child.pid,
    send: (message) => {
      if (exited === undefined && child.connected) child.send(message as object)
    },
    onMessage: (listener) => {
      child.on("message", listener as (m: unknown) => void)
    },
    onExit: (listener) => {
      if (exited !== undefined) listener(exited)
      else exitListeners.push(listener)
    },
    terminate: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    ref: () =>
      unlessGone(() => {
        child.ref()
        // Deno: an explicit ref of a live child's IPC channel can leave it open after the child exits, so
        // 'close' never comes (seen with two children at once). There the child's own ref keeps us alive.
        if (runtime !== "deno") channel()?.ref?.()
      }),
    unref: () =>
      unlessGone(() => {
        child.unref()
        channel()?.unref?.()
      })
  }
}

/**
 * Runs `f` (a ref or unref of the child) unless the child has ended: on Deno a child that has just
 * ended, before its exit event, has no resource left ("BadResource: Bad resource ID", seen in CI).
 */
const unlessGone = (f: () => void): void => {
  try {
    f()
  } catch (error) {
    if ((error as { name?: string } | null)?.name !== "BadResource") throw error
  }
}

/** The child entry of a process: it does not load node:worker_threads (30 ms more per child on Bun). */
const processEntry: URL = siblingUrl(import.meta.url, "../internal/child/process")

export const processBackend: Backend = {
  name: "process",
  spawn: ({ run }) => forkIsolate({ entry: processEntry, init: run, modules: [run.task.module], name: run.info.name })
}
