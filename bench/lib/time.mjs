// Clocks and number formatting shared by the benchmarks.

/** Milliseconds from a monotonic clock (same clock on Node, Deno and Bun). */
export const now = () => performance.now()

/** Runs `fn` and returns how long it took in ms together with its value. */
export const timed = async (fn) => {
  const t0 = now()
  const value = await fn()
  return { ms: now() - t0, value }
}

/** A duration in ms with a precision that suits its size ("0.42", "8.7", "112"). */
export const formatMs = (ms) => {
  if (ms === undefined || Number.isNaN(ms)) return "–"
  if (ms >= 100) return ms.toFixed(0)
  if (ms >= 10) return ms.toFixed(1)
  return ms.toFixed(2)
}

/** A ratio such as "1.23×"; "–" when either side is missing. */
export const formatRatio = (a, b) => (a === undefined || b === undefined || !(b > 0) || Number.isNaN(a) ? "–" : `${(a / b).toFixed(2)}×`)

/** A rate with thousands separators ("1,234,567"). */
export const formatRate = (n) => (n === undefined || Number.isNaN(n) ? "–" : Math.round(n).toLocaleString("en-US"))
