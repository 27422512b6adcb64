// Command-line options of a benchmark: `--reps 30 --warmup 3 --no-python --json out.json`.

/**
 * Parses `argv` against `defaults`: a number default takes a number, a boolean default is a flag
 * (`--x` / `--no-x`), a string default takes a string. Unknown options are an error.
 */
export const parseOptions = (argv, defaults) => {
  const options = { ...defaults }
  const rest = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith("--")) {
      rest.push(arg)
      continue
    }
    const [flag, inline] = arg.slice(2).split("=", 2)
    const negated = flag.startsWith("no-") && !(flag in defaults)
    const key = negated ? flag.slice(3) : flag
    const camel = key.replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (!(camel in defaults)) throw new Error(`unknown option --${flag} (known: ${Object.keys(defaults).join(", ")})`)
    const kind = typeof defaults[camel]
    if (kind === "boolean") {
      options[camel] = negated ? false : inline === undefined ? true : inline !== "false"
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) throw new Error(`--${flag} needs a value`)
    options[camel] = kind === "number" ? Number(value) : value
    if (kind === "number" && Number.isNaN(options[camel])) throw new Error(`--${flag} needs a number, got ${value}`)
  }
  return { options, rest }
}

/** The arguments after the script, on Node, Deno and Bun. */
export const scriptArgs = () =>
  globalThis.Deno !== undefined ? [...globalThis.Deno.args] : process.argv.slice(2)
