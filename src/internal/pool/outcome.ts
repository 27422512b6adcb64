/**
 * A job's outcome as the parent receives it, turned back into values: results with handles of shared
 * resources revived, errors as instances of their classes (or `TaskError`s with the remote stack).
 */
import type { BackendName } from "../../Backend.ts"
import { TaskError } from "../../Errors.ts"
import { decodeError } from "../decodeError.ts"
import { encodeError, type EncodedError } from "../protocol/errors.ts"
import { decodeHandles } from "../protocol/handle.ts"
import { JobKind, Status } from "../protocol/pool.ts"
import type { Job } from "./job.ts"

/** A result from a thread or process worker (the fiber backend shares values as they are). */
export const decodeResult = (job: Job, value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  if (job.kind === JobKind.apply) return decodeHandles(value)
  const items = value as Array<unknown>
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (typeof item === "object" && item !== null) items[i] = decodeHandles(item)
  }
  return items
}

/**
 * A failure: an Effect's typed failure keeps its class; a thrown error becomes a `TaskError` (on the
 * fiber backend too, for the same behaviour everywhere) unless its class is known here.
 */
export const decodeFailure = (
  backend: BackendName,
  namespace: Record<string, unknown> | undefined,
  status: Status,
  value: unknown
): unknown => {
  if (status === Status.cancelled) {
    return new TaskError({ remoteName: "Interrupted", message: "the task was interrupted inside its worker" })
  }
  if (backend === "fiber") return status === Status.fail ? value : decodeError(encodeError(value), namespace)
  return decodeError(value as EncodedError, namespace)
}
