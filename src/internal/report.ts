/** Python prints `Process <name>:` and the traceback on the child's stderr when its target raises. */
export const printFailure = (name: string, error: unknown): void => {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error)
  process.stderr.write(`Process ${name}:\n${text}\n`)
}
