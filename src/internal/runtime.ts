/**
 * Facts about the JavaScript runtime we run on, and how to start another isolate of it.
 * Effect-free: the child bootstrap imports this.
 */
import { createRequire } from "node:module"
import * as os from "node:os"
import { fileURLToPath, pathToFileURL } from "node:url"

export type RuntimeName = "node" | "deno" | "bun"

const g = globalThis as { Deno?: unknown; Bun?: unknown }

export const runtime: RuntimeName = g.Deno !== undefined ? "deno" : g.Bun !== undefined ? "bun" : "node"

/** A module URL whose source is TypeScript (Node 20 needs tsx to load it). */
export const isTypeScriptUrl = (url: string): boolean => /\.(c|m)?tsx?$/.test(new URL(url).pathname)

/** The sibling of a module with the same extension as the module itself (`.ts` from source, `.js` from dist). */
export const siblingUrl = (base: string, stem: string): URL =>
  new URL(`${stem}${new URL(base).pathname.endsWith(".ts") ? ".ts" : ".js"}`, base)

/** On Node, TypeScript entries need tsx: `true` when any of these URLs is TypeScript. */
export const needsTsx = (...urls: ReadonlyArray<string>): boolean =>
  runtime === "node" && urls.some(isTypeScriptUrl)

let tsxUrls: { loader: string; api: string } | undefined

/** Absolute URLs of tsx's loader (for `--import`) and of its ESM API (for `register()` inside a worker). */
export const tsxModules = (): { loader: string; api: string } => {
  if (tsxUrls === undefined) {
    const require = createRequire(import.meta.url)
    const pkg = require.resolve("tsx/package.json")
    tsxUrls = {
      loader: pathToFileURL(fileURLToPath(new URL("./dist/loader.mjs", pathToFileURL(pkg)))).href,
      api: pathToFileURL(fileURLToPath(new URL("./dist/esm/api/index.mjs", pathToFileURL(pkg)))).href
    }
  }
  return tsxUrls
}

/** Number of CPUs this process may use. */
export const cpuCount = (): number =>
  typeof os.availableParallelism === "function" ? os.availableParallelism() : Math.max(1, os.cpus().length)

/** Signal name → Python-style negative exit code (`SIGTERM` → -15). */
export const signalExitCode = (signal: string): number => {
  const n = (os.constants.signals as Record<string, number | undefined>)[signal]
  return n === undefined ? -1 : -n
}

/** The URL of the program's entry module, when the runtime tells it. */
export const entryModuleUrl = (): string | undefined => {
  const deno = (globalThis as { Deno?: { mainModule?: string } }).Deno
  if (deno?.mainModule !== undefined) return deno.mainModule
  const entry = process.argv[1]
  return entry === undefined ? undefined : pathToFileURL(entry).href
}
