/**
 * Finding a task by reference: the module's URL and an export key. Effect-free (the child uses it).
 */
import type { TaskRef } from "./protocol/messages.ts"

export const TaskTypeId: unique symbol = Symbol.for("effect-multiprocessing/Task") as never
export const ModuleTypeId: unique symbol = Symbol.for("effect-multiprocessing/TaskModule") as never

export interface TaskShape {
  readonly [TaskTypeId]: typeof TaskTypeId
  readonly module: string
  readonly key: string
  readonly fn: (...args: ReadonlyArray<any>) => unknown
}

export const isTask = (u: unknown): u is TaskShape =>
  typeof u === "object" && u !== null && (u as { [TaskTypeId]?: unknown })[TaskTypeId] === TaskTypeId

/**
 * The function a task reference names in a module namespace: the member `key` of an exported
 * `Task.module(...)` record created for that module URL, or else an exported function named `key`.
 */
export const resolveTask = (
  namespace: Record<string, unknown>,
  ref: TaskRef
): ((...args: ReadonlyArray<any>) => unknown) | undefined => {
  for (const value of Object.values(namespace)) {
    if (typeof value !== "object" || value === null) continue
    if ((value as { [ModuleTypeId]?: unknown })[ModuleTypeId] !== ref.module) continue
    const task = (value as Record<string, unknown>)[ref.key]
    if (isTask(task)) return task.fn
  }
  const direct = namespace[ref.key]
  return typeof direct === "function" ? (direct as (...args: ReadonlyArray<any>) => unknown) : undefined
}
