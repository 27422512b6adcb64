/**
 * The pool's engine, in plain TypeScript: handing queued jobs to workers (policy in `batch.ts`),
 * matching results to jobs, cancelling, replacing workers that die, and the close/terminate life
 * cycle. The Effect API (`pool.ts`) drives it; the supervisor fiber there decides when a replacement
 * starts.
 */
import type { BackendName, ChildExit, ResourceLimits } from "../../Backend.ts"
import { PoolBroken, PoolClosed, ProcessExited, SpawnError } from "../../Errors.ts"
import type { TaskRef } from "../protocol/messages.ts"
import { type FromWorker, Signal, Status } from "../protocol/pool.ts"
import { signalExitCode } from "../runtime.ts"
import { canTake, maxBatch, packBatch, plentyQueued } from "./batch.ts"
import { blame } from "./crash.ts"
import { Defs } from "./defs.ts"
import { type Def, type Fn, Job, JobState } from "./job.ts"
import { JobQueue } from "./jobQueue.ts"
import type { Observer } from "./metrics.ts"
import { decodeFailure, decodeResult } from "./outcome.ts"
import { endJobSpan } from "./trace.ts"
import { spawnWorker, type WorkerSlot, WorkerState } from "./worker.ts"

export const PoolState = { run: 0, close: 1, terminate: 2, broken: 3 } as const
export type PoolState = (typeof PoolState)[keyof typeof PoolState]

export interface CoreConfig {
  readonly processes: number
  readonly backend: BackendName
  readonly maxtasksperchild: number | undefined
  readonly maxQueue: number
  readonly interruptGraceMs: number
  readonly terminateGraceMs: number
  readonly resourceLimits: ResourceLimits | undefined
  readonly initializer:
    | {
      readonly ref: TaskRef
      readonly fn: Fn
      readonly args: ReadonlyArray<unknown>
      readonly namespace: Record<string, unknown> | undefined
    }
    | undefined
  readonly ppid: number
  readonly modules: ReadonlyArray<string>
  readonly poolNumber: number
}

export interface CoreHooks {
  /** A replacement worker is wanted. `early`: its predecessor died before it was ready. */
  readonly respawn: (early: boolean, cause: unknown) => void
  /** A worker finished its start (its initializer ran). */
  readonly ready: () => void
  readonly observe: Observer
}

let poolCounter = 0

/** A number for each pool of this isolate (worker names, metric tags). */
export const nextPoolNumber = (): number => ++poolCounter

export class PoolCore {
  readonly config: CoreConfig
  private readonly hooks: CoreHooks
  state: PoolState = PoolState.run
  private readonly queue: JobQueue
  readonly workers: Array<WorkerSlot> = []
  private pendingSpawns = 0
  /** Submissions accepted and still offering jobs (a `map` waiting for room, an `imap` reading input). */
  private openSubmissions = 0
  private nextId = 1
  private dispatchScheduled = false
  private roundRobin = 0
  private readonly joinWaiters: Array<() => void> = []
  private readonly defs = new Defs()
  private workerCounter = 0
  readonly poolNumber: number
  brokenError: PoolBroken | undefined = undefined

  /** Results may hold handles of shared resources (not on the fiber backend, which shares values). */
  private readonly handles: boolean

  constructor(config: CoreConfig, hooks: CoreHooks) {
    this.config = config
    this.hooks = hooks
    this.handles = config.backend !== "fiber"
    this.poolNumber = config.poolNumber
    this.queue = new JobQueue(config.maxQueue)
  }

  // -------------------------------------------------------------------------------------------------
  // Functions and jobs
  // -------------------------------------------------------------------------------------------------

  def(target: unknown): Def | undefined {
    return this.defs.get(target)
  }

  addDef(target: unknown, ref: TaskRef, fn: Fn, namespace: Record<string, unknown> | undefined): Def {
    return this.defs.add(target, ref, fn, namespace)
  }

  job(def: Def, kind: Job["kind"], payload: ReadonlyArray<unknown>, size: number, owner: Job["owner"], slot: number) {
    const id = this.nextId
    this.nextId = id === 0x7fffffff ? 1 : id + 1
    return new Job(id, def, kind, payload, size, owner, slot)
  }

  // -------------------------------------------------------------------------------------------------
  // Submitting
  // -------------------------------------------------------------------------------------------------

  /** Why the pool refuses new work, if it does. */
  refusal(): PoolClosed | PoolBroken | undefined {
    switch (this.state) {
      case PoolState.run:
        return undefined
      case PoolState.broken:
        return this.brokenError
      default:
        return new PoolClosed({ message: "Pool not running" })
    }
  }

  /** A submission starts: until `endSubmission`, a closing pool waits for it. */
  openSubmission(): void {
    this.openSubmissions++
  }

  endSubmission(): void {
    this.openSubmissions--
    this.maybeFinishClose()
  }

  /** Live jobs waiting for a worker. */
  get queued(): number {
    return this.queue.size
  }

  /** Queues `jobs[from..]` as far as `maxQueue` allows; returns how many were queued. */
  offer(jobs: ReadonlyArray<Job>, from: number): number {
    if (this.state !== PoolState.run && this.state !== PoolState.close) return 0
    const n = Math.min(jobs.length - from, Math.max(0, this.queue.room()))
    for (let i = from; i < from + n; i++) {
      const job = jobs[i]!
      if (job.state === JobState.waiting) this.queue.push(job)
    }
    if (n > 0) {
      this.hooks.observe.submitted(n)
      this.scheduleDispatch()
    }
    return n
  }

  /** Calls `wake` once when there is room under `maxQueue` again (or the pool stops), in FIFO order. */
  onRoom(wake: () => void): void {
    this.queue.onRoom(wake)
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return
    this.dispatchScheduled = true
    queueMicrotask(() => this.dispatch())
  }

  // -------------------------------------------------------------------------------------------------
  // Dispatch
  // -------------------------------------------------------------------------------------------------

  private dispatch(): void {
    this.dispatchScheduled = false
    if (this.state >= PoolState.terminate) return
    let sent = true
    while (sent && this.queue.size > 0) {
      sent = false
      const n = this.workers.length
      let live = 0
      for (const w of this.workers) if (w.state === WorkerState.ready || w.state === WorkerState.starting) live++
      const plenty = plentyQueued(this.queue, live)
      for (let k = 0; k < n && this.queue.size > 0; k++) {
        const w = this.workers[(this.roundRobin + k) % n]!
        // An even share of the queue for each worker: a small queue is spread, not taken by the first.
        if (canTake(w, plenty) && this.send(w, Math.ceil(this.queue.size / Math.max(1, live)))) sent = true
      }
      this.roundRobin = n === 0 ? 0 : (this.roundRobin + 1) % n
    }
    this.queue.peek()
    this.hooks.observe.queue(this.queue.size)
    this.queue.wakeWaiters(false)
  }

  private send(w: WorkerSlot, share: number): boolean {
    const max = this.config.maxtasksperchild
    const batch = packBatch(this.queue, w, Math.min(share, maxBatch, max === undefined ? Infinity : max - w.assigned))
    if (batch === undefined) return false
    w.setReferenced(true)
    w.handle.send(batch.message, batch.transfer)
    if (max !== undefined && w.assigned >= max && w.state !== WorkerState.retiring) {
      w.state = WorkerState.retiring
      this.requestSpawn(false, undefined)
    }
    return true
  }

  // -------------------------------------------------------------------------------------------------
  // Workers
  // -------------------------------------------------------------------------------------------------

  /** Starts the pool's first workers; throws a `SpawnError` (after ending those already started). */
  start(): void {
    try {
      for (let i = 0; i < this.config.processes; i++) this.addWorker()
    } catch (error) {
      for (const w of this.workers) w.handle.kill()
      throw error
    }
  }

  private addWorker(): void {
    const name = `PoolWorker-${this.poolNumber}.${++this.workerCounter}`
    const init = this.config.initializer
    const w = spawnWorker({
      backend: this.config.backend,
      name,
      ppid: this.config.ppid,
      initializer: init === undefined ? undefined : { ref: init.ref, fn: init.fn, args: init.args },
      modules: this.config.modules,
      resourceLimits: this.config.resourceLimits,
      lookup: (index) => this.defs.at(index)?.fn,
      onMessage: (w, message) => this.onMessage(w, message),
      onExit: (w, exit) => this.onExit(w, exit)
    })
    this.workers.push(w)
    this.hooks.observe.workers(1)
  }

  private requestSpawn(early: boolean, cause: unknown): void {
    this.pendingSpawns++
    this.hooks.respawn(early, cause)
  }

  /** Starts a replacement the supervisor asked for (after the restart schedule's delay). */
  replace(): void {
    this.pendingSpawns--
    if (this.state >= PoolState.terminate || (this.state === PoolState.close && this.workLeft() === false)) {
      this.checkJoined()
      return
    }
    try {
      this.addWorker()
    } catch (error) {
      this.requestSpawn(true, error instanceof SpawnError ? error : new SpawnError({ message: String(error) }))
      return
    }
    this.hooks.observe.restarted()
    this.dispatch()
  }

  private onMessage(w: WorkerSlot, message: FromWorker): void {
    switch (message._) {
      case "done":
        return this.onResults(w, message.r, message.us)
      case "ready":
        if (w.state === WorkerState.starting) w.state = WorkerState.ready
        w.everReady = true
        this.hooks.ready()
        return
      case "init-failed":
        w.initError = decodeFailure(this.config.backend, this.config.initializer?.namespace, Status.die, message.error)
        return
      case "dying":
        w.dyingIn = message.running
        return
    }
  }

  /** Gives a job's outcome to its owner (and ends its span). */
  private settle(job: Job, ok: boolean, value: unknown): void {
    if (job.trace !== undefined) endJobSpan(job, ok, value)
    job.owner.settle(job, ok, value)
  }

  private onResults(w: WorkerSlot, r: ReadonlyArray<unknown>, us: number): void {
    let items = 0
    let def: Def | undefined
    let mixed = false
    let ok = 0
    let failed = 0
    for (let i = 0; i < r.length; i += 3) {
      const job = w.inflight.shift()
      if (job === undefined || job.id !== r[i]) {
        throw new Error(`pool protocol: result for job ${String(r[i])}, expected ${job?.id}`)
      }
      w.inflightCost -= job.sentCost
      items += job.size
      if (def === undefined) def = job.def
      else if (def !== job.def) mixed = true
      if (job.state === JobState.cancelled) {
        this.stopped(job)
        continue
      }
      job.state = JobState.settled
      job.payload = undefined
      const status = r[i + 1] as Status
      const value = r[i + 2]
      if (status === Status.ok) ok++
      else failed++
      if (status === Status.ok) this.settle(job, true, this.handles ? decodeResult(job, value) : value)
      else this.settle(job, false, decodeFailure(this.config.backend, job.def.namespace, status, value))
    }
    if (def !== undefined && items > 0 && us > 0) this.defs.measure(def, mixed, us / items)
    this.hooks.observe.completed(ok, failed, items > 0 ? us / items / 1000 : undefined)
    if (w.inflight.length === 0) {
      w.inflightCost = 0
      w.setReferenced(false)
      if (w.state === WorkerState.retiring) this.exitWorker(w)
    }
    this.dispatch()
    this.maybeFinishClose()
  }

  private onExit(w: WorkerSlot, exit: ChildExit): void {
    const was = w.state
    w.state = WorkerState.dead
    if (w.graceTimer !== undefined) clearTimeout(w.graceTimer)
    if (w.killTimer !== undefined) clearTimeout(w.killTimer)
    w.setReferenced(false)
    const at = this.workers.indexOf(w)
    if (at >= 0) this.workers.splice(at, 1)
    this.hooks.observe.workers(-1)
    const jobs = w.inflight.drain()
    const running = this.state <= PoolState.close
    if (was === WorkerState.killed || was === WorkerState.exiting) {
      // Ended by us: cancelled jobs have stopped; the others never started (or the pool is ending).
      this.requeue(jobs)
      if (was === WorkerState.killed && running) this.requestSpawn(false, undefined)
    } else if (!w.everReady) {
      // Died while starting: its jobs never ran. Its replacement goes through the restart schedule.
      this.requeue(jobs)
      if (running) this.requestSpawn(true, w.initError ?? this.exited(w, exit))
    } else {
      const error = this.exited(w, exit)
      this.failHeld(w, jobs, error)
      if (running && was !== WorkerState.retiring) this.requestSpawn(false, error)
    }
    this.dispatch()
    this.maybeFinishClose()
    this.checkJoined()
  }

  /** A worker died unasked: see `crash.ts` for which of its jobs fail and which go back to the queue. */
  private failHeld(w: WorkerSlot, jobs: ReadonlyArray<Job>, error: ProcessExited): void {
    const { failed, spared } = blame(w, jobs)
    for (const job of failed) {
      if (job.state === JobState.cancelled) this.stopped(job)
      else if (job.state === JobState.sent) {
        job.state = JobState.settled
        job.payload = undefined
        this.hooks.observe.completed(0, 1, undefined)
        this.settle(job, false, error)
      }
    }
    this.requeue(spared)
  }

  private exited(w: WorkerSlot, exit: ChildExit): ProcessExited {
    const exitCode = exit.code ?? (exit.signal === null ? 1 : signalExitCode(exit.signal))
    return new ProcessExited({
      process: w.name,
      exitCode,
      signal: exit.signal,
      ...(w.handle.pid === undefined ? {} : { pid: w.handle.pid }),
      ...(exit.reason === undefined ? {} : { reason: exit.reason })
    })
  }

  /** Puts jobs that never ran back at the head of the queue, in order; cancelled ones are done. */
  private requeue(jobs: ReadonlyArray<Job>): void {
    for (let i = jobs.length - 1; i >= 0; i--) {
      const job = jobs[i]!
      if (job.state === JobState.cancelled) this.stopped(job)
      else if (job.state === JobState.sent) this.queue.unshift(job)
    }
  }

  private exitWorker(w: WorkerSlot): void {
    w.state = WorkerState.exiting
    w.setReferenced(true)
    w.handle.send({ _: "exit" })
    // A worker that does not leave when asked is ended.
    w.killTimer = setTimeout(() => w.handle.kill(), this.config.terminateGraceMs)
  }

  private kill(w: WorkerSlot): void {
    if (w.state === WorkerState.dead || w.state === WorkerState.killed) return
    w.state = WorkerState.killed
    w.setReferenced(true)
    w.handle.terminate()
    w.killTimer = setTimeout(() => w.handle.kill(), this.config.terminateGraceMs)
  }

  // -------------------------------------------------------------------------------------------------
  // Cancelling
  // -------------------------------------------------------------------------------------------------

  /**
   * Withdraws jobs: queued ones leave the queue, jobs held by a worker are cancelled there. `onStopped`
   * runs once none of them can still be running: at once, unless one is running now; then when it
   * ends, or when its worker has been terminated because it did not stop within the grace period (a
   * synchronous job cannot be interrupted; its worker is replaced, and the other jobs it held go back
   * to the queue).
   */
  cancel(jobs: Iterable<Job>, onStopped: () => void): void {
    let waiting = 1
    const done = () => {
      if (--waiting === 0) onStopped()
    }
    let byWorker: Map<WorkerSlot, Array<Job>> | undefined
    let unqueued = false
    for (const job of jobs) {
      switch (job.state) {
        case JobState.waiting:
          job.state = JobState.cancelled
          break
        case JobState.queued:
          job.state = JobState.cancelled
          job.payload = undefined
          this.queue.withdrawn()
          unqueued = true
          break
        case JobState.sent: {
          job.state = JobState.cancelled
          byWorker ??= new Map()
          const list = byWorker.get(job.worker!)
          if (list === undefined) byWorker.set(job.worker!, [job])
          else list.push(job)
          break
        }
      }
    }
    if (byWorker !== undefined) {
      for (const [w, list] of byWorker) {
        const running = this.cancelOnWorker(w, list)
        if (running !== undefined) {
          waiting++
          const previous = running.onStopped
          running.onStopped = previous === undefined ? done : () => {
            previous()
            done()
          }
          this.armGrace(w)
        }
      }
    }
    if (unqueued) {
      this.queue.wakeWaiters(false)
      this.maybeFinishClose()
    }
    done()
  }

  /** Tells a worker to drop or interrupt jobs; returns the one it is running now, if it is one of them. */
  private cancelOnWorker(w: WorkerSlot, list: ReadonlyArray<Job>): Job | undefined {
    if (w.state === WorkerState.dead) return undefined
    w.handle.send({ _: "drop", ids: list.map((job) => job.id) })
    if (w.signals !== undefined) {
      Atomics.add(w.signals, Signal.cancelGeneration, 1)
      const id = Atomics.load(w.signals, Signal.running)
      return id === 0 ? undefined : list.find((job) => job.id === id)
    }
    // A process worker runs its jobs in order: the first one it has not answered may be running.
    const head = w.inflight.peek()
    return head !== undefined && list.includes(head) ? head : undefined
  }

  private armGrace(w: WorkerSlot): void {
    if (w.graceTimer !== undefined) return
    w.graceTimer = setTimeout(() => {
      w.graceTimer = undefined
      if (w.state === WorkerState.dead) return
      for (const job of w.inflight) {
        if (job.state === JobState.cancelled && job.onStopped !== undefined) return this.kill(w)
      }
    }, this.config.interruptGraceMs)
  }

  private stopped(job: Job): void {
    job.payload = undefined
    const onStopped = job.onStopped
    job.onStopped = undefined
    onStopped?.()
  }

  // -------------------------------------------------------------------------------------------------
  // Life cycle
  // -------------------------------------------------------------------------------------------------

  private workLeft(): boolean {
    if (this.queue.size > 0 || this.openSubmissions > 0) return true
    for (const w of this.workers) if (w.inflight.length > 0) return true
    return false
  }

  /** Python's `close()`: no new work; the workers leave once the queued work is done. */
  close(): void {
    if (this.state !== PoolState.run) return
    this.state = PoolState.close
    this.maybeFinishClose()
  }

  private maybeFinishClose(): void {
    if (this.state !== PoolState.close || this.workLeft()) return
    for (const w of this.workers) {
      if (w.state === WorkerState.starting || w.state === WorkerState.ready || w.state === WorkerState.retiring) {
        this.exitWorker(w)
      }
    }
    this.checkJoined()
  }

  /** Python's `terminate()`: pending work fails with `PoolClosed`, workers are ended now. */
  terminate(): void {
    if (this.state >= PoolState.terminate) return
    this.state = PoolState.terminate
    this.abandon(new PoolClosed({ message: "the pool was terminated" }))
  }

  /** The pool cannot keep workers alive: everything pending fails with `PoolBroken`. */
  broken(cause: unknown): void {
    if (this.state >= PoolState.terminate) return
    this.state = PoolState.broken
    this.brokenError = new PoolBroken({
      message: `the pool's workers keep dying before their first task: ${describe(cause)}`,
      cause
    })
    this.abandon(this.brokenError)
  }

  private abandon(error: unknown): void {
    const pending = this.queue.drain()
    for (const w of this.workers) {
      for (const job of w.inflight) {
        if (job.state === JobState.sent) pending.push(job)
        else if (job.state === JobState.cancelled) this.stopped(job)
      }
    }
    for (const job of pending) {
      job.state = JobState.settled
      job.payload = undefined
    }
    for (const job of pending) this.settle(job, false, error)
    for (const w of [...this.workers]) this.kill(w)
    this.queue.wakeWaiters(true)
    this.checkJoined()
  }

  /** Calls `joined` once the pool is closed or terminated and all its workers have ended. */
  whenJoined(joined: () => void): void {
    this.joinWaiters.push(joined)
    this.checkJoined()
  }

  get isJoined(): boolean {
    if (this.state === PoolState.run || this.workers.length > 0) return false
    return this.state !== PoolState.close || !this.workLeft()
  }

  private checkJoined(): void {
    if (this.joinWaiters.length === 0 || !this.isJoined) return
    for (const joined of this.joinWaiters.splice(0)) joined()
  }
}

const describe = (cause: unknown): string =>
  cause instanceof Error || (typeof cause === "object" && cause !== null && "message" in cause)
    ? String((cause as { message: unknown }).message)
    : String(cause)
