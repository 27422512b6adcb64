/**
 * Can a value cross to another thread or process? Checked at the call, before anything is sent, so that
 * a bad argument is a clear error naming it — never a hang, and never Deno's asynchronous
 * uncaught exception from an unclonable IPC payload.
 */

const describe = (value: unknown): string => {
  if (typeof value === "function") return value.name ? `a function (${value.name})` : "a function"
  if (typeof value === "symbol") return `a symbol (${String(value)})`
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name
  return ctor ? `a ${ctor}` : "an object"
}

const unclonable = [
  typeof WeakMap === "function" ? WeakMap : undefined,
  typeof WeakSet === "function" ? WeakSet : undefined,
  typeof WeakRef === "function" ? WeakRef : undefined,
  Promise
].filter((c): c is NonNullable<typeof c> => c !== undefined)

const clonableBuiltins = [
  Date, RegExp, ArrayBuffer, DataView, Error,
  typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : undefined
].filter((c): c is NonNullable<typeof c> => c !== undefined)

/**
 * The path of the first part of `value` that cannot be sent and why (`"args[1].cb: a function"`),
 * or `undefined` when everything can be sent.
 */
export const findUnsendable = (value: unknown, path = "value"): string | undefined => {
  const seen = new Set<object>()
  // `owned`: already attributed to the innermost class instance that holds it (a Socket, not its `_events`).
  type Found = { readonly at: string; readonly why: string; readonly owned: boolean }
  const walk = (v: unknown, at: string): Found | undefined => {
    switch (typeof v) {
      case "function":
      case "symbol":
        return { at, why: describe(v), owned: false }
      case "object":
        break
      default:
        return undefined
    }
    if (v === null || seen.has(v)) return undefined
    seen.add(v)
    if (unclonable.some((c) => v instanceof c)) return { at, why: describe(v), owned: true }
    if (ArrayBuffer.isView(v) || clonableBuiltins.some((c) => v instanceof c)) return undefined
    if (v instanceof Map) {
      let i = 0
      for (const [k, x] of v) {
        const r = walk(k, `${at}.<key:${i}>`) ?? walk(x, `${at}.get(${i})`)
        if (r) return r
        i++
      }
      return undefined
    }
    if (v instanceof Set) {
      let i = 0
      for (const x of v) {
        const r = walk(x, `${at}.<item:${i++}>`)
        if (r) return r
      }
      return undefined
    }
    const proto = Object.getPrototypeOf(v)
    const isInstance = proto !== Object.prototype && proto !== null && !Array.isArray(v)
    for (const key of Object.keys(v)) {
      const r = walk((v as Record<string, unknown>)[key], Array.isArray(v) ? `${at}[${key}]` : `${at}.${key}`)
      if (r === undefined) continue
      return isInstance && !r.owned
        ? { at, why: `${describe(v)} (its ${r.at.slice(at.length)} is ${r.why})`, owned: true }
        : r
    }
    if (!isInstance) return undefined
    // A class instance whose own fields look fine may still hold a native handle: let the runtime decide.
    try {
      structuredClone(v)
      return undefined
    } catch (e) {
      return { at, why: `${describe(v)} that cannot be cloned (${(e as Error).message})`, owned: true }
    }
  }
  const found = walk(value, path)
  return found === undefined ? undefined : `${found.at} is ${found.why}`
}
