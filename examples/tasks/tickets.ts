/**
 * Tasks of the ticket-selling example: a buyer looks at the tickets left in a JSON file and, under a
 * Lock, buys one if any is left.
 *
 * Every child imports this module: it imports the modules it uses, not the barrels, to start faster.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import * as Lock from "../../src/Lock.ts"
import * as Process from "../../src/Process.ts"
import * as Task from "../../src/Task.ts"

export interface Tickets {
  readonly left: number
  readonly sold: ReadonlyArray<{ readonly ticket: number; readonly buyer: string }>
}

const read = (file: string): Tickets => JSON.parse(readFileSync(file, "utf8")) as Tickets

/** Replaces the file at once (a look without the lock must never see it half written). */
const write = (file: string, tickets: Tickets): void => {
  const next = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`
  writeFileSync(next, JSON.stringify(tickets))
  renameSync(next, file)
}

/** Looks (without the lock: what it sees may be stale), then buys under the lock: the ticket's number, or null. */
const buy = (lock: Lock.Lock, file: string) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    console.log(`${me.name}: sees ${read(file).left} tickets left`)
    return yield* Lock.withLock(lock)(
      Effect.gen(function*() {
        const tickets = read(file)
        if (tickets.left === 0) {
          console.log(`${me.name}: sold out`)
          return null
        }
        // a pause between reading and writing: without the lock, other buyers would sell the same ticket
        yield* Effect.sleep(1)
        const ticket = tickets.sold.length + 1
        write(file, { left: tickets.left - 1, sold: [...tickets.sold, { ticket, buyer: me.name }] })
        console.log(`${me.name}: bought ticket ${ticket}`)
        return ticket
      })
    )
  })

export const tasks = Task.module(import.meta.url, { buy })
