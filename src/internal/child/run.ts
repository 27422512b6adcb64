/**
 * What every child does, thread or OS process: it imports the task's module, runs the task, reports
 * the result or the error, joins its own children and exits with Python's exit code. The entries are
 * `thread.ts` and `process.ts`, one per backend, so that neither loads what only the other needs.
 *
 * Effect-free on purpose: a fresh isolate pays ~0.15–0.5 s to load Effect, so Effect is imported only
 * when a task returns an Effect.
 */
import { settleChildren } from "../children.ts"
import { setGlobalContext } from "../context.ts"
import { encodeError } from "../protocol/errors.ts"
import type { ChildMessage, RunMessage } from "../protocol/messages.ts"
import { decodeHandles, encodeHandles } from "../protocol/handle.ts"
import { findUnsendable } from "../protocol/sendable.ts"
import { revoked } from "../guard.ts"
import { printFailure } from "../report.ts"
import { makeLink, router, type RpcMessage } from "../router.ts"
import { resolveTask } from "../task.ts"

export interface Channel {
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

export const main = async (run: RunMessage, channel: Channel): Promise<never> => {
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
  // terminated by its parent (and still running, as a busy thread does on Deno): it says nothing more
  if (revoked()) return process.exit(1)
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

