/**
 * One worker of a pool as the parent sees it: its handle, the jobs it holds (in the order it runs
 * them), and where it is in its life.
 */
import type { BackendName, ChildExit, ChildHandle, ResourceLimits } from "../../Backend.ts"
import { forkIsolate } from "../../backend/process.ts"
import { startWorker } from "../../backend/thread.ts"
import { type LiveChild, liveChildren } from "../children.ts"
import type { TaskRef } from "../protocol/messages.ts"
import type { FromWorker, PoolInit } from "../protocol/pool.ts"
import { isRpcMessage, makeLink, router } from "../router.ts"
import { siblingUrl } from "../runtime.ts"
import { Deque } from "./deque.ts"
import { startFiberWorker } from "./fiberWorker.ts"
import type { Fn, Job } from "./job.ts"

const entry: URL = siblingUrl(import.meta.url, "../child/poolWorker")

export const WorkerState = {
  /** Started; its initializer may still be running (jobs sent now wait for it). */
  starting: 0,
  ready: 1,
  /** Has been given its last job (`maxtasksperchild`); exits once it has answered them all. */
  retiring: 2,
  /** Told to exit. */
  exiting: 3,
  /** Being terminated by the pool (a cancelled job would not stop, or the pool ends). */
  killed: 4,
  dead: 5
} as const
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState]

export class WorkerSlot {
  readonly name: string
  readonly handle: ChildHandle
  readonly signals: Int32Array | undefined
  state: WorkerState = WorkerState.starting
  readonly inflight = new Deque<Job>()
  /** Estimated µs of work in flight. */
  inflightCost = 0
  /** Jobs given to this worker so far. */
  assigned = 0
  /** Defs this worker has been told about. */
  readonly known = new Set<number>()
  referenced = false
  graceTimer: ReturnType<typeof setTimeout> | undefined = undefined
  killTimer: ReturnType<typeof setTimeout> | undefined = undefined
  /** Its start finished (the initializer ran): a death from now on is not a failure to start. */
  everReady = false
  /** The job it was running when it exited unasked, as its exit handler said (0: none). */
  dyingIn: number | undefined = undefined
  /** What the initializer raised, when it did. */
  initError: unknown = undefined

  constructor(name: string, handle: ChildHandle, signals: Int32Array | undefined) {
    this.name = name
    this.handle = handle
    this.signals = signals
  }

  get alive(): boolean {
    return this.state !== WorkerState.dead
  }

  /** Keeps the event loop alive only while the worker holds jobs (pool workers are daemonic). */
  setReferenced(on: boolean): void {
    if (this.referenced === on) return
    this.referenced = on
    if (on) this.handle.ref()
    else this.handle.unref()
  }
}

export interface SpawnOptions {
  readonly backend: BackendName
  readonly name: string
  readonly ppid: number
  readonly initializer: { readonly ref: TaskRef; readonly fn: Fn; readonly args: ReadonlyArray<unknown> } | undefined
  /** Modules the worker will import (tsx decides on them on Node). */
  readonly modules: ReadonlyArray<string>
  readonly resourceLimits: ResourceLimits | undefined
  /** The function of a def (fiber backend). */
  readonly lookup: (index: number) => Fn | undefined
  readonly onMessage: (w: WorkerSlot, message: FromWorker) => void
  readonly onExit: (w: WorkerSlot, exit: ChildExit) => void
}

/**
 * Starts a worker; throws a `SpawnError` when the runtime refuses. A thread or process worker is a node
 * of the isolate tree (resource calls of its tasks are routed through it) and a daemonic child of this
 * isolate (a child bootstrap that ends terminates it).
 */
export const spawnWorker = (options: SpawnOptions): WorkerSlot => {
  let w: WorkerSlot
  if (options.backend === "fiber") {
    const signals = new Int32Array(2)
    w = new WorkerSlot(
      options.name,
      startFiberWorker({ name: options.name, initializer: options.initializer, lookup: options.lookup, signals }),
      signals
    )
    w.handle.onMessage((message) => options.onMessage(w, message as unknown as FromWorker))
    w.handle.onExit((exit) => options.onExit(w, exit))
    return w
  }
  const r = router()
  const node = r.nextChild()
  const shared = options.backend === "thread" ? new SharedArrayBuffer(8) : undefined
  const init: PoolInit = {
    _: "pool-init",
    info: { name: options.name, daemon: true, ppid: options.ppid, backend: options.backend, node },
    initializer: options.initializer === undefined
      ? undefined
      : { task: options.initializer.ref, args: options.initializer.args },
    signals: shared
  }
  const request = { entry, init, modules: options.modules, name: options.name, resourceLimits: options.resourceLimits }
  const handle = options.backend === "thread" ? startWorker(request) : forkIsolate(request)
  handle.unref()
  w = new WorkerSlot(options.name, handle, shared === undefined ? undefined : new Int32Array(shared))
  const link = makeLink((message) => handle.send(message))
  r.children.set(node, link)
  let settle!: () => void
  const live: LiveChild = {
    daemon: true,
    exited: new Promise<void>((resolve) => (settle = resolve)),
    terminate: () => handle.terminate()
  }
  liveChildren().add(live)
  handle.onMessage((message) => {
    if (isRpcMessage(message)) r.receive(message, link)
    else options.onMessage(w, message as unknown as FromWorker)
  })
  handle.onExit((exit) => {
    r.nodeGone(node, link)
    liveChildren().delete(live)
    settle()
    options.onExit(w, exit)
  })
  return w
}
