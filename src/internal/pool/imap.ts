/**
 * `imap` and `imapUnordered`: a Stream of results fed by an input (an iterable or a Stream, possibly
 * endless) read only as fast as results are taken: at most `window` chunks are submitted and not yet
 * emitted, so memory stays bounded.
 *
 * As in Python, `imap` emits the results that come before a failure (a task's error, or the input's
 * own error at that position), then fails; `imapUnordered` emits in completion order.
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { PoolCore } from "./core.ts"
import { PoolState } from "./core.ts"
import { Deque } from "./deque.ts"
import { type Def, type Job, JobState, type Owner } from "./job.ts"
import type { JobKind } from "../protocol/pool.ts"
import { traceOf } from "./trace.ts"

type Entry = { readonly ok: true; readonly value: ReadonlyArray<unknown> } | {
  readonly ok: false
  readonly cause: Cause.Cause<unknown>
}

export interface ImapSpec {
  readonly core: PoolCore
  readonly kind: JobKind
  readonly chunksize: number
  readonly ordered: boolean
  readonly window: number
  /** Whether each chunk gets a span below the stream's. */
  readonly spans: boolean
  /** Turns input items into what a job carries (handles encoded, unsendable values refused). */
  readonly prepare: (items: Array<unknown>, at: number) => Effect.Effect<ReadonlyArray<unknown>, unknown>
}

class ImapState implements Owner {
  private readonly spec: ImapSpec
  private readonly def: Def
  private submitted = 0
  private emitted = 0
  private readonly byPosition = new Map<number, Entry>()
  private readonly arrived = new Deque<Entry>()
  private readonly live = new Set<Job>()
  /** Jobs submitted in total once the input has ended. */
  private total: number | undefined
  /** The input's own failure (ordered: it comes after every result submitted before it). */
  private inputFailure: { readonly cause: Cause.Cause<unknown> } | undefined
  private fatal: Cause.Cause<unknown> | undefined
  private consumer: (() => void) | undefined
  private producer: (() => void) | undefined
  private open = true

  constructor(spec: ImapSpec, def: Def) {
    this.spec = spec
    this.def = def
    spec.core.openSubmission()
  }

  settle(job: Job, ok: boolean, value: unknown): void {
    this.live.delete(job)
    const entry: Entry = ok ? { ok, value: value as ReadonlyArray<unknown> } : { ok, cause: Cause.fail(value) }
    if (this.spec.ordered) this.byPosition.set(job.slot, entry)
    else this.arrived.push(entry)
    this.wakeConsumer()
  }

  private wakeConsumer(): void {
    const consumer = this.consumer
    this.consumer = undefined
    consumer?.()
  }

  private wakeProducer(): void {
    const producer = this.producer
    this.producer = undefined
    producer?.()
  }

  /** Waits until fewer than `window` chunks are submitted and not yet emitted. */
  readonly room: Effect.Effect<void> = Effect.async<void>((resume) => {
    const check = () => {
      if (this.submitted - this.emitted < this.spec.window) resume(Effect.void)
      else this.producer = check
    }
    check()
    return Effect.sync(() => {
      this.producer = undefined
    })
  })

  /** Submits one chunk (waiting for room under the pool's `maxQueue`). */
  submit(payload: ReadonlyArray<unknown>, size: number): Effect.Effect<void> {
    return Effect.withFiberRuntime((fiber) => {
      const core = this.spec.core
      const job = core.job(this.def, this.spec.kind, payload, size, this, this.submitted)
      if (this.spec.spans) job.trace = traceOf(fiber)
      return Effect.async<void>((resume) => {
        const tryOffer = () => {
          if (core.state >= PoolState.terminate) {
            this.fatal = Cause.fail(core.refusal())
            this.wakeConsumer()
            return resume(Effect.void)
          }
          if (core.offer([job], 0) === 1) {
            this.live.add(job)
            this.submitted++
            return resume(Effect.void)
          }
          core.onRoom(tryOffer)
        }
        tryOffer()
      })
    })
  }

  inputEnded(failure: Cause.Cause<unknown> | undefined): void {
    this.total = this.submitted
    if (failure !== undefined) {
      if (this.spec.ordered) this.inputFailure = { cause: failure }
      else this.arrived.push({ ok: false, cause: failure })
    }
    this.endSubmission()
    this.wakeConsumer()
  }

  private endSubmission(): void {
    if (!this.open) return
    this.open = false
    this.spec.core.endSubmission()
  }

  /** The next results: as many as are ready, in order (or as they came). */
  readonly pull: Effect.Effect<Chunk.Chunk<unknown>, Option.Option<unknown>> = Effect.async((resume) => {
    const attempt = (): boolean => {
      const out: Array<unknown> = []
      let failure: Cause.Cause<unknown> | undefined
      for (;;) {
        const entry = this.next()
        if (entry === undefined) break
        this.emitted++
        if (!entry.ok) {
          failure = entry.cause
          break
        }
        for (const v of entry.value) out.push(v)
      }
      if (this.emitted > 0) this.wakeProducer()
      if (out.length > 0) {
        if (failure !== undefined) this.pending = failure
        resume(Effect.succeed(Chunk.unsafeFromArray(out)))
        return true
      }
      const end = failure ?? this.pending ?? this.fatal ?? this.endCause()
      if (end === undefined) return false
      this.pending = undefined
      resume(end === "end" ? Effect.fail(Option.none()) : Effect.failCause(Cause.map(end, Option.some)))
      return true
    }
    if (attempt()) return
    const wait = () => {
      if (!attempt()) this.consumer = wait
    }
    this.consumer = wait
    return Effect.sync(() => {
      this.consumer = undefined
    })
  })

  /** A failure found after results that were emitted first: it ends the stream on the next pull. */
  private pending: Cause.Cause<unknown> | undefined

  private next(): Entry | undefined {
    if (this.pending !== undefined) return undefined
    if (!this.spec.ordered) return this.arrived.shift()
    const entry = this.byPosition.get(this.emitted)
    if (entry !== undefined) this.byPosition.delete(this.emitted)
    return entry
  }

  private endCause(): Cause.Cause<unknown> | "end" | undefined {
    if (this.total === undefined || this.emitted < this.total) return undefined
    return this.inputFailure?.cause ?? (this.arrived.length === 0 ? "end" : undefined)
  }

  /** The stream ended (taken to the end, failed, or interrupted): no job of it is left running. */
  readonly stop: Effect.Effect<void> = Effect.async<void>((resume) => {
    this.endSubmission()
    const jobs = [...this.live].filter((job) => job.state !== JobState.settled)
    this.live.clear()
    this.spec.core.cancel(jobs, () => resume(Effect.void))
  })
}

export const stream = <A>(
  spec: ImapSpec,
  definition: Effect.Effect<Def, unknown>,
  input: Iterable<unknown> | Stream.Stream<unknown, unknown, unknown>
): Stream.Stream<A, unknown, unknown> =>
  Stream.unwrapScoped(
    Effect.gen(function*() {
      const def = yield* definition
      const refusal = spec.core.refusal()
      if (refusal !== undefined) return yield* Effect.fail(refusal)
      const state = new ImapState(spec, def)
      yield* Effect.addFinalizer(() => state.stop)
      const source: Stream.Stream<unknown, unknown, unknown> = Stream.StreamTypeId in (input as object)
        ? input as Stream.Stream<unknown, unknown, unknown>
        : Stream.fromIterable(input as Iterable<unknown>)
      let items: Array<unknown> = []
      let at = 0
      const flush = Effect.suspend(() => {
        const chunk = items
        items = []
        const first = at
        at += chunk.length
        return state.room.pipe(
          Effect.zipRight(spec.prepare(chunk, first)),
          Effect.flatMap((payload) => state.submit(payload, chunk.length))
        )
      })
      const produce = source.pipe(
        Stream.runForEach((item) =>
          Effect.suspend(() => {
            items.push(item)
            return items.length >= spec.chunksize ? flush : Effect.void
          })
        ),
        Effect.zipRight(Effect.suspend(() => (items.length > 0 ? flush : Effect.void))),
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.sync(() => state.inputEnded(exit._tag === "Success" ? undefined : exit.cause))
        )
      )
      yield* Effect.forkScoped(produce)
      return Stream.repeatEffectChunkOption(state.pull) as Stream.Stream<A, unknown, unknown>
    })
  )
