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
  let needsCloneCheck = false
  const walk = (v: unknown, at: string): string | undefined => {
    switch (typeof v) {
      case "function":
      case "symbol":
        return `${at} is ${describe(v)}`
      case "object":
        break
      default:
        return undefined
    }
    if (v === null || seen.has(v)) return undefined
    seen.add(v)
    if (unclonable.some((c) => v instanceof c)) return `${at} is ${describe(v)}`
    if (ArrayBuffer.isView(v) || clonableBuiltins.some((c) => v instanceof c)) return undefined
    if (v instanceof Map) {
      let i = 0
      for (const [k, x] of v) {
        const r = walk(k, `${at}.<key ${i}>`) ?? walk(x, `${at}.get(${i})`)
        if (r) return r
        i++
      }
      return undefined
    }
    if (v instanceof Set) {
      let i = 0
      for (const x of v) {
        const r = walk(x, `${at}.<item ${i++}>`)
        if (r) return r
      }
      return undefined
    }
    const proto = Object.getPrototypeOf(v)
    if (proto !== Object.prototype && proto !== null && !Array.isArray(v)) needsCloneCheck = true
    for (const key of Object.keys(v)) {
      const r = walk((v as Record<string, unknown>)[key], Array.isArray(v) ? `${at}[${key}]` : `${at}.${key}`)
      if (r) return r
    }
    return undefined
  }
  const found = walk(value, path)
  if (found !== undefined || !needsCloneCheck) return found
  // A class instance whose own fields look fine may still hold a native handle: let the runtime decide.
  try {
    structuredClone(value)
    return undefined
  } catch (e) {
    return `${path} is ${describe(value)} that cannot be cloned (${(e as Error).message})`
  }
}
