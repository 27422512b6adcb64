/**
 * What every Promise facade of a shared resource is built on (one wrapper for all of them):
 *
 * - A facade object IS a handle of its resource (it extends the wire `Handle`), so it goes wherever
 *   the Effect handle goes: in a task's arguments (the child receives the Effect handle; on the fiber
 *   backend the very object), in a queue item, or to the Effect API in the same program.
 * - Its methods run the Effect core through `run.ts` (rejections are our own error instances; an
 *   `AbortSignal` interrupts the call, which the core guarantees leaks nothing), as the process the
 *   object was made in: a fiber-backend child's objects act for that child (what it holds is given
 *   back when it ends), and all the calls of one process act for one owner of an RLock (Python's
 *   thread: a JavaScript process runs its promises on one thread).
 * - An object made by `create` owns its resource: a `Scope` of its own, closed by `dispose()` /
 *   `await using` (for a pipe, once both ends are disposed). An object made by `from(handle)` owns
 *   nothing: the resource lives as long as its owner's scope.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type { ProcessContext } from "../internal/context.ts"
import { CurrentContext } from "../internal/currentContext.ts"
import { Handle, isHandle } from "../internal/protocol/handle.ts"
import { CallerIdentity } from "../internal/resource.ts"
import { type AbortOptions, runPromise, runSync } from "./run.ts"

/**
 * A blocking call's options: `timeout` in milliseconds, and a signal that stops the wait.
 *
 * @since 0.1.0
 * @category models
 */
export interface TimeoutOptions extends AbortOptions {
  /** Milliseconds to wait at most. */
  readonly timeout?: number | undefined
}

/**
 * Python's `block`/`timeout`, plus a signal.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlockingOptions extends TimeoutOptions {
  /** Default `true`: wait. `false`: answer at once (the timeout is ignored). */
  readonly block?: boolean | undefined
}

/** Where a facade object comes from: the process it acts for, and its share of ownership, if any. */
export interface Origin {
  readonly context: ProcessContext | undefined
  readonly release: (() => Promise<void>) | undefined
}

/**
 * The fiber-backend child whose code is running now, if any. Only visible synchronously, at the start
 * of its task: facade objects capture it when made (`create`/`from` at the top of a task).
 */
const runningContext = (): ProcessContext | undefined =>
  Option.match(Fiber.getCurrentFiber(), {
    onNone: () => undefined,
    onSome: (fiber) => fiber.getFiberRef(CurrentContext)
  })

const identities = new WeakMap<ProcessContext, string>()
let nextIdentity = 1

/** One owner identity per process: the isolate's own, or a fiber-backend child's. */
const identityOf = (context: ProcessContext | undefined): string => {
  if (context === undefined) return "promise"
  let id = identities.get(context)
  if (id === undefined) identities.set(context, id = `promise-${nextIdentity++}`)
  return id
}

/** Runs `effect` as the process `context` (the isolate's own when undefined). */
const actingFor = <A, E>(effect: Effect.Effect<A, E>, context: ProcessContext | undefined): Effect.Effect<A, E> => {
  const owned = Effect.locally(effect, CallerIdentity, identityOf(context))
  return context === undefined ? owned : Effect.locally(owned, CurrentContext, context)
}

/**
 * The base of every facade object.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class SharedResource<Meta> extends Handle<Meta> implements AsyncDisposable {
  readonly #context: ProcessContext | undefined
  #release: (() => Promise<void>) | undefined

  constructor(handle: Handle<Meta>, origin: Origin) {
    super(handle.kind, handle.node, handle.rid, handle.meta)
    // one per-process state with the handle it wraps (e.g. a queue closed by this process)
    ;(this as { local: Handle["local"] }).local = handle.local
    this.#context = origin.context
    this.#release = origin.release
  }

  /** The origin of an object wrapping a handle this one holds (a Condition's lock): same process, no ownership. */
  protected get borrowed(): Origin {
    return { context: this.#context, release: undefined }
  }

  /** Runs an operation of the core as this object's process. */
  protected exec<A, E>(effect: Effect.Effect<A, E>, signal?: AbortSignal): Promise<A> {
    return runPromise(actingFor(effect, this.#context), signal)
  }

  /** Runs a synchronous operation of the core as this object's process. */
  protected execSync<A, E>(effect: Effect.Effect<A, E>): A {
    return runSync(actingFor(effect, this.#context))
  }

  /** What disposing does before ownership is given up (a queue, a connection: close it here). */
  protected onDispose(): Promise<void> {
    return Promise.resolve()
  }

  /** Ends this object's use of the resource; the resource itself too, when this object made it. */
  async dispose(): Promise<void> {
    await this.onDispose()
    const release = this.#release
    this.#release = undefined
    if (release !== undefined) await release()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose()
  }
}

/**
 * Makes resources in a scope of their own. `build` wraps them, calling `owned()` once per facade
 * object that shares the ownership: the scope closes once each of them has been disposed.
 */
export const create = <A, E, R>(
  make: Effect.Effect<A, E, Scope.Scope>,
  build: (value: A, owned: () => Origin) => R
): Promise<R> => {
  const context = runningContext() // now: after the first await it is gone
  const opened = Effect.flatMap(Scope.make(), (scope) =>
    make.pipe(
      Scope.extend(scope),
      Effect.onError(() => Scope.close(scope, Exit.void)),
      Effect.map((value) => ({ value, scope }))
    ))
  return runPromise(actingFor(opened, context)).then(({ scope, value }) => {
    let shares = 0
    const owned = (): Origin => {
      shares++
      let released = false
      return {
        context,
        release: () => {
          if (released) return Promise.resolve()
          released = true
          return --shares === 0 ? runPromise(Scope.close(scope, Exit.void)) : Promise.resolve()
        }
      }
    }
    return build(value, owned)
  })
}

/** The origin of an object wrapping a handle received from elsewhere: it owns nothing. */
export const wrapped = (): Origin => ({ context: runningContext(), release: undefined })

/** Checks a handle given to `from`: a `TypeError` when it is not one of `what`. */
export const expectHandle = <H>(u: unknown, is: (u: unknown) => u is H, what: string): H => {
  if (is(u)) return u
  throw new TypeError(`expected a ${what} handle, got ${isHandle(u) ? u.kind : typeof u}`)
}
