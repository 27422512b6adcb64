/**
 * What the Pool examples share: the backend of their pools, Python's `range`, and how they print a
 * duration.
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import type { BackendName } from "../../src/Backend.ts"

/**
 * `EFFECT_MP_BACKEND` if set (`process`, `thread` or `fiber`), else the pool's own default: worker
 * threads. (`Process` defaults to OS processes, `Pool` to threads: a pool's workers are started once,
 * so what it saves is copies, not start-ups.)
 */
export const poolBackend: Config.Config<BackendName> = Config.literal("process", "thread", "fiber")(
  "EFFECT_MP_BACKEND"
).pipe(Config.withDefault("thread" as const))

/** `[0, 1, …, n - 1]`. */
export const range = (n: number): Array<number> => Array.from({ length: n }, (_, i) => i)

/** `2.05 s`. */
export const seconds = (duration: Duration.Duration): string => `${(Duration.toMillis(duration) / 1000).toFixed(2)} s`
