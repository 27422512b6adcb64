/**
 * Every failure of effect-multiprocessing, with Python's meaning and a typed tag.
 *
 * Errors that cross a process boundary are `Schema.TaggedError`s; the Promise facade rejects with these
 * same instances.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A child could not be started: its task cannot be imported by the child (an inline function, an
 * unexported one), its module failed to load, or the runtime could not start the thread or process.
 *
 * @since 0.1.0
 * @category errors
 */
export class SpawnError extends Schema.TaggedError<SpawnError>()("SpawnError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Unknown)
}) {}

/**
 * A value cannot be sent to another thread or process (a function, a symbol, a socket …). `path` names
 * the offending argument, e.g. `args[1].callback`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SerializationError extends Schema.TaggedError<SerializationError>()("SerializationError", {
  message: Schema.String,
  path: Schema.String
}) {}

/**
 * A task raised in a child. The remote name, message and stack are kept; `cause` holds the remote
 * cause (itself a `TaskError` when it was an error).
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskError extends Schema.TaggedError<TaskError>()("TaskError", {
  remoteName: Schema.String,
  message: Schema.String,
  remoteStack: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Unknown)
}) {
  /** The remote stack, so that a printed `TaskError` shows where the child failed. */
  override get stack(): string {
    return this.remoteStack ?? `${this.remoteName}: ${this.message}`
  }
}

/**
 * A child ended without giving a result: it was terminated or killed, it crashed, or it called
 * `process.exit`. `exitCode` follows Python: negative for a signal (`-15` SIGTERM, `-9` SIGKILL).
 *
 * @since 0.1.0
 * @category errors
 */
export class ProcessExited extends Schema.TaggedError<ProcessExited>()("ProcessExited", {
  process: Schema.String,
  pid: Schema.optional(Schema.Number),
  exitCode: Schema.Number,
  signal: Schema.NullOr(Schema.String)
}) {
  override get message(): string {
    return `${this.process} exited with code ${this.exitCode}${this.signal === null ? "" : ` (${this.signal})`}`
  }
}

/**
 * A process was used out of order: `start` twice, `join` before `start`, `daemon` set after `start`.
 * Python raises `AssertionError`/`ValueError` for these.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProcessStateError extends Schema.TaggedError<ProcessStateError>()("ProcessStateError", {
  message: Schema.String
}) {}

/**
 * A daemonic process tried to start a child (Python: "daemonic processes are not allowed to have
 * children").
 *
 * @since 0.1.0
 * @category errors
 */
export class DaemonError extends Schema.TaggedError<DaemonError>()("DaemonError", {
  message: Schema.String
}) {}
