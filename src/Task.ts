/**
 * How a child finds the code to run. JavaScript cannot send a closure to another thread or process, so
 * a task is an exported function found by its module URL and its key:
 *
 * ```ts
 * // tasks.ts
 * import { Task } from "effect-multiprocessing"
 * const square = (n: number) => n * n
 * export const tasks = Task.module(import.meta.url, { square })
 * // main.ts
 * yield* Process.spawn(tasks.square, [7])
 * ```
 *
 * Argument and result types flow from the function to every call. A task may return a value, a
 * Promise or an Effect (without requirements).
 *
 * This module is deliberately light (no Effect runtime import): a child loads it when it imports the
 * task module.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import { isChildIsolate } from "./internal/context.ts"
import { isTask as isTaskShape, ModuleTypeId, TaskTypeId } from "./internal/task.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: typeof TaskTypeId = TaskTypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TaskTypeId

/**
 * A function that a child can find: `module` is the URL of the module that exports it, `key` its name
 * there.
 *
 * @since 0.1.0
 * @category models
 */
export interface Task<in out Args extends ReadonlyArray<any>, out R> {
  readonly [TaskTypeId]: TypeId
  readonly module: string
  readonly key: string
  readonly fn: (...args: Args) => R
}

/**
 * Any task.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Task<any, any>

/**
 * The arguments of a task.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Args<T> = T extends Task<infer A, any> ? A : T extends (...args: infer A) => any ? A : never

/**
 * What a task's function returns, with a Promise awaited and an Effect run.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Success<T> = T extends Task<any, infer R> ? Result<R> : T extends (...args: any) => infer R ? Result<R>
  : never

/**
 * The typed failure of a task whose function returns an Effect (`never` otherwise).
 *
 * @since 0.1.0
 * @category type-level
 */
export type Failure<T> = T extends Task<any, infer R> ? ErrorOf<R> : T extends (...args: any) => infer R ? ErrorOf<R>
  : never

type Result<R> = [R] extends [never] ? never : [R] extends [Effect.Effect<infer A, any, any>] ? A : Awaited<R>
type ErrorOf<R> = [R] extends [never] ? never : [R] extends [Effect.Effect<any, infer E, any>] ? E : never

/**
 * Something a process can run: a task, or (fiber backend only) a plain function.
 *
 * @since 0.1.0
 * @category models
 */
export type Target = Any | ((...args: any) => any)

/**
 * Declares the tasks of a module. Export the result, so that a child importing `url` finds it:
 * `export const tasks = Task.module(import.meta.url, { square, producer })`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const module = <const F extends Record<string, (...args: any) => any>>(
  url: string,
  functions: F
): { readonly [K in keyof F & string]: Task<Parameters<F[K]>, ReturnType<F[K]>> } => {
  const tasks: Record<string, Task<any, any>> = {}
  for (const [key, fn] of Object.entries(functions)) {
    tasks[key] = { [TaskTypeId]: TaskTypeId, module: url, key, fn }
  }
  Object.defineProperty(tasks, ModuleTypeId, { value: url, enumerable: false })
  return Object.freeze(tasks) as never
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isTask: (u: unknown) => u is Any = isTaskShape as never

/**
 * `true` when the module whose `import.meta` is given is the program's entry point and this isolate is
 * not a child: Python's `if __name__ == "__main__":`. A child imports the task's module; code guarded
 * by this does not run again there.
 *
 * @since 0.1.0
 * @category utils
 */
export const isMain = (meta: ImportMeta): boolean => {
  if (isChildIsolate()) return false
  const main = (meta as { main?: unknown }).main
  if (typeof main === "boolean") return main
  const entry = process.argv[1]
  if (entry === undefined) return false
  const path = new URL(meta.url).pathname
  return path === entry || path.replace(/\.[cm]?[jt]sx?$/, "") === entry.replace(/\.[cm]?[jt]sx?$/, "")
}
