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
}) {}

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
  signal: Schema.NullOr(Schema.String),
  /** Why, when the runtime said: "out of memory (resourceLimits)". */
  reason: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const why = [this.signal, this.reason].filter((x) => x !== null && x !== undefined)
    return `${this.process} exited with code ${this.exitCode}${why.length === 0 ? "" : ` (${why.join(", ")})`}`
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

/**
 * `get` found no item: `getNowait` or `get({block: false})` on an empty queue, or `get({timeout})`
 * after the timeout (Python's `queue.Empty`).
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueEmpty extends Schema.TaggedError<QueueEmpty>()("QueueEmpty", {}) {}

/**
 * `put` found no room: `putNowait` on a full queue, or `put({timeout})` after the timeout (Python's
 * `queue.Full`).
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueFull extends Schema.TaggedError<QueueFull>()("QueueFull", {}) {}

/**
 * The queue was closed by this handle's `close`, or it no longer exists (its owner's scope ended).
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueClosed extends Schema.TaggedError<QueueClosed>()("QueueClosed", {
  message: Schema.String
}) {}

/**
 * `recv` on a connection whose peer has closed and whose buffer is drained (Python's `EOFError`).
 *
 * @since 0.1.0
 * @category errors
 */
export class EOFError extends Schema.TaggedError<EOFError>()("EOFError", {}) {}

/**
 * `send` to a connection whose peer has closed (Python's `BrokenPipeError`).
 *
 * @since 0.1.0
 * @category errors
 */
export class BrokenPipe extends Schema.TaggedError<BrokenPipe>()("BrokenPipe", {}) {}

/**
 * `recvBytesInto` got a message longer than the buffer; the whole message is kept in `bytes`
 * (Python's `BufferTooShort`, whose `args[0]` is the message).
 *
 * @since 0.1.0
 * @category errors
 */
export class BufferTooShort extends Schema.TaggedError<BufferTooShort>()("BufferTooShort", {
  bytes: Schema.Uint8ArrayFromSelf
}) {}

/**
 * An operation on a connection or resource that its state forbids (Python's `OSError`): a closed
 * connection, the wrong direction of a one-way pipe, a message longer than `maxlength`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends Schema.TaggedError<ConnectionError>()("ConnectionError", {
  message: Schema.String
}) {}

/**
 * A barrier was aborted or reset, or a wait on it timed out (Python's `threading.BrokenBarrierError`).
 *
 * @since 0.1.0
 * @category errors
 */
export class BrokenBarrierError extends Schema.TaggedError<BrokenBarrierError>()("BrokenBarrierError", {}) {}

/**
 * Misuse that Python reports with `ValueError`/`RuntimeError`/`AssertionError`: `taskDone` called too
 * often, release of an unlocked lock, over-release of a bounded semaphore, release of an RLock by a
 * non-owner, a bad argument (`maxtasksperchild=0`, `chunksize=0`), `join` on a running pool,
 * `successful` before a result is ready.
 *
 * @since 0.1.0
 * @category errors
 */
export class ValueError extends Schema.TaggedError<ValueError>()("ValueError", {
  message: Schema.String
}) {}

/**
 * A shared resource is gone: its owner's scope closed, or the process that owned it ended.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResourceClosed extends Schema.TaggedError<ResourceClosed>()("ResourceClosed", {
  message: Schema.String
}) {}

/**
 * A pool that no longer takes work: it was closed or terminated (Python's `ValueError("Pool not
 * running")`). Tasks still pending when a pool is terminated fail with it too.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolClosed extends Schema.TaggedError<PoolClosed>()("PoolClosed", {
  message: Schema.String
}) {}

/**
 * A pool that cannot keep its workers alive: they kept dying before their first task (typically an
 * initializer that always raises) until the restart schedule gave up. `cause` is the last worker's
 * failure (the initializer's error, or a `ProcessExited`). Python's Pool respawns forever here.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolBroken extends Schema.TaggedError<PoolBroken>()("PoolBroken", {
  message: Schema.String,
  cause: Schema.optional(Schema.Unknown)
}) {}

/**
 * A result was not ready within the time given (Python's `multiprocessing.TimeoutError`).
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Schema.TaggedError<TimeoutError>()("TimeoutError", {
  message: Schema.String
}) {}


/**
 * An index outside a `SharedArray` (Python's `IndexError("invalid index")`). Negative indices count
 * from the end, as in Python.
 *
 * @since 0.1.0
 * @category errors
 */
export class IndexError extends Schema.TaggedError<IndexError>()("IndexError", {
  message: Schema.String
}) {}
