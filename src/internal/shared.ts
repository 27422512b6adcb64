/**
 * Shared memory between the isolates of one OS process. A resource whose state lives in a
 * `SharedArrayBuffer` answers an `attach` call with that buffer when the caller runs in the owner's
 * OS process (the owner's own isolate, or a thread below it: the route between two isolates of one OS
 * process never leaves it, so the buffer travels by `postMessage` and stays shared), and with `null`
 * otherwise (another OS process: no shared memory exists across processes here, every operation stays
 * a call to the owner). Each isolate asks once per resource and holder key, then works on the memory
 * directly, with no message and no help from the owner's event loop.
 *
 * When the owner's scope closes the resource, or its node ends, every isolate that attached sees the
 * memory closed and goes back to calls, so that direct users fail with `ResourceClosed` as remote
 * callers do.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { guarded, Revoked } from "./guard.ts"
import { type Handle, revivedListeners } from "./protocol/handle.ts"
import { type Definition, invoke, serve } from "./resource.ts"
import { isUnder, router } from "./router.ts"

export interface Attached {
  readonly buffer: SharedArrayBuffer
  /** The holder's number in the resource's own records (locks), 0 where there is none. */
  readonly slot: number
  /** A second memory the resource works on (a pipe end's: its peer's inbox). */
  readonly peer?: SharedArrayBuffer
}

/** What an owner answers to `attach`: the buffer for a caller in its OS process, else null. */
export const attachReply = (
  buffer: SharedArrayBuffer,
  slot: number,
  pid: number,
  peer?: SharedArrayBuffer
): Attached | null => pid === process.pid ? (peer === undefined ? { buffer, slot } : { buffer, slot, peer }) : null

/** `Atomics.waitAsync` (ES2024; on Node 20, Deno and Bun), typed here for an ES2023 lib. */
export const waitAsync = (Atomics as unknown as {
  readonly waitAsync: (
    cells: Int32Array,
    index: number,
    value: number
  ) => { readonly async: false; readonly value: string } | { readonly async: true; readonly value: Promise<string> }
}).waitAsync

/** Attempts of a spin before a wait (a few microseconds). */
const spinAttempts = 2000

/**
 * Calls `attempt` again and again for a moment before a wait, until it answers something else than
 * `undefined` (a result, or its own "stop"): another thread often makes the change within
 * microseconds, far sooner than a wake-up through the event loop. Only when another isolate works on
 * the same memory (`cells[views]`, see `countView`): a change made by another OS process or by this
 * isolate comes through this isolate's event loop, which a spin would only hold up (measured: the
 * owner's `recv` spun 24 µs a message for a process child's replies).
 */
export const spin = <A>(cells: Int32Array, views: number, attempt: () => A | undefined): A | undefined => {
  if (Atomics.load(cells, views) < 2) return undefined
  for (let i = 0; i < spinAttempts; i++) {
    const outcome = attempt()
    if (outcome !== undefined) return outcome
  }
  return undefined
}

/** Counts, in `cells[views]`, one more isolate working on this memory (once per isolate's view). */
export const countView = (cells: Int32Array, views: number): void => {
  Atomics.add(cells, views, 1)
}

/**
 * Runs `change` (synchronous writes to shared memory) holding the short lock in `cells[index]` (0 free,
 * 1 held, 2 held with sleepers): spinning briefly, then sleeping, as it is only ever held for a few
 * writes or a copy, never across a wait. `guard.guarded` around it: a thread child is not terminated
 * while it holds the lock, so what `change` writes is never left half done; a terminated thread takes
 * nothing more when `taking` (see `guarded`).
 */
export const exclusive = <A>(cells: Int32Array, index: number, change: () => A, taking = false): A =>
  guarded(() => {
    if (Atomics.compareExchange(cells, index, 0, 1) !== 0) {
      let spun = 0
      while (spun < 100 && Atomics.compareExchange(cells, index, 0, 1) !== 0) spun++
      if (spun === 100) while (Atomics.exchange(cells, index, 2) !== 0) Atomics.wait(cells, index, 2, 5)
    }
    try {
      return change()
    } finally {
      if (Atomics.exchange(cells, index, 0) === 2) Atomics.notify(cells, index, 1)
    }
  }, taking)

/**
 * Serves the waiters of one kind in an isolate: `step` serves what it can and says whether any are
 * left; then it runs again each time the `index` cell changes (without blocking the event loop), and
 * at once after a change made in this isolate (a wait does not keep Deno's event loop alive, and
 * needs no detour through it here).
 */
export class Watch {
  private armed = false
  private readonly cells: Int32Array
  private readonly index: number
  private readonly step: () => boolean
  constructor(cells: Int32Array, index: number, step: () => boolean) {
    this.cells = cells
    this.index = index
    this.step = step
  }

  run(): void {
    for (;;) {
      const seen = Atomics.load(this.cells, this.index)
      try {
        if (!this.step()) return
      } catch (e) {
        // this thread is being terminated: it serves nobody any more
        if (e instanceof Revoked) return
        throw e
      }
      // a wait in progress runs this again at the next change
      if (this.armed) return
      const result = waitAsync(this.cells, this.index, seen)
      if (!result.async) continue
      this.armed = true
      result.value.then(() => {
        this.armed = false
        this.run()
      })
      return
    }
  }
}

/** What this isolate learnt from `attach`, by resource (`handle.id`), then holder key. */
const attachments = new Map<string, Map<string, Attached | null>>()

const learnt = (handle: Handle<unknown>, key: string, attached: Attached | null): void => {
  let byKey = attachments.get(handle.id)
  if (byKey === undefined) attachments.set(handle.id, byKey = new Map())
  byKey.set(key, attached)
}

/** What an isolate makes of an attached memory: closed when the owner's scope or node ends. */
export interface View {
  readonly closed: boolean
  readonly close: () => void
}

/** This isolate's view of each resource's memory, by `handle.id` (never reused for another). */
const views = new Map<string, View>()

const ownerOf = (id: string): string => id.slice(0, id.indexOf("/"))

let listening = false

/** When an owner's node ends, the views of its memory here are closed and its attachments forgotten. */
const listen = (): void => {
  if (listening) return
  listening = true
  router().goneListeners.add((gone) => {
    for (const [id, view] of views) {
      if (!isUnder(ownerOf(id), gone)) continue
      views.delete(id)
      view.close()
    }
    for (const id of attachments.keys()) if (isUnder(ownerOf(id), gone)) attachments.delete(id)
  })
}

/** The OS process a resource's owner runs in, when its handle says (`meta.pid`). */
const ownerPid = (handle: Handle<unknown>): number | undefined => (handle.meta as { readonly pid?: number } | null)?.pid

/**
 * The shared memory of `handle` for holder `key` in this isolate, or `undefined` when there is none
 * (another OS process, or a resource that cannot attach: its operations then stay calls).
 */
export const attach = (handle: Handle<unknown>, key: string): Effect.Effect<Attached | undefined> => {
  const known = attached(handle, key)
  if (known !== undefined) return Effect.succeed(known ?? undefined)
  const pid = ownerPid(handle)
  if (pid !== undefined && pid !== process.pid) return Effect.succeed(undefined)
  return invoke<Attached | null, never>(handle, "attach", [key, process.pid]).pipe(
    Effect.tap((attached) => Effect.sync(() => learnt(handle, key, attached))),
    Effect.map((attached) => attached ?? undefined),
    // a closed resource: its calls will say so
    Effect.orElseSucceed(() => undefined)
  )
}

/**
 * This isolate's view of the memory `attached` gives (one per resource, made by `make` the first
 * time), while the owner has not closed it; once closed, the memory is forgotten here and `undefined`
 * returned (the operations go back to being calls).
 */
export const openView = <V extends View>(
  handle: Handle<unknown>,
  attached: Attached,
  make: (buffer: SharedArrayBuffer, attached: Attached) => V
): V | undefined => {
  let view = views.get(handle.id)
  if (view === undefined) {
    listen()
    views.set(handle.id, view = make(attached.buffer, attached))
  }
  if (!view.closed) return view as V
  forget(handle)
  return undefined
}

/**
 * Runs `direct` on this isolate's view of `handle`'s memory (holder key "") when it shares the owner's,
 * else `remote`, a call to the owner. Decided when it runs: the first run attaches, later ones find
 * the view at once.
 */
export const viaMemory = <V extends View, A, E>(
  handle: Handle<unknown>,
  make: (buffer: SharedArrayBuffer, attached: Attached) => V,
  direct: (view: V) => Effect.Effect<A, E>,
  remote: () => Effect.Effect<A, E>
): Effect.Effect<A, E> => Effect.suspend(() => viaMemoryNow(handle, make, direct, remote))

/** `viaMemory` decided now: for a caller that already runs as its Effect runs (no step of its own). */
export const viaMemoryNow = <V extends View, A, E>(
  handle: Handle<unknown>,
  make: (buffer: SharedArrayBuffer, attached: Attached) => V,
  direct: (view: V) => Effect.Effect<A, E>,
  remote: () => Effect.Effect<A, E>
): Effect.Effect<A, E> => {
  const pick = (memory: Attached | undefined): Effect.Effect<A, E> => {
    const view = memory === undefined ? undefined : openView(handle, memory, make)
    return view === undefined ? remote() : direct(view)
  }
  const known = attached(handle, "")
  return known === undefined ? Effect.flatMap(attach(handle, ""), pick) : pick(known ?? undefined)
}

/**
 * Serves a resource whose state is `view` over `buffer` (see `resource.serve`): the owner's isolate
 * works on the same view as it serves others with; closing the scope closes the view for every isolate.
 */
export const serveShared = <Meta>(
  definition: Definition,
  meta: Meta,
  buffer: SharedArrayBuffer,
  view: View
): Effect.Effect<Handle<Meta>, never, Scope.Scope> => {
  let handle: Handle<Meta> | undefined
  return Effect.tap(
    serve({
      ...definition,
      close: Effect.zipRight(
        definition.close ?? Effect.void,
        Effect.sync(() => {
          view.close()
          forget(handle!)
        })
      )
    }, meta),
    (served) =>
      Effect.sync(() => {
        handle = served
        views.set(served.id, view)
      })
  )
}

/** Kinds whose memory is attached (holder key "") as soon as a handle of theirs arrives here. */
const eagerKinds = new Set<string>()

/**
 * Attaches the memory of every handle of `kinds` that arrives in an isolate of its owner's OS process
 * at once, not at its first use: a consumer that took a queue's item and forwards it to another queue
 * then does so in the same turn of its event loop, with no attach call in between (its parent does not
 * terminate it within that turn: `guard.holdUntilIdle`). Needs `meta.pid`.
 */
export const attachOnArrival = (kinds: ReadonlyArray<string>): void => {
  if (eagerKinds.size === 0) {
    revivedListeners.add((handle) => {
      const r = router()
      if (!eagerKinds.has(handle.kind) || ownerPid(handle) !== process.pid || handle.node === r.node) return
      if (attached(handle, "") !== undefined) return
      r.call(handle.node, handle.rid, "attach", ["", process.pid], `${r.node}:attach`, (ok, value) => {
        if (ok && attached(handle, "") === undefined) learnt(handle, "", value as Attached | null)
      })
    })
  }
  for (const kind of kinds) eagerKinds.add(kind)
}

/** What this isolate knows of `handle`'s memory for `key`: attached, `null` (none), or `undefined` (not asked yet). */
export const attached = (handle: Handle<unknown>, key: string): Attached | null | undefined =>
  attachments.get(handle.id)?.get(key)

/** Forgets a resource's memory here (it was closed): its operations go back to being calls. */
export const forget = (handle: Handle<unknown>): void => {
  views.delete(handle.id)
  attachments.delete(handle.id)
}

const hashes = new WeakMap<object, { readonly identity: string | undefined; readonly hash: number }>()

/**
 * `callerHash` of a fiber's caller id, remembered per fiber: the id (`id()`) stays the same while the
 * fiber's `identity` (its `CallerIdentity`) does.
 */
export const fiberHash = (fiber: object, identity: string | undefined, id: () => string): number => {
  const known = hashes.get(fiber)
  if (known !== undefined && known.identity === identity) return known.hash
  const hash = callerHash(id())
  hashes.set(fiber, { identity, hash })
  return hash
}

/** A 32-bit number for a caller id (never 0, which means "nobody"). */
export const callerHash = (id: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h === 0 ? 1 : h | 0
}
