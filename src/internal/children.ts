/**
 * The children this isolate has started and not yet seen end, whatever created them (Effect API or the
 * Promise facade). A child bootstrap uses it to do what Python does at exit: terminate daemonic
 * children, then join the others.
 */
export interface LiveChild {
  readonly daemon: boolean
  readonly exited: Promise<unknown>
  readonly terminate: () => void
}

const registryKey = Symbol.for("effect-multiprocessing/children")
const g = globalThis as { [registryKey]?: Set<LiveChild> }

export const liveChildren = (): Set<LiveChild> => (g[registryKey] ??= new Set())

/** Terminate daemonic children, then wait for every child to end. */
export const settleChildren = async (): Promise<void> => {
  const children = [...liveChildren()]
  for (const child of children) if (child.daemon) child.terminate()
  await Promise.allSettled(children.map((child) => child.exited))
}
