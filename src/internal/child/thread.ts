/**
 * The entry of a thread child: its run message is in `workerData`; messages go over `parentPort`.
 */
import * as WT from "node:worker_threads"
import type { RunMessage } from "../protocol/messages.ts"
import { workerDataKey } from "../protocol/messages.ts"
import { router, type RpcMessage } from "../router.ts"
import { main } from "./run.ts"

const run = (WT.workerData as Record<string, RunMessage> | null)?.[workerDataKey]
const port = WT.parentPort as (WT.MessagePort & { close?: () => void }) | null

if (run === undefined || port === null) {
  process.stderr.write("effect-multiprocessing: this module is the entry of a thread child and cannot be run directly\n")
  process.exit(2)
} else {
  // Deno's parentPort has no close(); libraries that call it would throw.
  if (typeof port.close !== "function") port.close = () => port.unref()
  port.on("message", (message: RpcMessage) => router().receive(message, router().parent))
  void main(run, {
    send: async (message) => port.postMessage(message),
    post: (message) => port.postMessage(message)
  })
}
