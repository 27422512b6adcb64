/**
 * The tasks of `error.ts`: one throws (an untyped error, seen by the parent as a `TaskError` with the
 * child's stack), one fails with a typed error, which comes back as an instance of its own class
 * because this module exports that class.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Task from "../../src/Task.ts"

export class Overdrawn extends Schema.TaggedError<Overdrawn>()("Overdrawn", {
  balance: Schema.Number,
  amount: Schema.Number
}) {}

const check = (divisor: number): void => {
  if (divisor === 0) throw new RangeError("cannot divide by zero")
}

const divide = (a: number, b: number): number => {
  check(b)
  return a / b
}

const withdraw = (amount: number) => {
  const balance = 100
  return amount > balance ? Effect.fail(new Overdrawn({ balance, amount })) : Effect.succeed(balance - amount)
}

export const tasks = Task.module(import.meta.url, { divide, withdraw })
