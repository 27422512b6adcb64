/**
 * What a pool worker does with the jobs it is sent: run them one after another, in the order they came
 * (Python's worker loop), and send their outcomes back several at a time. Shared by the thread and
 * process worker entry and by the fiber backend, which runs it in the parent's isolate.
 *
 * Effect-free: Effect is imported only when a job returns an Effect.
 *
 * A run of synchronous jobs does not look at incoming messages; every `sliceMs` (or at once when a
 * thread's parent signals a cancel) the runner sends what it has and yields to the event loop, so that
 * results flow back and cancels are seen while a long batch runs.
 */
import { setImmediate } from "node:timers"
import { encodeError } from "../protocol/errors.ts"
import { decodeHandles, encodeHandles } from "../protocol/handle.ts"
import { type FromWorker, JobFlag, JobKind, Signal, Status, type ToWorker } from "../protocol/pool.ts"
import type { TaskRef } from "../protocol/messages.ts"
import { findUnsendable } from "../protocol/sendable.ts"
import { collectBuffers } from "./transfer.ts"

type Fn = (...args: ReadonlyArray<any>) => unknown

export interface RunnerHost {
  /** Posts to the parent; `transfer`: buffers to move (thread workers). */
  readonly post: (message: FromWorker, transfer?: ReadonlyArray<ArrayBuffer>) => void
  readonly exit: (code: number) => void
  /** The function a def names (it may have to import its module). */
  readonly resolve: (ref: TaskRef, index: number) => Fn | Promise<Fn>
  readonly initializer: { readonly task: TaskRef; readonly args: ReadonlyArray<unknown> } | undefined
  readonly signals: Int32Array | undefined
  /** Check results for unsendable values before posting (when a bad post would not throw here). */
  readonly precheck: boolean
  /** Errors are posted as they are (fiber backend), not encoded for the wire. */
  readonly raw: boolean
  /** Shared-resource handles travel in arguments and results (thread and process workers). */
  readonly handles: boolean
  /** Wraps an Effect a job returned before it runs (the fiber backend gives it the worker's identity). */
  readonly wrapEffect?: (effect: unknown) => unknown
  /** Resolves once what was posted has left (a job that ends the process must not swallow "ready"). */
  readonly drained?: () => Promise<void>
}

const sliceMs = 2

const EffectTypeId = Symbol.for("effect/Effect")
const isEffect = (u: unknown): boolean => typeof u === "object" && u !== null && EffectTypeId in u
const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"

const now = (): number => performance.now()
const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

interface Outcome {
  readonly status: Status
  readonly value: unknown
}

interface EffectRuntime {
  readonly run: (effect: unknown, onFiber: (interrupt: () => void) => void) => Promise<Outcome>
}

let effectRuntime: Promise<EffectRuntime> | undefined

/** Loaded the first time a job returns an Effect. */
const loadEffectRuntime = (): Promise<EffectRuntime> =>
  effectRuntime ??= Promise.all([import("effect/Effect"), import("effect/Cause"), import("effect/Option")]).then((
    [Effect, Cause, Option]
  ) => ({
    run: (effect, onFiber) =>
      new Promise<Outcome>((resolve) => {
        const fiber = Effect.runFork(effect as Parameters<typeof Effect.runFork>[0])
        onFiber(() => fiber.unsafeInterruptAsFork(fiber.id()))
        fiber.addObserver((exit) => {
          if (exit._tag === "Success") return resolve({ status: Status.ok, value: exit.value })
          if (Cause.isInterruptedOnly(exit.cause)) return resolve({ status: Status.cancelled, value: undefined })
          const failure = Cause.failureOption(exit.cause)
          resolve(
            Option.isSome(failure)
              ? { status: Status.fail, value: failure.value }
              : { status: Status.die, value: Cause.squash(exit.cause) }
          )
        })
      })
  }))

export class Runner {
  private readonly host: RunnerHost
  private readonly refs = new Map<number, TaskRef>()
  private readonly fns = new Map<number, Fn>()
  private jobs: Array<unknown> = []
  private head = 0
  private readonly cancelled = new Set<number>()
  private out: Array<unknown> = []
  /** Buffers of results to move back (jobs sent with `transfer`). */
  private outTransfer: Array<ArrayBuffer> | undefined = undefined
  private busyMs = 0
  /** Since when running time has not been counted in `busyMs`. */
  private mark = 0
  private running = false
  private stopped = false
  private current: number | undefined
  private interruptCurrent: (() => void) | undefined
  private generation = 0
  private readonly initialized: Promise<boolean>

  constructor(host: RunnerHost) {
    this.host = host
    this.initialized = this.initialize()
  }

  private async initialize(): Promise<boolean> {
    const init = this.host.initializer
    if (init !== undefined) {
      let outcome: Outcome
      try {
        outcome = await this.call(await this.host.resolve(init.task, -1), init.args)
      } catch (error) {
        outcome = { status: Status.die, value: error }
      }
      if (outcome.status !== Status.ok) {
        if (this.stopped) return false
        this.stopped = true
        this.host.post({ _: "init-failed", error: encodeError(outcome.value) })
        this.host.exit(1)
        return false
      }
    }
    if (this.stopped) return false
    this.host.post({ _: "ready" })
    await this.host.drained?.()
    return !this.stopped
  }

  readonly onMessage = (message: ToWorker): void => {
    if (this.stopped) return
    switch (message._) {
      case "run": {
        if (message.d !== undefined) {
          for (const [index, module, key] of message.d) this.refs.set(index, { module, key })
        }
        const t = message.t
        for (let i = 0; i < t.length; i++) this.jobs.push(t[i])
        if (!this.running) void this.loop()
        return
      }
      case "drop": {
        for (const id of message.ids) {
          if (id === this.current && this.interruptCurrent !== undefined) this.interruptCurrent()
          else this.cancelled.add(id)
        }
        this.flush()
        return
      }
      case "exit": {
        this.flush()
        this.stopped = true
        this.host.exit(0)
        return
      }
    }
  }

  /** The isolate is exiting unasked (`process.exit` in a task): say what was done and what was running. */
  dying(): void {
    if (this.stopped) return
    this.flush()
    this.stopped = true
    this.host.post({ _: "dying", running: this.current ?? 0 })
  }

  /** Stops at once (fiber backend: the worker was terminated); nothing is posted any more. */
  stop(): void {
    this.stopped = true
    this.interruptCurrent?.()
  }

  private async loop(): Promise<void> {
    this.running = true
    if (!(await this.initialized)) return
    let sliceStart = now()
    this.mark = sliceStart
    const signals = this.host.signals
    while (this.head < this.jobs.length && !this.stopped) {
      const jobs = this.jobs
      const at = this.head
      const id = jobs[at] as number
      if (signals !== undefined) {
        // Say which job runs next, then look for a cancel: the parent bumps the generation before it
        // reads which job runs, so one of the two sides always sees the other (Atomics are ordered).
        Atomics.store(signals, Signal.running, id)
        if (Atomics.load(signals, Signal.cancelGeneration) !== this.generation) {
          this.generation = Atomics.load(signals, Signal.cancelGeneration)
          Atomics.store(signals, Signal.running, 0)
          sliceStart = await this.pause()
          continue
        }
      }
      const def = jobs[at + 1] as number
      const wireKind = jobs[at + 2] as number
      const kind = (wireKind & JobFlag.kindMask) as JobKind
      const payload = jobs[at + 3] as ReadonlyArray<unknown>
      jobs[at + 3] = undefined
      this.head = at + 4
      if (this.cancelled.size > 0 && this.cancelled.delete(id)) {
        this.out.push(id, Status.cancelled, undefined)
        continue
      }
      this.current = id
      if (!this.fns.has(def)) {
        // Importing a module is not the task's cost.
        await this.resolveDef(def)
        this.mark = sliceStart = now()
      }
      let outcome = this.runJob(def, kind, this.host.handles ? decodeArgs(kind, payload) : payload)
      if (outcome instanceof Promise) outcome = await outcome
      this.current = undefined
      this.interruptCurrent = undefined
      if (this.cancelled.size > 0) this.cancelled.delete(id)
      if (signals !== undefined) Atomics.store(signals, Signal.running, 0)
      if (this.stopped) return
      const value = this.host.handles && outcome.status === Status.ok ? encodeResult(kind, outcome.value) : outcome.value
      this.push(id, outcome.status, value)
      if ((wireKind & JobFlag.moveResult) !== 0 && outcome.status === Status.ok) {
        const buffers = collectBuffers(value)
        if (buffers.length > 0) (this.outTransfer ??= []).push(...buffers)
      }
      if (now() - sliceStart > sliceMs) sliceStart = await this.pause()
      if (this.head > 65536 && this.head * 2 > this.jobs.length) {
        this.jobs = this.jobs.slice(this.head)
        this.head = 0
      }
    }
    this.flush()
    this.jobs = []
    this.head = 0
    this.running = false
  }

  /** Sends what is done and lets messages in; returns when the next slice starts. */
  private async pause(): Promise<number> {
    this.flush()
    await yieldNow()
    return this.mark = now()
  }

  /** First use of a def in this worker: import its module (the failure shows when the job runs). */
  private async resolveDef(def: number): Promise<void> {
    const ref = this.refs.get(def)
    try {
      if (ref === undefined) throw new Error(`unknown task #${def}`)
      this.fns.set(def, await this.host.resolve(ref, def))
    } catch (error) {
      this.fns.set(def, () => {
        throw error
      })
    }
  }

  private runJob(def: number, kind: JobKind, payload: ReadonlyArray<unknown>): Outcome | Promise<Outcome> {
    const fn = this.fns.get(def)!
    if (kind === JobKind.apply) return this.call(fn, payload)
    const results = new Array<unknown>(payload.length)
    const one = kind === JobKind.map
    // The hot loop of `map`: plain calls while the results are plain values.
    for (let i = 0; i < payload.length; i++) {
      let value: unknown
      try {
        value = one ? fn(payload[i]) : fn(...(payload[i] as ReadonlyArray<unknown>))
      } catch (error) {
        return { status: Status.die, value: error }
      }
      if (typeof value === "object" && value !== null && (isEffect(value) || isThenable(value))) {
        const outcome = this.settle(value)
        return this.finishChunk(fn, kind, payload, results, i, outcome)
      }
      results[i] = value
    }
    return { status: Status.ok, value: results }
  }

  /** The rest of a chunk once one of its calls went asynchronous. */
  private async finishChunk(
    fn: Fn,
    kind: JobKind,
    payload: ReadonlyArray<unknown>,
    results: Array<unknown>,
    from: number,
    pending: Promise<Outcome>
  ): Promise<Outcome> {
    for (let i = from; i < payload.length; i++) {
      const outcome = i === from
        ? await pending
        : await this.call(fn, kind === JobKind.map ? [payload[i]] : (payload[i] as ReadonlyArray<unknown>))
      if (outcome.status !== Status.ok) return outcome
      results[i] = outcome.value
    }
    return { status: Status.ok, value: results }
  }

  /** Calls `fn`; synchronous results come back without a trip through the microtask queue. */
  private call(fn: Fn, args: ReadonlyArray<unknown>): Outcome | Promise<Outcome> {
    let value: unknown
    try {
      value = fn(...args)
    } catch (error) {
      return { status: Status.die, value: error }
    }
    if (typeof value !== "object" || value === null || !(isEffect(value) || isThenable(value))) {
      return { status: Status.ok, value }
    }
    return this.settle(value)
  }

  /** The outcome of an Effect (run, interruptible by a cancel) or of a Promise. */
  private settle(value: object): Promise<Outcome> {
    this.flush()
    if (isEffect(value)) {
      const wrap = this.host.wrapEffect
      return loadEffectRuntime().then((runtime) =>
        runtime.run(wrap === undefined ? value : wrap(value), (interrupt) => {
          this.interruptCurrent = interrupt
          if (this.current !== undefined && this.cancelled.delete(this.current)) interrupt()
        })
      )
    }
    return Promise.resolve(value).then(
      (v): Outcome => ({ status: Status.ok, value: v }),
      (error: unknown): Outcome => ({ status: Status.die, value: error })
    )
  }

  private push(id: number, status: Status, value: unknown): void {
    if (status === Status.fail || status === Status.die) {
      this.out.push(id, status, this.host.raw ? value : encodeError(value))
    } else if (status === Status.ok && this.host.precheck && needsLook(value)) {
      const bad = findUnsendable(value, "result")
      this.out.push(id, bad === undefined ? status : Status.die, bad === undefined ? value : unsendableError(bad))
    } else {
      this.out.push(id, status, value)
    }
  }

  private flush(): void {
    if (this.out.length === 0 || this.stopped) return
    const t = now()
    if (this.running) this.busyMs += t - this.mark
    this.mark = t
    const r = this.out
    const us = Math.round(this.busyMs * 1000)
    const transfer = this.outTransfer
    this.out = []
    this.outTransfer = undefined
    this.busyMs = 0
    try {
      this.host.post({ _: "done", r, us }, transfer)
    } catch {
      // A result that cannot be cloned: find it, send an error in its place, send the rest.
      for (let i = 0; i < r.length; i += 3) {
        if (r[i + 1] !== Status.ok) continue
        const bad = findUnsendable(r[i + 2], "result")
        if (bad !== undefined) {
          r[i + 1] = Status.die
          r[i + 2] = unsendableError(bad)
        }
      }
      this.host.post({ _: "done", r, us }, transfer)
    }
  }
}

const isObject = (u: unknown): u is object => typeof u === "object" && u !== null

/** Values a clone could refuse: objects, functions and symbols. */
const needsLook = (u: unknown): boolean => {
  const t = typeof u
  return t === "object" ? u !== null : t === "function" || t === "symbol"
}

/** Handle descriptors in arguments become handles (only objects are looked at: items are often numbers). */
const decodeArgs = (_kind: JobKind, payload: ReadonlyArray<unknown>): ReadonlyArray<unknown> => {
  // An argument list (apply), map items, or starmap tuples: either way, only objects can hold handles.
  for (let i = 0; i < payload.length; i++) {
    if (isObject(payload[i])) (payload as Array<unknown>)[i] = decodeHandles(payload[i])
  }
  return payload
}

const encodeResult = (kind: JobKind, value: unknown): unknown => {
  if (kind === JobKind.apply) return encodeHandles(value)
  const results = value as Array<unknown>
  for (let i = 0; i < results.length; i++) if (isObject(results[i])) results[i] = encodeHandles(results[i])
  return results
}

const unsendableError = (what: string) =>
  encodeError(
    Object.assign(new Error(`the task's result cannot be sent: ${what}`), {
      _tag: "SerializationError",
      path: what.split(" ")[0]
    })
  )
