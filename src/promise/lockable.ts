/**
 * The implementation shared by the Lock, RLock, Semaphore and BoundedSemaphore facades (and used by
 * Condition and Value for their locks): the core's operations work on any of the four kinds.
 */
import * as Core from "../Lock.ts"
import * as RCore from "../RLock.ts"
import * as SemaphoreCore from "../Semaphore.ts"
import type { Held, Lockable } from "./Lock.ts"
import { type BlockingOptions, expectHandle, type Origin, SharedResource } from "./resource.ts"
import type { AbortOptions } from "./run.ts"

/** `withLock` for anything that acquires and releases. */
export const withLockOf = async <T>(
  target: Pick<Lockable, "acquire" | "release">,
  f: () => T | PromiseLike<T>,
  options?: AbortOptions
): Promise<T> => {
  await target.acquire(options?.signal === undefined ? {} : { signal: options.signal })
  try {
    return await f()
  } finally {
    await target.release()
  }
}

/** `hold` for anything that acquires and releases. */
export const holdOf = async (
  target: Pick<Lockable, "acquire" | "release">,
  options?: BlockingOptions
): Promise<Held | undefined> => {
  if (!(await target.acquire(options))) return undefined
  let held = true
  const release = () => {
    if (!held) return Promise.resolve()
    held = false
    return target.release()
  }
  return { release, [Symbol.asyncDispose]: release }
}

type AnyHandle = Core.Lock

const coreOptions = (options: BlockingOptions | undefined): Core.AcquireOptions => ({
  ...(options?.block === undefined ? {} : { block: options.block }),
  ...(options?.timeout === undefined ? {} : { timeout: options.timeout })
})

export class LockableImpl extends SharedResource<unknown> {
  private get self(): AnyHandle {
    return this as never
  }
  acquire(options?: BlockingOptions): Promise<boolean> {
    return this.exec(Core.acquire(this.self, coreOptions(options)), options?.signal)
  }
  release(): Promise<void> {
    return this.exec(Core.release(this.self))
  }
  withLock<T>(f: () => T | PromiseLike<T>, options?: AbortOptions): Promise<T> {
    return withLockOf(this, f, options)
  }
  hold(options?: BlockingOptions): Promise<Held> {
    return holdOf(this, options) as Promise<Held>
  }
  recovered(): Promise<boolean> {
    return this.exec(Core.recovered(this.self))
  }
  getValue(): Promise<number> {
    return this.exec(SemaphoreCore.getValue(this.self as never))
  }
}

const isLockable = (u: unknown): u is AnyHandle =>
  Core.isLock(u) || RCore.isRLock(u) || SemaphoreCore.isSemaphore(u)

/** Wraps any lock-like handle (a Condition's or a Value's lock, whichever kind it is). */
export const wrapLockable = (handle: unknown, origin: Origin): LockableImpl =>
  new LockableImpl(expectHandle(handle, isLockable, "lock") as never, origin)

