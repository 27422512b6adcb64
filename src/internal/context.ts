/**
 * Who this process (or thread) is, in Python's terms: `current_process()`. Effect-free and kept on
 * `globalThis`, so that two copies of the library in one isolate (source and dist) agree.
 */
export interface ProcessContext {
  readonly name: string
  readonly pid: number
  readonly ppid: number | undefined
  readonly daemon: boolean
  readonly backend: "main" | "process" | "thread" | "fiber"
  /** Children created so far: Python's per-creator counter behind `Process-1`, `Process-1:2`. */
  children: number
}

const contextKey = Symbol.for("effect-multiprocessing/context")
const g = globalThis as { [contextKey]?: ProcessContext }

export const globalContext = (): ProcessContext =>
  (g[contextKey] ??= { name: "MainProcess", pid: process.pid, ppid: undefined, daemon: false, backend: "main", children: 0 })

export const setGlobalContext = (context: ProcessContext): void => {
  g[contextKey] = context
}

/** The default name of the next child of `parent`: `Process-3` from the main process, `Process-1:2` below. */
export const nextChildName = (parent: ProcessContext): string => {
  parent.children += 1
  return parent.backend === "main" ? `Process-${parent.children}` : `${parent.name}:${parent.children}`
}

/** `true` in a thread or process child (after its bootstrap has set its context). */
export const isChildIsolate = (): boolean => g[contextKey] !== undefined && g[contextKey].backend !== "main"

const endKey = Symbol.for("effect-multiprocessing/contextEnd")
const ge = globalThis as { [endKey]?: WeakMap<ProcessContext, Array<() => void>> }
const endListeners = (): WeakMap<ProcessContext, Array<() => void>> => (ge[endKey] ??= new WeakMap())

/**
 * Runs `listener` when the fiber-backend child `context` ends: what it held in shared resources (a
 * lock, a semaphore permit) is given back, as the owner does when a thread or process child ends.
 */
export const onContextEnd = (context: ProcessContext, listener: () => void): void => {
  const listeners = endListeners().get(context)
  if (listeners === undefined) endListeners().set(context, [listener])
  else listeners.push(listener)
}

/** The fiber-backend child `context` has ended. */
export const endContext = (context: ProcessContext): void => {
  const listeners = endListeners().get(context)
  endListeners().delete(context)
  if (listeners !== undefined) for (const listener of listeners) listener()
}
