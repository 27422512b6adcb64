/**
 * A thread child's writes to shared memory stop the moment its parent terminates it. Deno's
 * `worker.terminate()` does not stop a thread busy in synchronous code (it runs on until it next
 * returns to its event loop, while the parent already has its exit), so termination is also a
 * handshake on two cells that each thread child shares with its parent:
 *
 * - `REVOKED`: set by the parent before it terminates the thread;
 * - `BUSY`: how many direct operations (of the thread, or of threads below it in the same OS process)
 *   are writing shared memory right now.
 *
 * An operation counts itself in `BUSY`, then looks at `REVOKED` (of its own thread and every thread
 * above it): once revoked it writes nothing and fails (`Revoked`). The parent sets `REVOKED`, then
 * waits while `BUSY` is not 0. With sequentially consistent `Atomics` on both sides, either the
 * operation sees the revocation, or the parent sees it busy and waits for it: nothing is written after
 * the parent went on (to give back what the thread held, and to report its exit).
 */
import * as WT from "node:worker_threads"

const REVOKED = 0
const BUSY = 1
const CELLS = 2

const guardKey = "__effectMultiprocessingGuard"

/** How long a parent waits for a thread's operation in progress (a user function inside an update). */
const patienceMs = 1000

/** The guards of this thread and of the threads above it in this OS process, innermost last. */
let installed: ReadonlyArray<Int32Array> | undefined

const chain = (): ReadonlyArray<Int32Array> =>
  installed ??= ((WT.workerData as Record<string, ReadonlyArray<SharedArrayBuffer>> | null)?.[guardKey] ?? [])
    .map((buffer) => new Int32Array(buffer))

/** What the thread operations of a revoked (terminated) thread fail with. */
export class Revoked extends Error {
  constructor() {
    super("this thread was terminated")
  }
}

/** Whether this thread (or one above it) was terminated by its parent. */
export const revoked = (): boolean => chain().some((cells) => Atomics.load(cells, REVOKED) !== 0)

/**
 * Runs `write` (synchronous writes to shared memory) unless this thread was revoked, and then only
 * to pass on what it holds (`holdUntilIdle`) unless `taking`: a revoked thread takes nothing more.
 */
export const guarded = <A>(write: () => A, taking = false): A => {
  const cells = chain()
  if (cells.length === 0) return write()
  enter(cells)
  try {
    if (revoked() && (taking || !holding)) throw new Revoked()
    return write()
  } finally {
    leave(cells)
  }
}

const enter = (cells: ReadonlyArray<Int32Array>): void => {
  for (const c of cells) Atomics.add(c, BUSY, 1)
}

const leave = (cells: ReadonlyArray<Int32Array>): void => {
  for (const c of cells) {
    if (Atomics.sub(c, BUSY, 1) === 1 && Atomics.load(c, REVOKED) !== 0) Atomics.notify(c, BUSY)
  }
}

/** Whether this thread holds something taken from shared memory, until its event loop turns. */
let holding = false
let heldAgain = false

/**
 * Keeps this thread counted busy until its event loop has turned: a value it just took out of shared
 * memory (a queue's item) is then in its hands only, and its parent does not terminate it before its
 * fibers ran on with it (a consumer forwarding the item puts it elsewhere in the same turn). Without
 * this, a consumer terminated right after its `get` took an item would take the item with it.
 */
export const holdUntilIdle = (): void => {
  const cells = chain()
  if (cells.length === 0) return
  if (holding) {
    heldAgain = true
    return
  }
  holding = true
  enter(cells)
  const release = () => {
    if (heldAgain && !revoked()) {
      heldAgain = false
      setTimeout(release, 0)
      return
    }
    holding = false
    leave(cells)
  }
  setTimeout(release, 0)
}

/** A new guard for a thread child: its `workerData` entry (this thread's chain and its own cells). */
export const forChild = (): { readonly data: Record<string, ReadonlyArray<SharedArrayBuffer>>; readonly cells: Int32Array } => {
  const cells = new Int32Array(new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT))
  return { data: { [guardKey]: [...chain().map((c) => c.buffer as SharedArrayBuffer), cells.buffer as SharedArrayBuffer] }, cells }
}

/**
 * Revokes a thread child before it is terminated: from now on it writes nothing to shared memory.
 * Waits (blocking, normally microseconds) while an operation of it is writing.
 */
export const revoke = (cells: Int32Array): void => {
  Atomics.store(cells, REVOKED, 1)
  const deadline = performance.now() + patienceMs
  for (let busy = Atomics.load(cells, BUSY); busy !== 0; busy = Atomics.load(cells, BUSY)) {
    const left = deadline - performance.now()
    if (left <= 0) return
    Atomics.wait(cells, BUSY, busy, left)
  }
}
