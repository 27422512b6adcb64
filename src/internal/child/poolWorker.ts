/**
 * The entry point of every pool worker, thread or OS process: long-lived, it runs the jobs its pool
 * sends until it is told to exit (or its parent goes away).
 *
 * Effect-free on purpose: a fresh isolate pays ~0.15–0.5 s to load Effect, so Effect is imported only
 * when a task returns an Effect.
 */
import * as WT from "node:worker_threads"
import { setGlobalContext } from "../context.ts"
import { Runner } from "../pool/runner.ts"
import type { TaskRef } from "../protocol/messages.ts"
import { workerDataKey } from "../protocol/messages.ts"
import type { FromWorker, PoolInit, ToWorker } from "../protocol/pool.ts"
import { isRpcMessage, makeLink, router, type RpcMessage } from "../router.ts"
import { runtime } from "../runtime.ts"
import { resolveTask } from "../task.ts"

const resolve = async (ref: TaskRef) => {
  const fn = resolveTask(await import(ref.module), ref)
  if (fn === undefined) {
    throw Object.assign(new Error(`task "${ref.key}" is not exported by ${ref.module}`), { _tag: "SpawnError" })
  }
  return fn
}

const start = (
  init: PoolInit,
  post: (message: FromWorker | RpcMessage, transfer?: ReadonlyArray<ArrayBuffer>) => void,
  exit: (code: number) => void,
  drained?: () => Promise<void>
): Runner => {
  setGlobalContext({
    name: init.info.name,
    pid: process.pid,
    ppid: init.info.ppid,
    daemon: init.info.daemon,
    backend: init.info.backend,
    children: 0
  })
  // Resource calls made by tasks (a Queue passed in the arguments) go to the parent over this channel.
  const node = router()
  node.node = init.info.node
  node.parent = makeLink(post)
  return new Runner({
    post,
    exit,
    resolve,
    initializer: init.initializer,
    signals: init.signals === undefined ? undefined : new Int32Array(init.signals),
    // Deno's IPC accepts what it cannot clone and fails later, in the parent: check first there.
    precheck: init.info.backend === "process" && runtime === "deno",
    raw: false,
    handles: true,
    ...(drained === undefined ? {} : { drained })
  })
}

const receive = (runner: Runner, message: ToWorker | RpcMessage): void => {
  if (isRpcMessage(message)) router().receive(message, router().parent)
  else runner.onMessage(message)
}

const threadInit = (WT.workerData as Record<string, PoolInit> | null)?.[workerDataKey]
const port = WT.parentPort as (WT.MessagePort & { close?: () => void }) | null

if (threadInit !== undefined && port !== null) {
  // Deno's parentPort has no close(); libraries that call it would throw.
  if (typeof port.close !== "function") port.close = () => port.unref()
  const runner = start(
    threadInit,
    (message, transfer) => port.postMessage(message, transfer as Array<WT.TransferListItem> | undefined),
    (code) => process.exit(code)
  )
  process.on("exit", () => runner.dying())
  port.on("message", (message: ToWorker | RpcMessage) => receive(runner, message))
} else if (typeof process.send === "function") {
  // The parent is gone (killed, crashed, exited): a worker never outlives its channel.
  process.on("disconnect", () => process.exit(1))
  let sending: Promise<void> = Promise.resolve()
  process.once("message", (init: PoolInit) => {
    const runner = start(
      init,
      (message) => {
        if (!process.connected) return
        let done!: () => void
        const sent = new Promise<void>((resolve) => (done = resolve))
        // Outside the Promise executor: a value that cannot be cloned throws here, to the runner.
        process.send!(message, undefined, {}, () => done())
        sending = sent
      },
      (code) => void sending.then(() => process.exit(code)),
      () => sending
    )
    process.on("message", (message: ToWorker | RpcMessage) => receive(runner, message))
    process.on("exit", () => runner.dying())
  })
} else {
  process.stderr.write("effect-multiprocessing: this module is the entry of a pool worker and cannot be run directly\n")
  process.exit(2)
}
