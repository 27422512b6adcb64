/**
 * Buffers to move rather than copy between threads (`transfer: true`): every `ArrayBuffer` in a value,
 * directly or under a typed array or `DataView`, inside arrays and plain objects. Shared buffers are
 * shared anyway and never listed. Effect-free: the worker uses it for results.
 */
export const collectBuffers = (value: unknown): Array<ArrayBuffer> => {
  const found = new Set<ArrayBuffer>()
  const walk = (v: unknown, depth: number): void => {
    if (typeof v !== "object" || v === null || depth > 8) return
    if (v instanceof ArrayBuffer) {
      if (v.byteLength > 0) found.add(v)
      return
    }
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) found.add(v.buffer)
      return
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1)
      return
    }
    const proto = Object.getPrototypeOf(v)
    if (proto !== Object.prototype && proto !== null) return
    for (const key of Object.keys(v)) walk((v as Record<string, unknown>)[key], depth + 1)
  }
  walk(value, 0)
  return [...found]
}
