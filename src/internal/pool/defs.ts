/**
 * The functions a pool runs, each known to workers by a small number, with the measured cost per item
 * that the batching policy uses.
 */
import type { TaskRef } from "../protocol/messages.ts"
import type { Def, Fn } from "./job.ts"

export class Defs {
  private readonly list: Array<Def> = []
  private readonly byTarget = new Map<unknown, Def>()

  get(target: unknown): Def | undefined {
    return this.byTarget.get(target)
  }

  at(index: number): Def | undefined {
    return this.list[index]
  }

  add(target: unknown, ref: TaskRef, fn: Fn, namespace: Record<string, unknown> | undefined): Def {
    const existing = this.byTarget.get(target)
    if (existing !== undefined) return existing
    const def: Def = { index: this.list.length, ref, fn, namespace, costUs: NaN }
    this.list.push(def)
    this.byTarget.set(target, def)
    return def
  }

  /**
   * Records the time per item of a batch of results. The average follows a faster sample more readily
   * than a slower one: a first sample includes warming up, and noise only adds time. When a batch mixed
   * several functions, each gets the batch's average.
   */
  measure(first: Def, mixed: boolean, perItem: number): void {
    const update = (def: Def) => {
      const c = def.costUs
      def.costUs = c !== c ? perItem : perItem < c ? (c + 3 * perItem) / 4 : (3 * c + perItem) / 4
    }
    update(first)
    if (mixed) for (const def of this.list) if (def !== first) update(def)
  }
}
