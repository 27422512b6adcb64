/**
 * A pool's options, checked as Python checks them (the same messages), with this library's defaults.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { BackendName, ResourceLimits } from "../../Backend.ts"
import { ValueError } from "../../Errors.ts"
import { isBackend } from "../../Backend.ts"
import { cpuCount, runtime } from "../runtime.ts"

export interface RawOptions {
  readonly processes?: number | undefined
  readonly backend?: BackendName | undefined
  readonly maxtasksperchild?: number | undefined
  readonly maxQueue?: number | undefined
  readonly restart?: Schedule.Schedule<unknown, unknown> | undefined
  readonly interruptGracePeriod?: Duration.DurationInput | undefined
  readonly terminateGracePeriod?: Duration.DurationInput | undefined
  readonly spans?: boolean | undefined
  readonly resourceLimits?: ResourceLimits | undefined
}

export interface Checked {
  readonly processes: number
  readonly backend: BackendName
  readonly maxtasksperchild: number | undefined
  readonly maxQueue: number
  readonly restart: Schedule.Schedule<unknown, unknown>
  readonly interruptGraceMs: number
  readonly terminateGraceMs: number
  readonly spans: boolean
  readonly resourceLimits: ResourceLimits | undefined
}

const isPositiveInt = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1

/**
 * Workers that die before their first task are restarted after 10, 20, 40, 80 and 160 ms; the sixth
 * such death in a row breaks the pool (about a second with start-up times included).
 */
export const defaultRestart: Schedule.Schedule<unknown, unknown> = Schedule.exponential("10 millis").pipe(
  Schedule.intersect(Schedule.recurs(5))
)

/**
 * Why this runtime cannot keep a worker of `backend` within memory limits, if it cannot: Bun ignores
 * them, and Deno ends a thread that runs out while it runs a task without telling anyone (the pool
 * would wait for it forever).
 */
const limitsUnsupported = (backend: BackendName): string | undefined => {
  if (runtime === "bun") return "Bun does not enforce memory limits on workers"
  if (runtime === "deno" && backend === "thread") {
    return "Deno does not report a worker thread that runs out of memory; use the \"process\" backend"
  }
  return undefined
}

export const check = (options: RawOptions | undefined, defaultBackend: BackendName): Effect.Effect<Checked, ValueError> =>
  Effect.suspend(() => {
    const o = options ?? {}
    const fail = (message: string) => Effect.fail(new ValueError({ message }))
    if (o.processes !== undefined && !isPositiveInt(o.processes)) {
      return fail(`Number of processes must be at least 1 (got ${String(o.processes)})`)
    }
    if (o.maxtasksperchild !== undefined && !isPositiveInt(o.maxtasksperchild)) {
      return fail(`maxtasksperchild must be a positive int or None (got ${String(o.maxtasksperchild)})`)
    }
    if (o.maxQueue !== undefined && !isPositiveInt(o.maxQueue)) {
      return fail(`maxQueue must be a positive int (got ${String(o.maxQueue)})`)
    }
    if (o.backend !== undefined && !isBackend(o.backend)) {
      return fail(`backend must be "thread", "process" or "fiber" (got ${String(o.backend)})`)
    }
    const badLimit = Object.entries(o.resourceLimits ?? {}).find(([, v]) => !(typeof v === "number" && v > 0))
    if (badLimit !== undefined) {
      return fail(`resourceLimits.${badLimit[0]} must be a positive number (got ${String(badLimit[1])})`)
    }
    const backend = o.backend ?? defaultBackend
    if (o.resourceLimits !== undefined && backend !== "fiber") {
      const unsupported = limitsUnsupported(backend)
      if (unsupported !== undefined) return fail(`resourceLimits: ${unsupported}`)
    }
    return Effect.succeed({
      processes: o.processes ?? cpuCount(),
      backend,
      maxtasksperchild: o.maxtasksperchild,
      maxQueue: o.maxQueue ?? Infinity,
      restart: o.restart ?? defaultRestart,
      interruptGraceMs: Duration.toMillis(o.interruptGracePeriod ?? Duration.millis(100)),
      terminateGraceMs: Duration.toMillis(o.terminateGracePeriod ?? Duration.seconds(1)),
      spans: o.spans ?? false,
      resourceLimits: o.resourceLimits
    })
  })

/** Python's `chunksize` check for `map`/`imap`. */
export const checkChunksize = (chunksize: number | undefined): Effect.Effect<void, ValueError> =>
  chunksize === undefined || isPositiveInt(chunksize)
    ? Effect.void
    : Effect.fail(new ValueError({ message: `Chunksize must be 1+, not ${String(chunksize)}` }))

/** Python's default for `map`: about four chunks per worker. */
export const defaultChunksize = (items: number, processes: number): number => {
  if (items === 0) return 1
  const per = processes * 4
  return Math.floor(items / per) + (items % per === 0 ? 0 : 1)
}
