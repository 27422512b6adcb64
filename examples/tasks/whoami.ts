/**
 * What every example's child prints about itself, as Python's examples print `os.getpid()` and
 * `os.getppid()`: `Process-1 pid=4242 ppid=4200`.
 *
 * The task modules import `effect/Effect` and the library's own modules (in a package:
 * `effect-multiprocessing/Process`, `effect-multiprocessing/Task`) rather than the `effect` and
 * `effect-multiprocessing` barrels: a child imports its task's module before anything else, and the
 * less that module loads, the sooner the child starts.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Process from "../../src/Process.ts"

export const whoAmI: Effect.Effect<string> = Effect.map(
  Process.current,
  (me) => `${me.name} pid=${me.pid} ppid=${Option.getOrElse(me.ppid, () => "none")}`
)

/** Prints `<who am I>: <text>`. */
export const say = (text: string): Effect.Effect<void> =>
  Effect.flatMap(whoAmI, (me) => Effect.sync(() => console.log(`${me}: ${text}`)))
