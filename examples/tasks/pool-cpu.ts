/** The task of `pool-vs-processes.ts`: a little pure CPU work (a millisecond or so). */
import * as Task from "../../src/Task.ts"

/** The Collatz steps of the thousand numbers of block `block`, in total. */
const collatzSteps = (block: number): number => {
  let steps = 0
  for (let n = block * 1000 + 1; n <= (block + 1) * 1000; n++) {
    for (let x = n; x !== 1; steps++) x = x % 2 === 0 ? x / 2 : 3 * x + 1
  }
  return steps
}

export const tasks = Task.module(import.meta.url, { collatzSteps })
