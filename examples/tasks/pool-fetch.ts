/**
 * The task of `pool-pages.ts`: fetch a page. A missing page fails with `PageNotFound`, which comes back
 * to the parent as itself because this module exports its class.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Process from "../../src/Process.ts"
import * as Task from "../../src/Task.ts"

export class PageNotFound extends Schema.TaggedError<PageNotFound>()("PageNotFound", {
  url: Schema.String,
  status: Schema.Number
}) {}

export interface Page {
  readonly url: string
  readonly html: string
  /** The worker that fetched it. */
  readonly fetchedBy: string
}

const fetchPage = (url: string) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    const response = yield* Effect.promise(() => fetch(url))
    const html = yield* Effect.promise(() => response.text())
    if (!response.ok) return yield* new PageNotFound({ url, status: response.status })
    const page: Page = { url, html, fetchedBy: me.name }
    return page
  })

export const tasks = Task.module(import.meta.url, { fetchPage })
