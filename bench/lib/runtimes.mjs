// The JavaScript runtimes a benchmark runs on, and how to start a script on each (from the npm
// devDependencies, so `npm ci` is the whole set-up).
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

const bin = (name) => join(root, "node_modules", ".bin", name)

export const runtimeNames = ["node", "deno", "bun"]

/** `[command, args]` that runs `file` (with `args`) on `runtime`; TypeScript on Node goes through tsx. */
export const commandFor = (runtime, file, args = []) => {
  switch (runtime) {
    case "node":
      return [process.execPath, [...(/\.[cm]?ts$/.test(file) ? ["--import", "tsx"] : []), file, ...args]]
    case "deno":
      return [bin("deno"), ["run", "-A", file, ...args]]
    case "bun":
      return [bin("bun"), [file, ...args]]
    default:
      throw new Error(`unknown runtime "${runtime}" (known: ${runtimeNames.join(", ")})`)
  }
}

export const isInstalled = (runtime) => runtime === "node" || existsSync(bin(runtime))

const g = globalThis

/** The runtime this code runs on, and its version. */
export const currentRuntime = () =>
  g.Deno !== undefined
    ? { name: "deno", version: g.Deno.version.deno }
    : g.Bun !== undefined
    ? { name: "bun", version: g.Bun.version }
    : { name: "node", version: process.versions.node }
