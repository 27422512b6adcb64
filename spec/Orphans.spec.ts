/**
 * A parent that dies leaves no orphan: a real parent program (same runtime as this test) starts a
 * daemonic child, a non-daemonic child with a grandchild and a busy child whose event loop never
 * yields (all OS processes), then is killed by
 * SIGTERM, SIGINT or SIGKILL, or dies of an uncaught error. Every descendant must be gone soon after.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { runtime } from "../src/internal/runtime.ts"
import { awaitGone, isRunning, launch } from "./fixtures/subprocess.ts"

const endings = ["SIGTERM", "SIGINT", "SIGKILL", "uncaught error"] as const

interface Family {
  readonly children: ReadonlyArray<number>
  readonly ready: ReadonlyArray<number>
}

/** Once the parent has listed its 3 children and all 4 descendants said `ready <pid>`. */
const family = (lines: ReadonlyArray<string>): Family | undefined => {
  const listed = lines.map((line) => /^parent \d+ children ([\d ]+)$/.exec(line)).find((m) => m !== null)
  const ready = lines.flatMap((line) => {
    const m = /^ready (\d+)$/.exec(line)
    return m === null ? [] : [Number(m[1])]
  })
  return listed === undefined || ready.length < 4 ? undefined : { children: listed[1]!.split(" ").map(Number), ready }
}

describe("no orphans", () => {
  for (const ending of endings) {
    it.scopedLive(`a parent killed by ${ending}: its children and grandchild exit`, () =>
      Effect.gen(function*() {
        const parent = yield* launch(new URL("./fixtures/orphanParent.ts", import.meta.url))
        const { children, ready } = yield* parent.until(family, "60 seconds")
        parent.track(ready)
        expect(ready).toHaveLength(4)
        expect(ready).toEqual(expect.arrayContaining([...children]))
        expect(ready.every(isRunning)).toBe(true)

        if (ending === "uncaught error") parent.write("crash\n")
        else parent.signal(ending)
        const exit = yield* parent.exited
        if (ending === "uncaught error") {
          expect(exit.code).not.toBe(0)
          expect(parent.stderr()).toContain("the parent dies of an uncaught error")
        } else if (runtime !== "deno") {
          // Deno's child_process reports every killed child as SIGTERM
          expect(exit).toEqual({ code: null, signal: ending })
        } else {
          expect(exit.signal).not.toBe(null)
        }

        yield* awaitGone(ready, "30 seconds")
      }), 240_000)
  }
})
