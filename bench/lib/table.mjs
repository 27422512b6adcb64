// Markdown tables, so that a benchmark's output can be pasted into a note as it is.

/**
 * Prints `rows` (arrays of cells) under `headers`. A header starting with ">" is right-aligned
 * (the ">" is not printed). `null`/`undefined` cells print as "–".
 */
export const formatTable = (headers, rows) => {
  const right = headers.map((h) => h.startsWith(">"))
  const names = headers.map((h) => (h.startsWith(">") ? h.slice(1) : h))
  const cells = rows.map((row) => names.map((_, i) => (row[i] === undefined || row[i] === null ? "–" : String(row[i]))))
  const width = names.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)))
  const pad = (text, i) => (right[i] ? text.padStart(width[i]) : text.padEnd(width[i]))
  const line = (row) => `| ${row.map(pad).join(" | ")} |`
  const rule = `|${width.map((w, i) => (right[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`
  return [line(names), rule, ...cells.map(line)].join("\n")
}

export const printTable = (headers, rows) => console.log(formatTable(headers, rows))
