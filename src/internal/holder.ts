/**
 * Who holds a lock or a permit, as its owner counts holders: a process. A thread or process child is
 * a node of the tree, and its owner hears when that node ends; the fiber-backend children of a node
 * share its node, so each is told apart by a key, and when one ends its holdings are given back by a
 * call (`abandon`) from its own isolate.
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { onContextEnd, type ProcessContext } from "./context.ts"
import { CurrentContext } from "./currentContext.ts"
import type { Handle } from "./protocol/handle.ts"
import { invoke } from "./resource.ts"

const keys = new WeakMap<ProcessContext, { readonly key: string; readonly resources: Set<string> }>()
let nextKey = 1

/**
 * The key of the process the current fiber acts for within its node: "" for the isolate's own
 * process, another for each fiber-backend child. Using `handle` from a fiber-backend child arranges
 * for what the child holds there to be given back when it ends.
 */
export const holderKey = (handle: Handle<unknown>): Effect.Effect<string> =>
  Effect.map(FiberRef.get(CurrentContext), (context) => holderKeyOf(context, handle))

/** `holderKey` for the context a fiber runs in (its `CurrentContext`). */
export const holderKeyOf = (context: ProcessContext | undefined, handle: Handle<unknown>): string => {
  if (context === undefined) return ""
  let entry = keys.get(context)
  if (entry === undefined) {
    entry = { key: `f${nextKey++}`, resources: new Set<string>() }
    keys.set(context, entry)
  }
  const id = `${handle.node}/${handle.rid}`
  if (!entry.resources.has(id)) {
    entry.resources.add(id)
    const key = entry.key
    onContextEnd(context, () => {
      Effect.runFork(Effect.ignore(invoke(handle, "abandon", [key])))
    })
  }
  return entry.key
}

/** The holder a call from `node` with key `key` names, as owners count holders. */
export const holderOf = (node: string, key: string): string => `${node}|${key}`
