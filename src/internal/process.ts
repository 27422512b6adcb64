import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Scope from "effect/Scope"
import type { BackendName, ChildHandle } from "../Backend.ts"
import * as Backend from "../Backend.ts"
import { DaemonError, ProcessExited, ProcessStateError, SerializationError, SpawnError, TaskError } from "../Errors.ts"
import type * as Process from "../Process.ts"
import type * as Task from "../Task.ts"
import { type LiveChild, liveChildren } from "./children.ts"
import { nextChildName } from "./context.ts"
import { currentContext } from "./currentContext.ts"
import { decodeError } from "./decodeError.ts"
import type { ChildMessage, RunMessage, TaskRef } from "./protocol/messages.ts"
import { decodeHandles, encodeHandles } from "./protocol/handle.ts"
import { findUnsendable } from "./protocol/sendable.ts"
import { isRpcMessage, makeLink, router } from "./router.ts"
import { cpuCount as runtimeCpuCount, entryModuleUrl, signalExitCode } from "./runtime.ts"
import { isTask, resolveTask } from "./task.ts"

export const TypeId: unique symbol = Symbol.for("effect-multiprocessing/Process") as never

type Signal = "SIGTERM" | "SIGKILL"

const defaultGracePeriod = Duration.seconds(5)

interface ProcessSpec {
  readonly task: TaskRef
  readonly fn: ((...args: ReadonlyArray<any>) => unknown) | undefined
  readonly args: ReadonlyArray<unknown>
  readonly namespace: Record<string, unknown> | undefined
  readonly gracePeriod: Duration.Duration
}

class ProcessImpl<A, E> implements Process.Process<A, E> {
  readonly [TypeId]: typeof TypeId = TypeId
  state: "initial" | "started" = "initial"
  handle: ChildHandle | undefined
  sent: Signal | undefined
  code: number | undefined
  signal: string | null = null
  final: (ChildMessage & { readonly raw?: unknown }) | undefined
  outcome: Exit.Exit<A, E | TaskError | ProcessExited | SerializationError | SpawnError> | undefined
  waiters = 0
  readonly exited = Deferred.unsafeMake<void>(FiberId.none)
  readonly name: string
  daemon: boolean
  readonly backend: BackendName
  readonly spec: ProcessSpec
  constructor(name: string, daemon: boolean, backend: BackendName, spec: ProcessSpec) {
    this.name = name
    this.daemon = daemon
    this.backend = backend
    this.spec = spec
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString(): string {
    const state = this.state === "initial" ? "initial" : this.code === undefined ? "started" : `stopped exitcode=${this.code}`
    return `<Process name='${this.name}' backend=${this.backend} ${state}${this.daemon ? " daemon" : ""}>`
  }
}

export const isProcess = (u: unknown): u is Process.Process<unknown, unknown> =>
  typeof u === "object" && u !== null && TypeId in u

const impl = <A, E>(self: Process.Process<A, E>): ProcessImpl<A, E> => self as ProcessImpl<A, E>

// ---------------------------------------------------------------------------------------------------
// Targets: a task the child can import, or (fiber backend) any function
// ---------------------------------------------------------------------------------------------------

const verified = new Map<string, Record<string, unknown>>()

export const resolveTarget = (
  target: Task.Target,
  backend: BackendName
): Effect.Effect<
  { ref: TaskRef; fn: (...args: ReadonlyArray<any>) => unknown; namespace: Record<string, unknown> | undefined },
  SpawnError
> => {
  if (isTask(target)) {
    const ref = { module: target.module, key: target.key }
    if (backend === "fiber") return Effect.succeed({ ref, fn: target.fn, namespace: undefined })
    const cacheKey = `${ref.module}#${ref.key}`
    const cached = verified.get(cacheKey)
    if (cached !== undefined) return Effect.succeed({ ref, fn: target.fn, namespace: cached })
    // The entry module may still be in its top-level await (a main that spawns): importing it here would
    // wait for ourselves. The child checks it instead, and reports a missing task as a SpawnError.
    if (ref.module === entryModuleUrl()) return Effect.succeed({ ref, fn: target.fn, namespace: undefined })
    return Effect.tryPromise({
      try: () => import(ref.module) as Promise<Record<string, unknown>>,
      catch: (cause) =>
        new SpawnError({ message: `the module of task "${ref.key}" cannot be imported: ${ref.module}`, cause })
    }).pipe(
      Effect.filterOrFail(
        (namespace) => resolveTask(namespace, ref) === target.fn,
        () =>
          new SpawnError({
            message: `task "${ref.key}" cannot be found by a child: ${ref.module} does not export it. ` +
              `Export the value of Task.module(import.meta.url, { ${ref.key}, … }) from that module.`
          })
      ),
      Effect.tap((namespace) => verified.set(cacheKey, namespace)),
      Effect.map((namespace) => ({ ref, fn: target.fn, namespace }))
    )
  }
  if (typeof target === "function") {
    const fn = target as (...args: ReadonlyArray<any>) => unknown
    return backend === "fiber"
      ? Effect.succeed({ ref: { module: "", key: fn.name || "<anonymous>" }, fn, namespace: undefined })
      : Effect.fail(
        new SpawnError({
          message: `an inline function (${fn.name || "anonymous"}) cannot run on the ${backend} backend: ` +
            `a child finds its code by module URL. Declare it with ` +
            `\`export const tasks = Task.module(import.meta.url, { ${fn.name || "task"} })\`, ` +
            `or use the "fiber" backend.`
        })
      )
  }
  return Effect.fail(new SpawnError({ message: `not a task or a function: ${String(target)}` }))
}

// ---------------------------------------------------------------------------------------------------
// Scope: Python's exit — terminate daemonic children, then join the others
// ---------------------------------------------------------------------------------------------------

const scopeChildren = new WeakMap<Scope.Scope, Set<ProcessImpl<unknown, unknown>>>()

const registerInScope = (scope: Scope.Scope, p: ProcessImpl<unknown, unknown>): Effect.Effect<void> => {
  const existing = scopeChildren.get(scope)
  if (existing !== undefined) {
    existing.add(p)
    return Effect.void
  }
  const children = new Set([p])
  scopeChildren.set(scope, children)
  return Scope.addFinalizer(
    scope,
    Effect.suspend(() => {
      const started = [...children].filter((c) => c.state === "started")
      return Effect.zipRight(
        Effect.forEach(started.filter((c) => c.daemon), terminate, { concurrency: "unbounded", discard: true }),
        Effect.forEach(started.filter((c) => !c.daemon), (c) => awaitExit(c), {
          concurrency: "unbounded",
          discard: true
        })
      )
    })
  )
}

// ---------------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------------

/** An option key for callers that have counted the child's name already (`nextChildName`) themselves. */
export const nameCounted: unique symbol = Symbol.for("effect-multiprocessing/nameCounted") as never

export const make = <T extends Task.Target>(
  target: T,
  args: Task.Args<T>,
  options?: Process.Options
): Effect.Effect<
  Process.Process<Task.Success<T>, Task.Failure<T>>,
  SpawnError | SerializationError,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const parent = yield* currentContext
    const backend = options?.backend ?? (yield* Backend.ProcessBackend)
    const { fn, namespace, ref } = yield* resolveTarget(target, backend)
    const given = (args ?? []) as ReadonlyArray<unknown>
    // Shared resources in the arguments travel as handles (the fiber backend shares the values themselves).
    const argv = backend === "fiber" ? given : encodeHandles(given) as ReadonlyArray<unknown>
    if (backend !== "fiber") {
      const unsendable = findUnsendable(argv, "args")
      if (unsendable !== undefined) {
        return yield* new SerializationError({
          message: `cannot send to a ${backend}: ${unsendable}`,
          path: unsendable.split(" ")[0]!
        })
      }
    }
    // Python counts every child its creator makes, named or not: the next default name skips this one
    // (unless the caller has counted it already, as the Promise facade does when it constructs a Process).
    const counted = options?.name !== undefined && (options as { [nameCounted]?: boolean })[nameCounted] === true
    const defaultName = counted ? undefined : nextChildName(parent)
    const p = new ProcessImpl<Task.Success<T>, Task.Failure<T>>(
      options?.name ?? defaultName!,
      options?.daemon ?? false,
      backend,
      {
        task: ref,
        fn,
        args: argv,
        namespace,
        gracePeriod: options?.gracePeriod === undefined ? defaultGracePeriod : Duration.decode(options.gracePeriod)
      }
    )
    yield* registerInScope(yield* Effect.scope, p as ProcessImpl<unknown, unknown>)
    return p
  })

const active = new Set<ProcessImpl<unknown, unknown>>()

export const start = <A, E>(self: Process.Process<A, E>): Effect.Effect<void, ProcessStateError | DaemonError | SpawnError> =>
  Effect.flatMap(currentContext, (parent) =>
    Effect.suspend((): Effect.Effect<void, ProcessStateError | DaemonError | SpawnError> => {
      const p = impl(self)
      if (p.state !== "initial") {
        return Effect.fail(new ProcessStateError({ message: "cannot start a process twice" }))
      }
      if (parent.daemon) {
        return Effect.fail(new DaemonError({ message: "daemonic processes are not allowed to have children" }))
      }
      const r = router()
      const node = p.backend === "fiber" ? r.node : r.nextChild()
      const run: RunMessage = {
        _: "run",
        task: p.spec.task,
        args: p.spec.args,
        info: {
          name: p.name,
          daemon: p.daemon,
          ppid: parent.pid,
          backend: p.backend === "thread" ? "thread" : "process",
          node
        }
      }
      let handle: ChildHandle
      try {
        handle = Backend.get(p.backend).spawn({ run, fn: p.spec.fn })
      } catch (error) {
        return Effect.fail(
          error instanceof SpawnError ? error : new SpawnError({ message: String(error), cause: error })
        )
      }
      p.state = "started"
      p.handle = handle
      watch(p as ProcessImpl<unknown, unknown>, handle, node)
      if (p.daemon) handle.unref()
      return Effect.void
    }))

let exitHook = false

/**
 * Python's exit handler: when the program ends (its event loop is empty, `process.exit`, an uncaught
 * error), its daemonic children are terminated. A busy OS child would not notice the closed channel and
 * would outlive its parent; non-daemonic children have kept the program alive until they ended.
 */
const terminateDaemonsAtExit = (): void => {
  if (exitHook) return
  exitHook = true
  process.once("exit", () => {
    for (const child of liveChildren()) if (child.daemon) child.terminate()
  })
}

const watch = (p: ProcessImpl<unknown, unknown>, handle: ChildHandle, node: string): void => {
  active.add(p)
  const r = router()
  const link = p.backend === "fiber" ? undefined : makeLink((message) => handle.send(message))
  if (link !== undefined) r.children.set(node, link)
  let settle!: () => void
  const live: LiveChild = {
    daemon: p.daemon,
    exited: new Promise<void>((resolve) => (settle = resolve)),
    terminate: () => {
      p.sent ??= "SIGTERM"
      handle.terminate()
    }
  }
  liveChildren().add(live)
  terminateDaemonsAtExit()
  handle.onMessage((message) => {
    if (isRpcMessage(message)) r.receive(message, link)
    else if (message._ === "result" || message._ === "failed") p.final = message
  })
  handle.onExit((exit) => {
    p.code = p.sent !== undefined && (p.backend === "process" ? exit.signal !== null : p.final === undefined)
      ? signalExitCode(p.sent)
      : exit.code ?? (exit.signal === null ? 1 : signalExitCode(exit.signal))
    p.signal = exit.signal ?? (p.code < 0 ? (p.sent ?? null) : null)
    p.outcome = outcomeOf(p)
    if (link !== undefined) r.nodeGone(node, link)
    active.delete(p)
    liveChildren().delete(live)
    settle()
    Deferred.unsafeDone(p.exited, Exit.void)
  })
}

const outcomeOf = (p: ProcessImpl<unknown, unknown>): Exit.Exit<unknown, unknown> => {
  const final = p.final
  if (final?._ === "result") return Exit.succeed(p.backend === "fiber" ? final.value : decodeHandles(final.value))
  if (final?._ === "failed") {
    if (final.raw !== undefined && final.kind === "fail") return Exit.fail(final.raw)
    return Exit.fail(decodeError(final.error, p.spec.namespace))
  }
  return Exit.fail(
    new ProcessExited({
      process: p.name,
      exitCode: p.code!,
      signal: p.signal,
      ...(p.handle?.pid === undefined ? {} : { pid: p.handle.pid })
    })
  )
}

export const spawn = <T extends Task.Target>(
  target: T,
  args: Task.Args<T>,
  options?: Process.Options
): Effect.Effect<
  Process.Process<Task.Success<T>, Task.Failure<T>>,
  SpawnError | SerializationError | DaemonError,
  Scope.Scope
> =>
  Effect.tap(make(target, args, options), (p) =>
    Effect.catchTag(start(p), "ProcessStateError", (e) => Effect.die(e)))

// ---------------------------------------------------------------------------------------------------
// Waiting
// ---------------------------------------------------------------------------------------------------

/** Waits for the child's end; while anybody waits, even a daemon child keeps the event loop alive. */
const awaitExit = <A, E>(p: ProcessImpl<A, E>): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (p.code !== undefined || p.handle === undefined) return Deferred.await(p.exited)
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        if (p.waiters++ === 0) p.handle!.ref()
      }),
      () => Deferred.await(p.exited),
      () =>
        Effect.sync(() => {
          if (--p.waiters === 0 && p.daemon) p.handle!.unref()
        })
    )
  })

const notStarted = (what: string) => new ProcessStateError({ message: `can only ${what} a started process` })

export const join: {
  (options?: { readonly timeout?: Duration.DurationInput }): <A, E>(
    self: Process.Process<A, E>
  ) => Effect.Effect<void, ProcessStateError>
  <A, E>(
    self: Process.Process<A, E>,
    options?: { readonly timeout?: Duration.DurationInput }
  ): Effect.Effect<void, ProcessStateError>
} = dual(
  (args) => isProcess(args[0]),
  <A, E>(self: Process.Process<A, E>, options?: { readonly timeout?: Duration.DurationInput }) =>
    Effect.suspend(() => {
      const p = impl(self)
      if (p.state === "initial") return Effect.fail(notStarted("join"))
      const wait = awaitExit(p)
      return options?.timeout === undefined ? wait : Effect.asVoid(Effect.timeoutOption(wait, options.timeout))
    })
)

export const result = <A, E>(
  self: Process.Process<A, E>
): Effect.Effect<A, E | TaskError | ProcessExited | SerializationError | SpawnError | ProcessStateError> =>
  Effect.suspend((): Effect.Effect<A, E | TaskError | ProcessExited | SerializationError | SpawnError | ProcessStateError> => {
    const p = impl(self)
    if (p.state === "initial") return Effect.fail(notStarted("get the result of"))
    return awaitExit(p).pipe(
      Effect.onInterrupt(() => terminate(p)),
      Effect.flatMap(() => p.outcome!)
    )
  })

export const run = <T extends Task.Target>(
  target: T,
  args: Task.Args<T>,
  options?: Process.Options
): Effect.Effect<
  Task.Success<T>,
  Task.Failure<T> | TaskError | ProcessExited | SerializationError | SpawnError | DaemonError
> =>
  Effect.scoped(
    Effect.flatMap(spawn(target, args, options), (p) =>
      Effect.catchTag(result(p), "ProcessStateError", (e) => Effect.die(e)))
  ) as never

// ---------------------------------------------------------------------------------------------------
// Ending a child
// ---------------------------------------------------------------------------------------------------

const signal = (p: ProcessImpl<unknown, unknown>, s: Signal): void => {
  if (p.handle === undefined || p.code !== undefined) return
  if (p.sent !== "SIGKILL") p.sent = s
  if (s === "SIGTERM") p.handle.terminate()
  else p.handle.kill()
}

export const terminate = <A, E>(self: Process.Process<A, E>): Effect.Effect<void> =>
  Effect.suspend(() => {
    const p = impl(self) as ProcessImpl<unknown, unknown>
    if (p.handle === undefined || p.code !== undefined) return Effect.void
    signal(p, "SIGTERM")
    return Deferred.await(p.exited).pipe(
      Effect.timeoutOption(p.spec.gracePeriod),
      Effect.flatMap(Option.match({
        onSome: () => Effect.void,
        onNone: () => Effect.zipRight(Effect.sync(() => signal(p, "SIGKILL")), Deferred.await(p.exited))
      })),
      Effect.uninterruptible
    )
  })

export const kill = <A, E>(self: Process.Process<A, E>): Effect.Effect<void> =>
  Effect.suspend(() => {
    const p = impl(self) as ProcessImpl<unknown, unknown>
    if (p.handle === undefined || p.code !== undefined) return Effect.void
    signal(p, "SIGKILL")
    return Effect.uninterruptible(Deferred.await(p.exited))
  })

// ---------------------------------------------------------------------------------------------------
// Getters
// ---------------------------------------------------------------------------------------------------

export const isAlive = <A, E>(self: Process.Process<A, E>): Effect.Effect<boolean> =>
  Effect.sync(() => impl(self).state === "started" && impl(self).code === undefined)

export const exitCode = <A, E>(self: Process.Process<A, E>): Effect.Effect<Option.Option<number>> =>
  Effect.sync(() => Option.fromNullable(impl(self).code))

export const pid = <A, E>(self: Process.Process<A, E>): Effect.Effect<Option.Option<number>> =>
  Effect.sync(() => Option.fromNullable(impl(self).handle?.pid))

export const name = <A, E>(self: Process.Process<A, E>): string => impl(self).name

export const daemon = <A, E>(self: Process.Process<A, E>): boolean => impl(self).daemon

export const setDaemon: {
  (daemonic: boolean): <A, E>(self: Process.Process<A, E>) => Effect.Effect<void, ProcessStateError>
  <A, E>(self: Process.Process<A, E>, daemonic: boolean): Effect.Effect<void, ProcessStateError>
} = dual(2, <A, E>(self: Process.Process<A, E>, daemonic: boolean) =>
  Effect.suspend(() => {
    const p = impl(self)
    if (p.state !== "initial") return Effect.fail(new ProcessStateError({ message: "process has already started" }))
    p.daemon = daemonic
    return Effect.void
  }))

export const current: Effect.Effect<Process.Current> = Effect.map(currentContext, (context) => ({
  name: context.name,
  pid: context.pid,
  ppid: Option.fromNullable(context.ppid),
  daemon: context.daemon,
  backend: context.backend
}))

export const activeChildren: Effect.Effect<ReadonlyArray<Process.Process<unknown, unknown>>> = Effect.sync(() => [
  ...active
])

export const cpuCount: Effect.Effect<number> = Effect.sync(runtimeCpuCount)
