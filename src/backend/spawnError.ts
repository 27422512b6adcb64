import { SpawnError } from "../Errors.ts"

/** A `SpawnError` for a child the runtime refused to start. */
export const spawnFailure = (what: string, cause: unknown): SpawnError =>
  new SpawnError({ message: `cannot start ${what}: ${(cause as Error)?.message ?? String(cause)}`, cause })
