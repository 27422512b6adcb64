/** The task of `main.ts`: count the primes in a range, by trial division (some real CPU work). */
import * as Effect from "effect/Effect"
import * as Task from "../../src/Task.ts"
import { say } from "./whoami.ts"

const isPrime = (n: number): boolean => {
  if (n < 2) return false
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false
  return true
}

const countPrimes = (from: number, to: number) =>
  Effect.gen(function*() {
    yield* say(`counting the primes in [${from}, ${to})`)
    let count = 0
    for (let n = from; n < to; n++) if (isPrime(n)) count++
    yield* say(`found ${count} primes in [${from}, ${to})`)
    return count
  })

export const tasks = Task.module(import.meta.url, { countPrimes })
