/**
 * The entry of a process child: its run message is the first IPC message. It never outlives its
 * parent: it exits on "disconnect", and the parent's reaper (src/backend/reaper.ts) kills it if the
 * parent dies while this child's task keeps its event loop busy.
 */
import type { RunMessage } from "../protocol/messages.ts"
import { router, type RpcMessage } from "../router.ts"
import { main } from "./run.ts"

if (typeof process.send !== "function") {
  process.stderr.write("effect-multiprocessing: this module is the entry of a process child and cannot be run directly\n")
  process.exit(2)
} else {
  process.on("disconnect", () => process.exit(1))
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
}
