import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Process from "../src/Process.ts"
import { tasks } from "./fixtures/tasks.ts"

describe("smoke", () => {
  for (const backend of ["process", "thread", "fiber"] as const) {
    it.effect(`square on ${backend}`, () =>
      Effect.gen(function*() {
        expect(yield* Process.run(tasks.square, [7], { backend })).toBe(49)
      }))
  }
})
