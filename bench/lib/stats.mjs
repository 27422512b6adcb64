// Summaries of latency samples. Percentiles use the nearest-rank method (p90 of 20 samples is the 18th).

/** The p-th percentile (0–100) of `samples` by nearest rank; NaN when there are none. */
export const percentile = (samples, p) => {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]
}

/** The median (mean of the two middle samples when their count is even). */
export const median = (samples) => {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** n, median, p90, p99, min, max and mean of `samples`. */
export const summarize = (samples) => ({
  n: samples.length,
  median: median(samples),
  p90: percentile(samples, 90),
  p99: percentile(samples, 99),
  min: samples.length === 0 ? NaN : Math.min(...samples),
  max: samples.length === 0 ? NaN : Math.max(...samples),
  mean: samples.length === 0 ? NaN : samples.reduce((a, b) => a + b, 0) / samples.length
})
