/**
 * Children never outlive their parent, even a child whose task never yields to its event loop (it
 * cannot hear "disconnect"). One `/bin/sh` per parent, started with the first process child, holds
 * the read end of a pipe from this process and the pids of its live children; when this process ends
 * in any way (SIGKILL included), the pipe closes, `read` sees end-of-file and the shell kills the
 * children it still lists. Costs one shell per parent instead of one watchdog thread per child.
 * Effect-free; where there is no `/bin/sh` (Windows), children rely on "disconnect" alone.
 */
import * as CP from "node:child_process"

// A line "<pid>" adds a child, "-<pid>" removes it (so that a reused pid is never killed).
const script = `pids=" "
while read -r line; do
  case "$line" in
    -*) pids=$(printf '%s' "$pids" | sed "s/ \${line#-} / /") ;;
    *) pids="$pids$line " ;;
  esac
done
kill -9 $pids 2>/dev/null
exit 0`

let reaper: CP.ChildProcess | null | undefined

const get = (): CP.ChildProcess | null => {
  if (reaper !== undefined) return reaper
  if (process.platform === "win32") return (reaper = null)
  try {
    const sh = CP.spawn("/bin/sh", ["-c", script], { stdio: ["pipe", "ignore", "ignore"] })
    sh.on("error", () => {
      reaper = null
    })
    sh.stdin!.on("error", () => {})
    // Neither the shell nor its pipe keeps this process alive.
    sh.unref()
    ;(sh.stdin as unknown as { unref?: () => void }).unref?.()
    reaper = sh
  } catch {
    reaper = null
  }
  return reaper
}

/** Kill `pid` when this process ends. */
export const watchChild = (pid: number): void => {
  const sh = get()
  if (sh?.stdin?.writable) sh.stdin.write(`${pid}\n`)
}

/** `pid` has ended: forget it. */
export const unwatchChild = (pid: number): void => {
  if (reaper?.stdin?.writable) reaper.stdin.write(`-${pid}\n`)
}
