/**
 * The entry point of every child, thread or OS process. It learns what to run, imports the task's
 * module, runs the task, reports the result or the error, joins its own children and exits with
 * Python's exit code.
 *
 * Effect-free on purpose: a fresh isolate pays ~0.15–0.5 s to load Effect, so Effect is imported only
 * when a task returns an Effect.
 */
import * as WT from "node:worker_threads"
import { settleChildren } from "../children.ts"
import { setGlobalContext } from "../context.ts"
import { encodeError } from "../protocol/errors.ts"
import type { ChildMessage, RunMessage } from "../protocol/messages.ts"
import { workerDataKey } from "../protocol/messages.ts"
import { decodeHandles, encodeHandles } from "../protocol/handle.ts"
import { findUnsendable } from "../protocol/sendable.ts"
import { printFailure } from "../report.ts"
import { makeLink, router, type RpcMessage } from "../router.ts"
import { resolveTask } from "../task.ts"

interface Channel {
  readonly send: (message: ChildMessage) => Promise<void>
  /** Posts a routed message (resource calls) to the parent. */
  readonly post: (message: RpcMessage) => void
}

const EffectTypeId = Symbol.for("effect/Effect")

const isEffect = (u: unknown): boolean => typeof u === "object" && u !== null && EffectTypeId in u

type Outcome =
  | { readonly _: "ok"; readonly value: unknown }
  | { readonly _: "fail" | "die"; readonly error: unknown }

const runEffect = async (effect: unknown): Promise<Outcome> => {
  const [Effect, Cause, Option] = await Promise.all([
    import("effect/Effect"),
    import("effect/Cause"),
    import("effect/Option")
  ])
  const exit = await Effect.runPromiseExit(effect as Parameters<typeof Effect.runPromiseExit>[0])
  if (exit._tag === "Success") return { _: "ok", value: exit.value }
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure)
    ? { _: "fail", error: failure.value }
    : { _: "die", error: Cause.squash(exit.cause) }
}

const runTask = async (run: RunMessage): Promise<Outcome> => {
  let namespace: Record<string, unknown>
  try {
    namespace = await import(run.task.module)
  } catch (error) {
    return { _: "die", error }
  }
  const fn = resolveTask(namespace, run.task)
  if (fn === undefined) {
    return {
      _: "die",
      error: Object.assign(new Error(`task "${run.task.key}" is not exported by ${run.task.module}`), {
        _tag: "SpawnError"
      })
    }
  }
  try {
    const out = fn(...(decodeHandles(run.args) as ReadonlyArray<unknown>))
    if (isEffect(out)) return await runEffect(out)
    return { _: "ok", value: await out }
  } catch (error) {
    return { _: "die", error }
  }
}

const main = async (run: RunMessage, channel: Channel): Promise<never> => {
  setGlobalContext({
    name: run.info.name,
    pid: process.pid,
    ppid: run.info.ppid,
    daemon: run.info.daemon,
    backend: run.info.backend,
    children: 0
  })
  const node = router()
  node.node = run.info.node
  node.parent = makeLink(channel.post)
  const outcome = await runTask(run)
  let code = 0
  if (outcome._ === "ok") {
    const value = encodeHandles(outcome.value)
    const unsendable = findUnsendable(value, "result")
    if (unsendable === undefined) {
      await channel.send({ _: "result", value })
    } else {
      code = 1
      const error = Object.assign(new Error(`the task's result cannot be sent: ${unsendable}`), {
        _tag: "SerializationError",
        path: unsendable.split(" ")[0]
      })
      printFailure(run.info.name, error)
      await channel.send({ _: "failed", kind: "die", error: encodeError(error) })
    }
  } else {
    code = 1
    printFailure(run.info.name, outcome.error)
    await channel.send({ _: "failed", kind: outcome._, error: encodeError(outcome.error) })
  }
  await settleChildren()
  return process.exit(code)
}

/**
 * A task that keeps the event loop busy never hears "disconnect". A tiny thread watches the parent
 * instead and ends this process when the parent is gone (re-parented, or no longer there).
 */
const watchParent = (): void => {
  // The live parent pid from /proc where there is one (Deno caches process.ppid); a zombie parent is gone.
  const code = `const { workerData: w } = require("node:worker_threads")
const fs = require("node:fs")
const read = (path) => { try { return fs.readFileSync(path, "utf8") } catch { return undefined } }
setInterval(() => {
  const self = read("/proc/self/stat")
  const ppid = self === undefined ? process.ppid : Number(self.slice(self.lastIndexOf(")") + 2).split(" ")[1])
  const parent = read("/proc/" + w.ppid + "/stat")
  let gone = ppid !== w.ppid || (parent !== undefined && parent.slice(parent.lastIndexOf(")") + 2).startsWith("Z"))
  try { process.kill(w.ppid, 0) } catch { gone = true }
  if (gone) process.kill(w.pid, "SIGKILL")
}, 250)`
  try {
    // execArgv []: no loader hooks (tsx) to load, and nothing that waits on this busy thread.
    new WT.Worker(code, { eval: true, execArgv: [], workerData: { ppid: process.ppid, pid: process.pid } }).unref()
  } catch {
    // no watchdog on a runtime that cannot start it: "disconnect" still covers an idle child
  }
}

const threadRun = (WT.workerData as Record<string, RunMessage> | null)?.[workerDataKey]
const port = WT.parentPort as (WT.MessagePort & { close?: () => void }) | null

if (threadRun !== undefined && port !== null) {
  // Deno's parentPort has no close(); libraries that call it would throw.
  if (typeof port.close !== "function") port.close = () => port.unref()
  port.on("message", (message: RpcMessage) => router().receive(message, router().parent))
  void main(threadRun, {
    send: async (message) => port.postMessage(message),
    post: (message) => port.postMessage(message)
  })
} else if (typeof process.send === "function") {
  // The parent is gone (killed, crashed, exited): a child never outlives its channel.
  process.on("disconnect", () => process.exit(1))
  watchParent()
  let started = false
  process.on("message", (message: RunMessage | RpcMessage) => {
    if (started) return router().receive(message as RpcMessage, router().parent)
    started = true
    void main(message as RunMessage, {
      send: (m) =>
        new Promise<void>((resolve) => {
          process.send!(m, undefined, {}, () => resolve())
        }),
      post: (m) => {
        if (process.connected) process.send!(m)
      }
    })
  })
} else {
  process.stderr.write("effect-multiprocessing: this module is the entry of a child and cannot be run directly\n")
  process.exit(2)
}
