/**
 * Hello from a child: the child prints its pid and its parent's pid, the parent waits for it.
 *
 *   npx tsx examples/hello.ts       npx deno run -A examples/hello.ts       npx bun examples/hello.ts
 *
 * This file is both the program and the module of its task. A child imports it to find `hello`, so
 * the program runs only under `Task.isMain(import.meta)` (Python's `if __name__ == "__main__":`).
 */
import { Effect, Option } from "effect"
import { Process, Task } from "../src/index.ts"

const hello = (greeting: string) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    console.log(`${me.name} pid=${me.pid} ppid=${Option.getOrElse(me.ppid, () => "none")}: ${greeting}`)
  })

export const tasks = Task.module(import.meta.url, { hello })

if (Task.isMain(import.meta)) {
  const program = Effect.gen(function*() {
    const me = yield* Process.current
    console.log(`${me.name} pid=${me.pid}: starting a child`)
    const child = yield* Process.spawn(tasks.hello, ["hello from the child"])
    yield* Process.join(child)
    const code = Option.getOrThrow(yield* Process.exitCode(child))
    console.log(`${me.name} pid=${me.pid}: ${Process.name(child)} exited with code ${code}`)
  })
  await Effect.runPromise(Effect.scoped(program))
}
