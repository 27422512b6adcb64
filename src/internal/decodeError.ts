/**
 * Turns an error that crossed the wire back into a value: an instance of its own class when the class is
 * known here (ours, or a `Schema.TaggedError` exported by the task's module), a `TaskError` otherwise.
 */
import * as Errors from "../Errors.ts"
import type { EncodedError } from "./protocol/errors.ts"

interface TaggedClass {
  readonly _tag: string
  readonly fields?: Record<string, unknown>
  new(props: Record<string, unknown>, disableValidation?: boolean): object
}

const isTaggedClass = (u: unknown): u is TaggedClass =>
  typeof u === "function" && typeof (u as { _tag?: unknown })._tag === "string"

const ownClasses: ReadonlyArray<TaggedClass> = (Object.values(Errors) as ReadonlyArray<unknown>).filter(isTaggedClass)

const findClass = (tag: string, namespace: Record<string, unknown> | undefined): TaggedClass | undefined => {
  for (const value of namespace === undefined ? [] : Object.values(namespace)) {
    if (isTaggedClass(value) && value._tag === tag) return value
  }
  return ownClasses.find((c) => c._tag === tag)
}

/**
 * The remote stack, so that a printed error shows where the child failed. An own property: the one the
 * Error constructor sets here would shadow any getter on the class (TaskError's included).
 */
const withStack = <A extends object>(error: A, stack: string | undefined): A => {
  if (stack !== undefined) Object.defineProperty(error, "stack", { value: stack, configurable: true, writable: true })
  return error
}

const revive = (encoded: EncodedError, namespace: Record<string, unknown> | undefined): unknown => {
  if (encoded.tag !== undefined) {
    const Class = findClass(encoded.tag, namespace)
    if (Class !== undefined) {
      const props: Record<string, unknown> = { ...encoded.props }
      if (Class.fields !== undefined && "message" in Class.fields) props.message = encoded.message
      if (encoded.cause !== undefined) props.cause = revive(encoded.cause, namespace)
      try {
        return withStack(new Class(props, true), encoded.stack)
      } catch {
        // a class whose constructor rejects these fields: fall back to a TaskError
      }
    }
  }
  return toTaskError(encoded, namespace)
}

const toTaskError = (encoded: EncodedError, namespace: Record<string, unknown> | undefined): unknown => {
  if (!encoded.isError && encoded.cause === undefined && "value" in encoded) {
    return new Errors.TaskError({ remoteName: encoded.name, message: encoded.message, cause: encoded.value })
  }
  return withStack(
    new Errors.TaskError({
      remoteName: encoded.name,
      message: encoded.message,
      ...(encoded.stack === undefined ? {} : { remoteStack: encoded.stack }),
      ...(encoded.cause === undefined ? {} : { cause: revive(encoded.cause, namespace) })
    }),
    encoded.stack
  )
}

/** A tagged error whose class is known here comes back as an instance of it; anything else as a `TaskError`. */
export const decodeError = (encoded: EncodedError, namespace: Record<string, unknown> | undefined): unknown =>
  revive(encoded, namespace)
