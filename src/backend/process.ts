/**
 * The `"process"` backend: an OS child started with `child_process.fork` and an IPC channel, on Node,
 * Deno (which runs it as `deno run -A`) and Bun. Python's exit codes: `-15` after SIGTERM, `-9` after
 * SIGKILL.
 */
import * as CP from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Backend, ChildExit, ChildHandle } from "../Backend.ts"
import { parentPidEnv } from "../internal/protocol/messages.ts"
import { needsTsx, runtime, siblingUrl, tsxModules } from "../internal/runtime.ts"
import { spawnFailure } from "./spawnError.ts"

const entry = siblingUrl(import.meta.url, "../internal/child/main")

export const processBackend: Backend = {
  name: "process",
  spawn: ({ run }) => {
    const execArgv = needsTsx(entry.href, run.task.module) ? ["--import", tsxModules().loader] : []
    let child: CP.ChildProcess
    try {
      child = CP.fork(fileURLToPath(entry), [], {
        execArgv,
        serialization: "advanced",
        stdio: ["inherit", "inherit", "inherit", "ipc"],
        env: { ...process.env, [parentPidEnv]: String(process.pid) }
      })
    } catch (cause) {
      throw spawnFailure(`process ${run.info.name}`, cause)
    }
    if (child.pid === undefined) {
      child.on("error", () => {})
      throw spawnFailure(`process ${run.info.name}`, new Error("the runtime gave no pid"))
    }
    // Deno reports (null, "SIGTERM") after any kill(); remember what we sent to report it truly.
    let sent: NodeJS.Signals | undefined
    const exitListeners: Array<(exit: ChildExit) => void> = []
    let exited: ChildExit | undefined
    child.on("error", () => {
      // a failed send or kill of a dying child: the exit event tells the outcome
    })
    child.on("close", (code, signal) => {
      exited = {
        code,
        signal: signal !== null && sent !== undefined && runtime === "deno" ? sent : signal
      }
      for (const listener of exitListeners) listener(exited)
    })
    child.send(run)
    const signal = (s: NodeJS.Signals) => {
      if (exited !== undefined) return
      sent = s
      try {
        child.kill(s)
      } catch {
        // already gone
      }
    }
    const handle: ChildHandle = {
      pid: child.pid,
      onMessage: (listener) => {
        child.on("message", listener as (m: unknown) => void)
      },
      onExit: (listener) => {
        if (exited !== undefined) listener(exited)
        else exitListeners.push(listener)
      },
      terminate: () => signal("SIGTERM"),
      kill: () => signal("SIGKILL"),
      ref: () => {
        child.ref()
        ;(child.channel as { ref?: () => void } | null | undefined)?.ref?.()
      },
      unref: () => {
        child.unref()
        ;(child.channel as { unref?: () => void } | null | undefined)?.unref?.()
      }
    }
    return handle
  }
}
