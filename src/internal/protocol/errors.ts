/**
 * Errors cross the wire explicitly encoded: structured clone drops prototypes, names and extra fields
 * on every runtime, and Bun also drops `cause`.
 */
import { findUnsendable } from "./sendable.ts"

export interface EncodedError {
  /** `true` for an `Error` (or error-like object); `false` for any other thrown value, kept in `value`. */
  readonly isError: boolean
  readonly name: string
  readonly message: string
  readonly stack?: string | undefined
  /** `_tag` of a tagged error (Effect `Data.TaggedError` / `Schema.TaggedError`). */
  readonly tag?: string | undefined
  /** Own enumerable fields that can be sent (the tagged error's fields). */
  readonly props: Record<string, unknown>
  readonly cause?: EncodedError | undefined
  readonly value?: unknown
}

const skipped = new Set(["name", "message", "stack", "cause", "_tag"])

export const encodeError = (error: unknown, depth = 0): EncodedError => {
  if (typeof error !== "object" || error === null) {
    return {
      isError: false,
      name: typeof error,
      message: String(error),
      props: {},
      value: findUnsendable(error) === undefined ? error : String(error)
    }
  }
  const e = error as { name?: unknown; message?: unknown; stack?: unknown; _tag?: unknown; cause?: unknown }
  const props: Record<string, unknown> = {}
  for (const key of Object.keys(error)) {
    if (skipped.has(key)) continue
    const value = (error as Record<string, unknown>)[key]
    if (findUnsendable(value) === undefined) props[key] = value
  }
  const tag = typeof e._tag === "string" ? e._tag : undefined
  return {
    isError: true,
    name: typeof e.name === "string" ? e.name : tag ?? "Error",
    message: typeof e.message === "string" ? e.message : String(e.message ?? ""),
    stack: typeof e.stack === "string" ? e.stack : undefined,
    tag,
    props,
    cause: e.cause === undefined || depth > 8 ? undefined : encodeError(e.cause, depth + 1)
  }
}
