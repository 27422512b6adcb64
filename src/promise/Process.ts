/**
 * Python's `multiprocessing.Process` for plain TypeScript and JavaScript: objects with async methods,
 * no Effect types. It runs the Effect core (`../Process.ts`) underneath.
 *
 * ```ts
 * import { spawn, run, TaskError } from "effect-multiprocessing/promise"
 * await using p = await spawn(tasks.square, [7], { backend: "thread" })
 * console.log(await p.result(), p.exitCode) // 49 0
 * ```
 *
 * - Times are milliseconds (`join({ timeout: 1000 })`).
 * - Every blocking call takes `{ signal }`. Aborting `result` (or `run`) terminates the child, as
 *   interruption does in the Effect API; aborting `join` only stops waiting. Either rejects with
 *   `signal.reason` (a `DOMException` named `"AbortError"` by default), as `fetch` does.
 * - Rejections are the library's own error instances (`TaskError`, `SpawnError`, `ProcessExited`, the
 *   task's own `Schema.TaggedError` …), never a `FiberFailure` wrapper.
 * - `await using p = …` (or `await p.dispose()`) ends the process as Python does at exit: a daemonic
 *   child is terminated, another one is waited for. A process never disposed keeps the program alive
 *   only while it runs and only when it is not daemonic, as in Python.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type { BackendName } from "../Backend.ts"
import { ProcessStateError } from "../Errors.ts"
import { globalContext, nextChildName } from "../internal/context.ts"
import { nameCounted } from "../internal/process.ts"
import * as Core from "../Process.ts"
import type * as Task from "../Task.ts"
import { type AbortOptions, runPromise, runSync } from "./run.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default: `Process-<n>`, or `<parent name>:<n>` in a child. */
  readonly name?: string
  /** Default `false`, as in Python. A daemonic child is terminated on dispose and never keeps the program alive. */
  readonly daemon?: boolean
  /** `"process"` (default, or `EFFECT_MP_BACKEND`), `"thread"` or `"fiber"`. */
  readonly backend?: BackendName
  /** Milliseconds `terminate` waits after SIGTERM before it kills. Default 5000. */
  readonly gracePeriod?: number
}

/**
 * What `new Process(…)` takes (Python's `Process(target=…, args=…, name=…, daemon=…)`); `args` may be
 * left out when the task takes none.
 *
 * @since 0.1.0
 * @category models
 */
export type ProcessOptions<T extends Task.Target> =
  & Options
  & { readonly target: T }
  & ([] extends Task.Args<T> ? { readonly args?: Task.Args<T> } : { readonly args: Task.Args<T> })

/**
 * @since 0.1.0
 * @category models
 */
export interface JoinOptions extends AbortOptions {
  /** Milliseconds; when they pass, `join` resolves anyway (Python's `join(timeout)`). */
  readonly timeout?: number
}

/**
 * A child running a task whose result is `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Process<out A = unknown> {
  readonly name: string
  /** Settable until `start` (then it throws `ProcessStateError`). */
  daemon: boolean
  /** The OS process id once `start()` has resolved (threads and fibers: the pid they run in); `null` before. */
  readonly pid: number | null
  /** `null` until the process has ended; then `0`, the task's exit code, or minus the signal (`-15`, `-9`). */
  readonly exitCode: number | null
  /** Starts the child. Twice → `ProcessStateError`; a task the child cannot import → `SpawnError` … */
  start(): Promise<void>
  /** Waits for the end, or until `timeout` ms pass. Before `start` → `ProcessStateError`. */
  join(options?: JoinOptions): Promise<void>
  /** The task's value, or its error once the process has ended. Aborting terminates the child. */
  result(options?: AbortOptions): Promise<A>
  /** SIGTERM, then SIGKILL after the grace period; resolves once the child has ended. */
  terminate(): Promise<void>
  /** SIGKILL; resolves once the child has ended. */
  kill(): Promise<void>
  isAlive(): boolean
  /** Python's exit: terminate if daemonic, otherwise wait for the end. */
  dispose(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ProcessConstructor {
  new<T extends Task.Target>(options: ProcessOptions<T>): Process<Task.Success<T>>
  readonly prototype: Process
}

/**
 * What a process knows about itself (Python's `current_process()`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Current {
  readonly name: string
  readonly pid: number
  readonly ppid: number | null
  readonly daemon: boolean
  readonly backend: "main" | "process" | "thread" | "fiber"
}

interface Started<A> {
  readonly core: Core.Process<A, unknown>
  readonly scope: Scope.CloseableScope
}

const adopted = Symbol("effect-multiprocessing/promise/adopted")

/** Facade objects by core process, so that `activeChildren()` gives back the same objects. */
const facades = new WeakMap<Core.Process<unknown, unknown>, ProcessImpl<unknown>>()

const notStarted = (what: string) => new ProcessStateError({ message: `can only ${what} a started process` })

/** The name was counted when the facade object was constructed (as Python does); the core must not count it again. */
const coreOptions = (name: string, daemon: boolean, options: Options): Core.Options & { [nameCounted]: true } => ({
  name,
  [nameCounted]: true,
  daemon,
  ...(options.backend === undefined ? {} : { backend: options.backend }),
  ...(options.gracePeriod === undefined ? {} : { gracePeriod: options.gracePeriod })
})

/** A scope of its own, holding the core process: closing it is Python's exit for this child. */
const open = <A>(target: Task.Target, args: ReadonlyArray<unknown>, options: Core.Options) =>
  Effect.flatMap(Scope.make(), (scope) =>
    Core.spawn(target, args as never, options).pipe(
      Scope.extend(scope),
      Effect.onError(() => Scope.close(scope, Exit.void)),
      Effect.map((core): Started<A> => ({ core: core as Core.Process<A, unknown>, scope }))
    ))

class ProcessImpl<A> implements Process<A> {
  readonly name: string
  #daemon: boolean
  readonly #target: Task.Target
  readonly #args: ReadonlyArray<unknown>
  readonly #options: Options
  #started: Promise<Started<A>> | undefined
  #core: Core.Process<A, unknown> | undefined

  constructor(options: ProcessOptions<Task.Target> | { readonly [adopted]: Started<A> }) {
    if (adopted in options) {
      const { core } = options[adopted]
      this.name = Core.name(core)
      this.#daemon = Core.daemon(core)
      this.#target = () => undefined
      this.#args = []
      this.#options = {}
      this.#started = Promise.resolve(options[adopted])
      this.#core = core
      facades.set(core, this as ProcessImpl<unknown>)
      return
    }
    const { args, daemon, name, target, ...rest } = options as ProcessOptions<Task.Target> & {
      readonly args?: ReadonlyArray<unknown>
    }
    this.name = name ?? nextChildName(globalContext())
    this.#daemon = daemon ?? false
    this.#target = target
    this.#args = args ?? []
    this.#options = rest
  }

  get daemon(): boolean {
    return this.#daemon
  }
  set daemon(value: boolean) {
    if (this.#started !== undefined) throw new ProcessStateError({ message: "process has already started" })
    this.#daemon = value
  }
  get pid(): number | null {
    return this.#core === undefined ? null : Option.getOrNull(runSync(Core.pid(this.#core)))
  }
  get exitCode(): number | null {
    return this.#core === undefined ? null : Option.getOrNull(runSync(Core.exitCode(this.#core)))
  }
  isAlive(): boolean {
    return this.#core !== undefined && runSync(Core.isAlive(this.#core))
  }

  start(): Promise<void> {
    if (this.#started !== undefined) {
      return Promise.reject(new ProcessStateError({ message: "cannot start a process twice" }))
    }
    const started = runPromise(open<A>(this.#target, this.#args, coreOptions(this.name, this.#daemon, this.#options)))
    this.#started = started
    return started.then(
      (s) => {
        this.#core = s.core
        facades.set(s.core, this as ProcessImpl<unknown>)
      },
      (error) => {
        this.#started = undefined // Python: a process whose start failed may be started again
        throw error
      }
    )
  }

  /** The core process once started; `what` names the call in the `ProcessStateError` otherwise. */
  #whenStarted(what: string): Promise<Started<A>> {
    const started = this.#started
    return started === undefined ? Promise.reject(notStarted(what)) : started.catch(() => Promise.reject(notStarted(what)))
  }

  join(options?: JoinOptions): Promise<void> {
    const timeout = options?.timeout
    return this.#whenStarted("join").then(({ core }) =>
      runPromise(Core.join(core, timeout === undefined ? {} : { timeout }), options?.signal)
    )
  }
  result(options?: AbortOptions): Promise<A> {
    const signal = options?.signal
    return this.#whenStarted("get the result of").then(({ core }) => {
      // aborted before the wait began (even in the same tick as this call): terminate all the same
      if (signal?.aborted) return runPromise(Core.terminate(core)).then(() => Promise.reject(signal.reason))
      return runPromise(Core.result(core), signal)
    })
  }
  terminate(): Promise<void> {
    return this.#ifStarted(({ core }) => Core.terminate(core))
  }
  kill(): Promise<void> {
    return this.#ifStarted(({ core }) => Core.kill(core))
  }
  dispose(): Promise<void> {
    return this.#ifStarted(({ scope }) => Scope.close(scope, Exit.void))
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose()
  }
  /** Runs `f` on a started process; nothing to do for one never (or not successfully) started. */
  #ifStarted(f: (started: Started<A>) => Effect.Effect<void>): Promise<void> {
    const started = this.#started
    return started === undefined ? Promise.resolve() : started.then((s) => runPromise(f(s)), () => undefined)
  }
  toString(): string {
    return this.#core === undefined ? `<Process name='${this.name}' initial>` : String(this.#core)
  }
}

/**
 * Python's `Process(target=…, args=…)`: `new Process({ target: tasks.square, args: [7] })`, then
 * `await p.start()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Process: ProcessConstructor = ProcessImpl as never

/**
 * Starts a process: `await spawn(tasks.square, [7], { backend: "thread" })`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawn = async <T extends Task.Target>(
  target: T,
  args: Task.Args<T>,
  options?: Options
): Promise<Process<Task.Success<T>>> => {
  const p = new Process<T>({ ...options, target, args } as ProcessOptions<T>)
  await p.start()
  return p
}

/**
 * Runs a task in a child and gives its result (`spawn`, `result`, dispose). Aborting terminates the
 * child.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = <T extends Task.Target>(
  target: T,
  args: Task.Args<T>,
  options?: Options & AbortOptions
): Promise<Task.Success<T>> => {
  const { signal, ...rest } = options ?? {}
  return runPromise(Core.run(target, args, rest), signal)
}

/**
 * This process: `MainProcess` in the main isolate; in a child its own name, pid, parent pid, daemon flag.
 *
 * @since 0.1.0
 * @category getters
 */
export const current = (): Current => {
  const c = runSync(Core.current)
  return { ...c, ppid: Option.getOrNull(c.ppid) }
}

/**
 * The children of this isolate that are still running (the same objects `spawn` gave). A child started
 * with the Effect API comes wrapped; it stays owned by its Effect scope (disposing the wrapper does
 * nothing).
 *
 * @since 0.1.0
 * @category getters
 */
export const activeChildren = (): ReadonlyArray<Process> =>
  runSync(Core.activeChildren).map((core) =>
    facades.get(core) ??
      new ProcessImpl<unknown>({ [adopted]: { core, scope: runSync(Scope.make()) } })
  )

/**
 * The number of CPUs this process may use.
 *
 * @since 0.1.0
 * @category getters
 */
export const cpuCount = (): number => runSync(Core.cpuCount)
