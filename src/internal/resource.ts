/**
 * Shared resources on top of the router: the owner serves a set of operations (Effects), and a handle
 * anywhere invokes them. In the owner's isolate an operation is the Effect itself (no message, no copy);
 * elsewhere it is a routed call whose interruption cancels it at the owner, and whose late result is
 * undone (a `get` that lost its caller puts the item back), so that nothing is lost.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ResourceClosed } from "../Errors.ts"
import { decodeError } from "./decodeError.ts"
import { Handle } from "./protocol/handle.ts"
import type { EncodedError } from "./protocol/errors.ts"
import { type Caller, router } from "./router.ts"

export type Operation = (args: any, caller: Caller) => Effect.Effect<unknown, unknown>

export interface Definition {
  readonly kind: string
  readonly operations: Readonly<Record<string, Operation>>
  /** Give back what a dead node held (lock ownership, semaphore permits, …). */
  readonly nodeGone?: (node: string) => void
  /** Runs when the owner's scope closes, before the resource stops answering. */
  readonly close?: Effect.Effect<void>
}

const localOperations = new Map<number, Readonly<Record<string, Operation>>>()

/**
 * Who a call acts for when not its own fiber: the Promise facade runs each call in a fresh fiber, yet
 * all the calls of one process act for one owner (of an RLock, of a Condition's lock).
 */
export const CallerIdentity: FiberRef.FiberRef<string | undefined> = globalValue(
  Symbol.for("effect-multiprocessing/CallerIdentity"),
  () => FiberRef.unsafeMake<string | undefined>(undefined)
)

export const callerOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Caller => {
  const node = router().node
  return { node, id: `${node}:${fiber.getFiberRef(CallerIdentity) ?? FiberId.threadName(fiber.id())}` }
}

/** Serves a resource for the life of the current scope; its handle works in any isolate. */
export const serve = <Meta>(definition: Definition, meta: Meta): Effect.Effect<Handle<Meta>, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const r = router()
      const rid = r.serve({
        kind: definition.kind,
        invoke: (op, args, caller, done) => {
          const operation = definition.operations[op]
          if (operation === undefined) {
            done(false, new ResourceClosed({ message: `${definition.kind} has no operation ${op}` }))
            return (settled) => settled()
          }
          let cancelled = false
          const fiber = Effect.runFork(operation(args, caller))
          fiber.addObserver((exit) => {
            if (Exit.isSuccess(exit)) done(true, exit.value)
            else if (!Cause.isInterruptedOnly(exit.cause)) done(false, failureOf(exit.cause))
            else if (!cancelled) done(false, new ResourceClosed({ message: `${definition.kind} is closed` }))
          })
          return (settled) => {
            cancelled = true
            fiber.addObserver(settled)
            Effect.runFork(Fiber.interrupt(fiber))
          }
        },
        nodeGone: (node) => definition.nodeGone?.(node)
      })
      localOperations.set(rid, definition.operations)
      return new Handle(definition.kind, r.node, rid, meta)
    }),
    (handle) =>
      Effect.zipRight(
        definition.close ?? Effect.void,
        Effect.sync(() => {
          router().unserve(handle.rid)
          localOperations.delete(handle.rid)
        })
      )
  )

const failureOf = (cause: Cause.Cause<unknown>): unknown =>
  Option.getOrElse(Cause.failureOption(cause), () => Cause.squash(cause))

/**
 * Invokes `op` without waiting for its outcome where it runs remotely (in the owner's isolate it runs
 * as usual). For operations that cannot fail but for a closed resource, like a `put` on an unbounded
 * queue: Python's `put` also returns before the item reaches the queue.
 */
export const cast = (handle: Handle<unknown>, op: string, args: ReadonlyArray<unknown>): Effect.Effect<void, unknown> =>
  handle.node === router().node
    ? Effect.asVoid(invoke(handle, op, args))
    : Effect.withFiberRuntime((fiber) =>
      Effect.sync(() => router().cast(handle.node, handle.rid, op, args, callerOf(fiber).id))
    )

/**
 * Invokes `op` on the resource a handle names. `undo` names the operation that gives back a value
 * that arrived after the caller was interrupted.
 */
export const invoke = <A, E>(
  handle: Handle<unknown>,
  op: string,
  args: ReadonlyArray<unknown>,
  undo?: string
): Effect.Effect<A, E | ResourceClosed> =>
  Effect.withFiberRuntime<A, E | ResourceClosed>((fiber) => {
    const r = router()
    if (handle.node === r.node) {
      const operations = localOperations.get(handle.rid)
      if (operations === undefined) {
        return Effect.fail(new ResourceClosed({ message: `${handle.kind} is closed: its owner's scope has ended` }))
      }
      return operations[op]!(args, callerOf(fiber)) as Effect.Effect<A, E>
    }
    const caller = callerOf(fiber).id
    // A value that arrived but was never delivered: the fiber was interrupted after the reply resumed
    // it and before it ran on (two replies read in one go). It is undone like a late one.
    let arrived: { readonly value: unknown } | undefined
    const call = Effect.async<A, E | ResourceClosed>((resume) => {
      const cid = r.call(handle.node, handle.rid, op, args, caller, (ok, value) => {
        if (ok) arrived = { value }
        resume(ok ? Effect.succeed(value as A) : Effect.fail(decodeError(value as EncodedError, undefined) as E))
      }, undo)
      return Effect.sync(() => r.cancel(cid))
    })
    if (undo === undefined) return call
    return Effect.onInterrupt(call, () =>
      Effect.sync(() => {
        if (arrived !== undefined) r.call(handle.node, handle.rid, undo, [arrived.value], `${r.node}:undo`, () => {})
      }))
  })
