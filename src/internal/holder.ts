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
import { isUnder } from "./router.ts"

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
  if (!entry.resources.has(handle.id)) {
    entry.resources.add(handle.id)
    const key = entry.key
    onContextEnd(context, () => {
      Effect.runFork(Effect.ignore(invoke(handle, "abandon", [key])))
    })
  }
  return entry.key
}

/** The holder a call from `node` with key `key` names, as owners count holders. */
export const holderOf = (node: string, key: string): string => `${node}|${key}`

/** The holders of one resource, numbered by its owner from 1 (0 means "nobody"): shared memory names them so. */
export class Holders {
  private readonly slots = new Map<string, number>()
  private readonly nodes: Array<string> = [""]

  /** How many numbers were given out (the highest). */
  get count(): number {
    return this.nodes.length - 1
  }

  /** The number of the holder a call from `node` with key `key` names, given out at its first call. */
  slotOf(key: string, node: string): number {
    const holder = holderOf(node, key)
    let slot = this.slots.get(holder)
    if (slot === undefined) {
      slot = this.nodes.length
      this.nodes.push(node)
      this.slots.set(holder, slot)
    }
    return slot
  }

  /** The numbers of the holders in `node` or below it (a node that ended). */
  under(node: string): ReadonlyArray<number> {
    const found: Array<number> = []
    for (let slot = 1; slot < this.nodes.length; slot++) if (isUnder(this.nodes[slot]!, node)) found.push(slot)
    return found
  }
}
