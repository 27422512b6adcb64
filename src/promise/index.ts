/**
 * The Promise facade: effect-multiprocessing for plain TypeScript and JavaScript, without Effect types.
 * Every blocking call takes `{ signal }`; rejections are the library's own error instances (re-exported
 * here); `await using` disposes.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * from "../Errors.ts"
/** @since 0.1.0 */
export * as Task from "../Task.ts"
/** @since 0.1.0 */
export * from "./Process.ts"
/** @since 0.1.0 */
export type { AbortOptions } from "./run.ts"
