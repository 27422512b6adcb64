/**
 * `applyAsync` with callbacks: the workers fetch the pages of a small web site (served by this program
 * on 127.0.0.1), and a callback parses each page in the parent as soon as it arrives: its title and
 * the number of its links. A missing page fails its task, and the `errorCallback` reports it.
 *
 *   npx tsx examples/pool-pages.ts   npx deno run -A examples/pool-pages.ts   npx bun examples/pool-pages.ts
 *
 * The callbacks run in the parent, in the order the pages arrive, before `Pool.get` gives the result
 * (as in Python). The workers are threads; `EFFECT_MP_BACKEND=process` (or `fiber`) makes them OS
 * processes (or fibers).
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Either } from "effect"
import { Pool, Task } from "../src/index.ts"
import { poolBackend } from "./tasks/pool-common.ts"
import { type Page, tasks } from "./tasks/pool-fetch.ts"

const site: Record<string, { readonly title: string; readonly links: ReadonlyArray<string> }> = {
  "/": { title: "Home", links: ["/pool", "/queue", "/pipe"] },
  "/pool": { title: "Pool of workers", links: ["/", "/queue"] },
  "/queue": { title: "Queues", links: ["/", "/pool", "/pipe", "/lock"] },
  "/pipe": { title: "Pipes", links: ["/"] }
}
/** What the workers fetch: every page, and one that is not there. */
const paths = [...Object.keys(site), "/lock"]

const render = (title: string, links: ReadonlyArray<string>) =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><ul>` +
  links.map((link) => `<li><a href="${link}">${link}</a></li>`).join("") +
  "</ul></body></html>"

/** Serves `site` on 127.0.0.1, on a port of the system's choice; closed with the scope. */
const serve = Effect.acquireRelease(
  Effect.async<Http.Server>((resume) => {
    const server = Http.createServer((request, response) => {
      const page = site[request.url ?? ""]
      response.writeHead(page === undefined ? 404 : 200, { "content-type": "text/html" })
      response.end(page === undefined ? render("Not found", []) : render(page.title, page.links))
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections?.()
      server.close(() => resume(Effect.sync(() => console.log("MainProcess: server closed"))))
    })
)

/** Runs in the parent: what a page is about. */
const parse = (html: string) => ({
  title: /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "(untitled)",
  links: html.match(/<a\s[^>]*href=/g)?.length ?? 0
})

if (Task.isMain(import.meta)) {
  const program = Effect.gen(function*() {
    const server = yield* serve
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const pool = yield* Pool.make({ processes: 3, backend: yield* poolBackend })
    const workers = `${pool.processes} ${pool.backend} workers`
    console.log(`MainProcess: ${paths.length} pages to fetch from ${origin}, a pool of ${workers}`)

    const results = yield* Effect.forEach(paths, (path) =>
      Pool.applyAsync(pool, tasks.fetchPage, [`${origin}${path}`], {
        callback: (page: Page) => {
          const { links, title } = parse(page.html)
          const about = `"${title}" has ${links} link${links === 1 ? "" : "s"}`
          console.log(`MainProcess: callback: ${path} ${about} (fetched by ${page.fetchedBy})`)
        },
        errorCallback: (error) => {
          const why = error._tag === "PageNotFound" ? `HTTP ${error.status}` : error.message
          console.log(`MainProcess: errorCallback: ${path}: ${why}`)
        }
      }))

    const outcomes = yield* Effect.forEach(results, (result) => Effect.either(Pool.get(result)))
    const pages = outcomes.filter(Either.isRight).map((outcome) => outcome.right)
    const links = pages.reduce((sum, page) => sum + parse(page.html).links, 0)
    console.log(`MainProcess: ${pages.length} pages with ${links} links, ${outcomes.length - pages.length} missing`)
  })
  await Effect.runPromise(Effect.scoped(program))
}
