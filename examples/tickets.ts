/**
 * Selling tickets with a Lock: 50 buyers (processes) each try to buy one of 20 tickets kept in a JSON
 * file. The read-modify-write of the file happens under a Lock, so exactly 20 tickets are sold, each
 * once, and 30 buyers are turned away.
 *
 *   npx tsx examples/tickets.ts        npx deno run -A examples/tickets.ts        npx bun examples/tickets.ts
 *
 * The buyers are OS processes (the default backend); `EFFECT_MP_BACKEND=thread` (or `fiber`) runs them
 * as worker threads (or fibers).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Backend, Lock, Process } from "../src/index.ts"
import { type Tickets, tasks } from "./tasks/tickets.ts"

const buyers = 50
const available = 20

const program = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "tickets-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const file = join(dir, "tickets.json")
  writeFileSync(file, JSON.stringify({ left: available, sold: [] } satisfies Tickets))
  const lock = yield* Lock.make
  console.log(`MainProcess: ${available} tickets for ${buyers} buyers on the ${yield* Backend.ProcessBackend} backend`)

  const processes = yield* Effect.forEach(
    Array.from({ length: buyers }, (_, i) => i + 1),
    (i) => Process.spawn(tasks.buy, [lock, file], { name: `buyer-${i}` })
  )
  const bought = yield* Effect.forEach(processes, Process.result, { concurrency: "unbounded" })

  const tickets = JSON.parse(readFileSync(file, "utf8")) as Tickets
  const numbers = bought.filter((t): t is number => t !== null)
  const distinct = new Set(tickets.sold.map((s) => s.ticket)).size
  console.log(
    `MainProcess: sold ${tickets.sold.length} tickets (${distinct} distinct) to ${numbers.length} buyers, ` +
      `turned ${buyers - numbers.length} away, ${tickets.left} left`
  )
  if (tickets.sold.length !== available || distinct !== available || numbers.length !== available || tickets.left !== 0) {
    return yield* Effect.die(new Error("tickets were oversold or lost"))
  }
})

await Effect.runPromise(Effect.scoped(program))
