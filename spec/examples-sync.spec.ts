/**
 * The Lock, Semaphore and Event examples run as real subprocesses of the runtime running this test, on
 * each backend: 50 buyers sell exactly the 20 tickets of a JSON file under a Lock; a Semaphore lets at
 * most 5 of 13 workers in at once (counted in a shared file, not just printed); cars wait at a red
 * light (an Event) and pass once another process turns it green.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type Ran, runExampleOk } from "./fixtures/examples-run.ts"

const backends = ["process", "thread", "fiber"] as const
// 50 children on Node from TypeScript sources cost a second each or more on a loaded machine
const timeout = "600 seconds"
const testTimeout = 660_000

const run = (name: string, backend: (typeof backends)[number]) => runExampleOk(name, { backend, timeout })

const matches = (ran: Ran, pattern: RegExp) =>
  ran.lines.flatMap((line) => {
    const m = pattern.exec(line)
    return m === null ? [] : [m]
  })

describe("Lock, Semaphore and Event examples", () => {
  for (const backend of backends) {
    it.live(`tickets (${backend}): 50 buyers, 20 tickets: each ticket sold once, 30 buyers turned away`, () =>
      Effect.gen(function*() {
        const ran = yield* run("tickets", backend)
        const bought = matches(ran, /^(buyer-\d+): bought ticket (\d+)$/)
        expect(bought.map((m) => Number(m[2])).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
        expect(new Set(bought.map((m) => m[1])).size).toBe(20)
        const soldOut = matches(ran, /^(buyer-\d+): sold out$/)
        expect(soldOut.length).toBe(30)
        expect(new Set([...bought, ...soldOut].map((m) => m[1])).size).toBe(50)
        expect(ran.lines.filter((line) => line.startsWith("MainProcess"))).toEqual([
          `MainProcess: 20 tickets for 50 buyers on the ${backend} backend`,
          "MainProcess: sold 20 tickets (20 distinct) to 20 buyers, turned 30 away, 0 left"
        ])
      }), testTimeout)

    it.live(`semaphore (${backend}): 13 workers, never more than 5 inside at once`, () =>
      Effect.gen(function*() {
        const ran = yield* run("semaphore", backend)
        const ins = matches(ran, /^(worker-\d+): in \((\d+) inside\)$/)
        expect(ins.length).toBe(13)
        expect(matches(ran, /^worker-\d+: out$/).length).toBe(13)
        const most = Math.max(...ins.map((m) => Number(m[2])))
        expect(most).toBeLessThanOrEqual(5)
        expect(ran.lines).toContain(`MainProcess: 13 workers done; at most ${most} inside at once (limit 5); 0 inside now`)
        expect(ran.lines).toContain("MainProcess: permits free at the end: 5")
      }), testTimeout)

    it.live(`traffic-light (${backend}): cars wait at red and pass once the light process turns green`, () =>
      Effect.gen(function*() {
        const ran = yield* run("traffic-light", backend)
        const log = ran.lines.filter((line) => !line.startsWith("MainProcess"))
        const firstGreen = log.indexOf("light: green")
        expect(log[0]).toBe("light: red")
        expect(firstGreen).toBeGreaterThan(0)
        const cars = Array.from({ length: 5 }, (_, i) => `car-${i + 1}`)
        let waited = 0
        for (const car of cars) {
          const lines = log.map((line, index) => ({ line, index })).filter(({ line }) => line.startsWith(`${car}: `))
          const passes = lines.filter(({ line }) => line.endsWith("passes"))
          expect(passes.length, car).toBe(1)
          expect(passes[0]!.index, car).toBeGreaterThan(firstGreen)
          if (lines[0]!.line === `${car}: red, waits`) {
            waited++
            expect(lines.map(({ line }) => line)).toEqual([`${car}: red, waits`, `${car}: green now, passes`])
          }
        }
        expect(ran.lines).toContain(`MainProcess: 5 cars passed, ${waited} of them waited at red`)
      }), testTimeout)
  }
})
