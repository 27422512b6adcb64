/**
 * A span per job when the pool was made with `spans: true`: `Pool.task`, a child of the call's span
 * (`Pool.apply`, `Pool.map` …), from when the job was sent to a worker to when its outcome came back,
 * with the worker and the number of items. The call captures its tracer and span once; jobs carry them.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import type { Job } from "./job.ts"

export interface JobTrace {
  readonly tracer: Tracer.Tracer
  readonly parent: Tracer.AnySpan
}

const clock = Clock.make()

/** The tracer clock's time: what spans are stamped with. */
export const now = (): bigint => clock.unsafeCurrentTimeNanos()

/** The span the calling fiber is in, for its jobs' spans. */
export const traceOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): JobTrace | undefined => {
  const parent = fiber.currentSpan
  return parent === undefined ? undefined : { tracer: fiber.currentTracer, parent }
}

/** Records the span of a traced job that has just settled. */
export const endJobSpan = (job: Job, ok: boolean, value: unknown): void => {
  const trace = job.trace
  if (trace === undefined) return
  const end = now()
  const span = trace.tracer.span("Pool.task", Option.some(trace.parent), Context.empty(), [], job.sentAt ?? end, "internal")
  span.attribute("pool.items", job.size)
  if (job.worker !== undefined) span.attribute("pool.worker", job.worker.name)
  span.end(end, ok ? Exit.void : Exit.fail(value))
}
