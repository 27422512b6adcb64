/**
 * Every isolate (the main one, each thread child, each process child) is a node of one tree, named by
 * its path from the main node ("0", "0.2", "0.2.1"). A shared resource lives in the node that created
 * it; an operation on a handle elsewhere is a call routed hop by hop along the tree to the owner, and
 * its reply comes back the same way. When a node ends, every node hears of it ("gone"): owners drop the
 * dead node's pending calls and give back what it held (a lock, a semaphore permit), and callers waiting
 * on a resource the dead node owned fail instead of hanging.
 *
 * Effect-free: it runs in the child bootstrap. Messages sent in the same tick to the same neighbour
 * travel as one batch.
 */
import { encodeError, type EncodedError } from "./protocol/errors.ts"
import { decodeHandles, encodeHandles } from "./protocol/handle.ts"

export interface Caller {
  /** The node the call came from. */
  readonly node: string
  /** The caller within its node (node and fiber): owner of an RLock. */
  readonly id: string
}

/** A resource as its owner serves it. */
export interface Served {
  readonly kind: string
  /**
   * Runs `op`; calls `done` once unless cancelled first. Returns the cancellation, which calls
   * `settled` once the operation has ended (after any late `done`).
   */
  readonly invoke: (
    op: string,
    args: ReadonlyArray<unknown>,
    caller: Caller,
    done: (ok: boolean, value: unknown) => void
  ) => (settled: () => void) => void
  /** A node (and everything below it) has ended: give back what it held. */
  readonly nodeGone: (node: string) => void
}

export type RpcMessage =
  | {
    readonly _: "call"
    readonly to: string
    readonly from: string
    readonly caller: string
    readonly cid: number
    readonly rid: number
    readonly op: string
    readonly args: ReadonlyArray<unknown>
    /** The operation that gives the value back (a queue's `unget`): the owner keeps a receipt. */
    readonly undo?: string
  }
  | { readonly _: "reply"; readonly to: string; readonly cid: number; readonly ok: true; readonly value: unknown }
  | { readonly _: "reply"; readonly to: string; readonly cid: number; readonly ok: false; readonly error: EncodedError }
  | { readonly _: "cancel"; readonly to: string; readonly from: string; readonly cid: number }
  /** The caller's node got the value of an undoable call: the owner may forget its receipt. */
  | { readonly _: "ack"; readonly to: string; readonly from: string; readonly cid: number }
  | { readonly _: "gone"; readonly node: string }
  | { readonly _: "batch"; readonly messages: ReadonlyArray<RpcMessage> }

const rpcTags = new Set(["call", "reply", "cancel", "ack", "gone", "batch"])

export const isRpcMessage = (u: unknown): u is RpcMessage =>
  typeof u === "object" && u !== null && rpcTags.has((u as { _?: string })._ as string)

/** A neighbour in the tree; `send` coalesces the messages of one tick. */
export interface Link {
  readonly send: (message: RpcMessage) => void
}

export const makeLink = (post: (message: RpcMessage) => void): Link => {
  let queue: Array<RpcMessage> | undefined
  const flush = () => {
    const messages = queue!
    queue = undefined
    post(messages.length === 1 ? messages[0]! : { _: "batch", messages })
  }
  return {
    send: (message) => {
      if (queue === undefined) {
        queue = [message]
        queueMicrotask(flush)
      } else {
        queue.push(message)
      }
    }
  }
}

export const isUnder = (node: string, ancestor: string): boolean =>
  node === ancestor || node.startsWith(`${ancestor}.`)

interface Pending {
  readonly to: string
  readonly rid: number
  readonly reply: (ok: boolean, value: unknown) => void
  /** An operation that gives the value back (a `get` puts its item back): its reply is acknowledged. */
  readonly undo: string | undefined
}

/**
 * A value handed to the caller of an undoable call (a queue's `get`), kept by the owner until the
 * caller's node acknowledges it. If the caller gave up meanwhile, or its node ended before the reply
 * reached it, the owner undoes it itself: an item is never lost in flight.
 */
interface Receipt {
  readonly from: string
  readonly rid: number
  readonly undo: string
  readonly value: unknown
}

/** The error a caller gets when the resource, or its owner, is gone. */
export const resourceGone = (kind: string, why: string): EncodedError =>
  encodeError(Object.assign(new Error(`${kind} is closed: ${why}`), { _tag: "ResourceClosed" }))

export class Router {
  node = "0"
  parent: Link | undefined
  readonly children = new Map<string, Link>()
  readonly served = new Map<number, Served>()
  /** Told of every node that ends (shared memory attached here from an owner that ended is closed). */
  readonly goneListeners = new Set<(node: string) => void>()
  private childCount = 0
  private nextRid = 1
  private nextCid = 1
  private readonly pending = new Map<number, Pending>()
  /** Calls this node is serving for others: `${from}#${cid}` → cancel. */
  private readonly running = new Map<
    string,
    { readonly from: string; readonly rid: number; readonly cancel: (settled: () => void) => void }
  >()
  /**
   * Calls held back, by `${from}|${rid}`: a call of that node to that resource was cancelled and has
   * not ended yet (a `get` that took an item puts it back when it ends). Its later calls wait, so that
   * they see what it gave back: calls from one node to one resource are served in the order sent.
   */
  private readonly held = new Map<
    string,
    { cancelled: number; readonly calls: Array<Extract<RpcMessage, { _: "call" }>> }
  >()
  /** Values of undoable calls on their way to their callers: `${from}#${cid}` → receipt. */
  private readonly receipts = new Map<string, Receipt>()

  /** The node name of this node's next child. */
  nextChild(): string {
    return `${this.node}.${++this.childCount}`
  }

  serve(served: Served): number {
    const rid = this.nextRid++
    this.served.set(rid, served)
    return rid
  }

  unserve(rid: number): void {
    this.served.delete(rid)
  }

  /** Sends a call to the owner `to` of resource `rid`; `reply` gets the (decoded) outcome. */
  call(
    to: string,
    rid: number,
    op: string,
    args: ReadonlyArray<unknown>,
    caller: string,
    reply: (ok: boolean, value: unknown) => void,
    undo?: string
  ): number {
    const cid = this.nextCid++
    this.pending.set(cid, { to, rid, reply, undo })
    const encoded = encodeHandles(args) as Array<unknown>
    this.route({ _: "call", to, from: this.node, caller, cid, rid, op, args: encoded, ...(undo === undefined ? {} : { undo }) })
    return cid
  }

  /**
   * Sends a call whose outcome nobody waits for (a `put` on an unbounded queue). Calls from one node
   * to one owner arrive in the order they were sent, so a later call sees its effect.
   */
  cast(to: string, rid: number, op: string, args: ReadonlyArray<unknown>, caller: string): void {
    this.route({ _: "call", to, from: this.node, caller, cid: 0, rid, op, args: encodeHandles(args) as Array<unknown> })
  }

  /**
   * The caller gave up (interrupted, aborted): the owner stops the call; a value already on its way
   * is undone by the owner (in order: before any later call of this node is served).
   */
  cancel(cid: number): void {
    const pending = this.pending.get(cid)
    if (pending === undefined) return
    this.pending.delete(cid)
    this.route({ _: "cancel", to: pending.to, from: this.node, cid })
  }

  receive(message: RpcMessage, from: Link | undefined): void {
    if (message._ === "batch") {
      for (const m of message.messages) this.receive(m, from)
      return
    }
    if (message._ === "gone") {
      this.nodeGone(message.node, from)
      return
    }
    if (message.to !== this.node) {
      this.route(message)
      return
    }
    switch (message._) {
      case "call":
        return this.serveCall(message)
      case "cancel": {
        const key = `${message.from}#${message.cid}`
        const running = this.running.get(key)
        this.running.delete(key)
        if (running === undefined) {
          if (!this.dropHeld(message.from, message.cid)) this.undoReceipts([key])
          return
        }
        const gate = `${message.from}|${running.rid}`
        const held = this.held.get(gate) ?? { cancelled: 0, calls: [] }
        held.cancelled++
        this.held.set(gate, held)
        running.cancel(() => {
          if (--held.cancelled > 0 || this.held.get(gate) !== held) return
          this.held.delete(gate)
          for (const call of held.calls) this.serveCall(call)
        })
        return
      }
      case "ack": {
        this.receipts.delete(`${message.from}#${message.cid}`)
        return
      }
      case "reply": {
        const pending = this.pending.get(message.cid)
        if (pending === undefined) return
        this.pending.delete(message.cid)
        pending.reply(message.ok, message.ok ? decodeHandles(message.value) : message.error)
        // Acknowledged after the caller resumed: what it sends next in this tick (the item forwarded
        // elsewhere) travels in the same batch, so its death cannot fall between the two.
        if (message.ok && pending.undo !== undefined) {
          this.route({ _: "ack", to: pending.to, from: this.node, cid: message.cid })
        }
      }
    }
  }

  private serveCall(message: Extract<RpcMessage, { _: "call" }>): void {
    const { cid, from } = message
    const held = this.held.get(`${from}|${message.rid}`)
    if (held !== undefined) {
      held.calls.push(message)
      return
    }
    const served = this.served.get(message.rid)
    if (cid === 0) {
      // a cast: run it, answer nothing
      served?.invoke(message.op, decodeHandles(message.args) as ReadonlyArray<unknown>, { node: from, id: message.caller }, () => {})
      return
    }
    if (served === undefined) {
      this.route({ _: "reply", to: from, cid, ok: false, error: resourceGone("resource", "its owner closed it") })
      return
    }
    const key = `${from}#${cid}`
    const undo = message.undo
    let finished = false
    let cancelled = false
    const cancel = served.invoke(
      message.op,
      decodeHandles(message.args) as ReadonlyArray<unknown>,
      { node: from, id: message.caller },
      (ok, value) => {
        finished = true
        this.running.delete(key)
        if (cancelled) {
          // the caller gave up and will not take it: a value that came anyway goes back
          if (ok && undo !== undefined) this.undo({ from, rid: message.rid, undo, value })
          return
        }
        if (ok && undo !== undefined) this.receipts.set(key, { from, rid: message.rid, undo, value })
        this.route(
          ok
            ? { _: "reply", to: from, cid, ok: true, value: encodeHandles(value) }
            : { _: "reply", to: from, cid, ok: false, error: encodeError(value) }
        )
      }
    )
    if (!finished) {
      this.running.set(key, {
        from,
        rid: message.rid,
        cancel: (settled) => {
          cancelled = true
          cancel(settled)
        }
      })
    }
  }

  /** Forgets a call still held back (its caller gave up before it was served): `true` if there was one. */
  private dropHeld(from: string, cid: number): boolean {
    for (const [gate, { calls }] of this.held) {
      if (!gate.startsWith(`${from}|`)) continue
      const i = calls.findIndex((call) => call.cid === cid)
      if (i >= 0) {
        calls.splice(i, 1)
        return true
      }
    }
    return false
  }

  /** Undoes the receipts of `keys`, the latest first (each `unget` goes to the front: order is kept). */
  private undoReceipts(keys: ReadonlyArray<string>): void {
    for (const key of [...keys].reverse()) {
      const receipt = this.receipts.get(key)
      if (receipt === undefined) continue
      this.receipts.delete(key)
      this.undo(receipt)
    }
  }

  private undo(receipt: Receipt): void {
    this.served.get(receipt.rid)?.invoke(receipt.undo, [receipt.value], { node: this.node, id: `${this.node}:undo` }, () => {})
  }

  /** A child link ended, or a neighbour told us that `node` ended. */
  nodeGone(node: string, from: Link | undefined): void {
    for (const [key, call] of this.running) {
      if (isUnder(call.from, node)) {
        this.running.delete(key)
        call.cancel(() => {})
      }
    }
    for (const gate of this.held.keys()) if (isUnder(gate.slice(0, gate.indexOf("|")), node)) this.held.delete(gate)
    this.undoReceipts([...this.receipts].filter(([, receipt]) => isUnder(receipt.from, node)).map(([key]) => key))
    for (const served of this.served.values()) served.nodeGone(node)
    for (const listener of this.goneListeners) listener(node)
    for (const [cid, pending] of this.pending) {
      if (isUnder(pending.to, node)) {
        this.pending.delete(cid)
        pending.reply(false, resourceGone("resource", `its owner (${node}) has ended`))
      }
    }
    this.children.delete(node)
    const gone: RpcMessage = { _: "gone", node }
    if (this.parent !== undefined && this.parent !== from) this.parent.send(gone)
    for (const [child, link] of this.children) if (link !== from && !isUnder(child, node)) link.send(gone)
  }

  private route(message: Exclude<RpcMessage, { _: "gone" | "batch" }>): void {
    const to = message.to
    if (to === this.node) {
      this.receive(message, undefined)
      return
    }
    if (isUnder(to, this.node)) {
      const next = `${this.node}.${to.slice(this.node.length + 1).split(".")[0]}`
      const link = this.children.get(next)
      if (link !== undefined) return link.send(message)
    } else if (this.parent !== undefined) {
      return this.parent.send(message)
    }
    // No route: the node is gone. A call is answered here so that its caller does not wait forever.
    if (message._ === "call" && message.cid !== 0) {
      this.receive({ _: "reply", to: message.from, cid: message.cid, ok: false, error: resourceGone("resource", `its owner (${to}) has ended`) }, undefined)
    }
  }
}

const routerKey = Symbol.for("effect-multiprocessing/router")
const g = globalThis as { [routerKey]?: Router }

/** This isolate's router (one per isolate, shared by every copy of the library). */
export const router = (): Router => (g[routerKey] ??= new Router())
