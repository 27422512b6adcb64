/**
 * Handles of shared resources (queues, pipes, locks, …) and how they cross the wire.
 *
 * A handle names a resource by the node (isolate) that owns it and a resource id there. It is plain
 * data, so a handle found in a task's arguments, a queue item or a result travels as a small
 * descriptor and becomes a working handle again on the other side: every operation on it is a call to
 * the owner, wherever the handle is. Effect-free: the child bootstrap revives handles before Effect loads.
 */

export const HandleTypeId: unique symbol = Symbol.for("effect-multiprocessing/Handle") as never

/** The key under which a descriptor travels (a string: symbols do not survive structured clone). */
const descriptorKey = "__effectMultiprocessingHandle"

export class Handle<Meta = unknown> {
  readonly [HandleTypeId]: typeof HandleTypeId = HandleTypeId
  readonly kind: string
  readonly node: string
  readonly rid: number
  readonly meta: Meta
  /** `node/rid`: the resource's name in this isolate's maps (one string, not one made per lookup). */
  readonly id: string
  /** State of this handle in this isolate only (e.g. a queue closed by this process). */
  readonly local: { closed: boolean } = { closed: false }
  constructor(kind: string, node: string, rid: number, meta: Meta) {
    this.kind = kind
    this.node = node
    this.rid = rid
    this.meta = meta
    this.id = `${node}/${rid}`
  }
  pipe(...fns: ReadonlyArray<(a: unknown) => unknown>): unknown {
    let out: unknown = this
    for (const fn of fns) out = fn(out)
    return out
  }
  toString(): string {
    return `<${this.kind} ${this.node}/${this.rid}>`
  }
}

export const isHandle = (u: unknown): u is Handle =>
  typeof u === "object" && u !== null && (u as { [HandleTypeId]?: unknown })[HandleTypeId] === HandleTypeId

type Descriptor = { readonly [descriptorKey]: readonly [kind: string, node: string, rid: number, meta: unknown] }

const isDescriptor = (u: unknown): u is Descriptor =>
  typeof u === "object" && u !== null && descriptorKey in u

const isPlainContainer = (u: object): boolean => {
  if (Array.isArray(u)) return true
  const proto = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/**
 * Replaces handles by descriptors, copying only the containers on the way to a handle; returns the
 * value itself when it holds none (the common case costs one walk and no allocation).
 */
export const encodeHandles = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  if (isHandle(value)) return { [descriptorKey]: [value.kind, value.node, value.rid, encodeHandles(value.meta)] }
  if (value instanceof Map) {
    let changed = false
    const entries = [...value].map(([k, v]) => {
      const e = encodeHandles(v)
      if (e !== v) changed = true
      return [k, e] as const
    })
    return changed ? new Map(entries) : value
  }
  if (!isPlainContainer(value)) return value
  let copy: Record<string, unknown> | Array<unknown> | undefined
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key]
    const e = encodeHandles(v)
    if (e !== v) {
      copy ??= Array.isArray(value) ? [...value] : { ...value }
      ;(copy as Record<string, unknown>)[key] = e
    }
  }
  return copy ?? value
}

/** Told of every handle revived in this isolate (shared memory is attached ahead of its first use). */
export const revivedListeners = new Set<(handle: Handle) => void>()

/** The inverse of `encodeHandles`: descriptors become handles (in place: the value is a fresh clone). */
export const decodeHandles = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  if (isDescriptor(value)) {
    const [kind, node, rid, meta] = value[descriptorKey]
    const handle = new Handle(kind, node, rid, decodeHandles(meta))
    for (const listener of revivedListeners) listener(handle)
    return handle
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      const d = decodeHandles(v)
      if (d !== v) value.set(k, d)
    }
    return value
  }
  if (!isPlainContainer(value)) return value
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key]
    const d = decodeHandles(v)
    if (d !== v) (value as Record<string, unknown>)[key] = d
  }
  return value
}
