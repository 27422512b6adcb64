/**
 * Data isolation: a child's change to a module variable is invisible to the parent, on the process
 * and thread backends (each child imports the module afresh). A fiber runs in the parent's isolate
 * and shares its memory, like Python's `multiprocessing.dummy`.
 *
 *   npx tsx examples/isolation.ts   npx deno run -A examples/isolation.ts   npx bun examples/isolation.ts
 */
import { Effect } from "effect"
import { Process } from "../src/index.ts"
import { readValue, tasks } from "./tasks/isolation.ts"

const program = Effect.gen(function*() {
  console.log(`MainProcess: value = ${readValue()}`)
  for (const [backend, to] of [["process", 100], ["thread", 200], ["fiber", 300]] as const) {
    const seen = yield* Process.run(tasks.change, [to], { backend })
    console.log(`MainProcess: the ${backend} child set value to ${seen}; here value = ${readValue()}`)
  }
})

await Effect.runPromise(program)
