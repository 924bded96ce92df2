// The windows watching the queue. A window shows a few dozen rows of a queue that can hold
// 100,000 jobs, so it never gets the queue: it watches a range (the rows on screen plus some
// overscan), gets that range's rows on watchQueue, then with every patch only the rows of the
// range that changed or entered it, and the range's ids when they moved (rows added in the range,
// rows removed before it). Counts and totals travel in every patch anyway. The core keeps the
// whole queue and answers by predicate what acts on rows a window does not hold.

import type { QueueFilter, QueueJob, QueueRange, QueueWindowPatch } from '../shared/api'

/** More windows than this and the one that asked longest ago is forgotten (tabs come and go). */
export const MAX_WINDOWS = 32
/** The most rows one range may span (the dispatcher refuses more). */
export const MAX_RANGE_ROWS = 2000

/** The queue the windows are cut from. */
export interface QueueRows {
  /** The ids the filter keeps, in queue order. */
  list(filter: QueueFilter): readonly string[]
  row(id: string): QueueJob | undefined
}

interface Watched extends QueueRange {
  /** What the window holds now: the ids it was sent and the length it was told. */
  ids: string[]
  length: number
}

export class QueueWindows {
  private readonly windows = new Map<string, Watched>()

  constructor(private readonly rows: QueueRows) {}

  /** Starts (or moves) a window's range: the rows it holds from now on. */
  watch(range: QueueRange): { length: number; ids: string[]; rows: QueueJob[] } {
    const list = this.rows.list(range.filter)
    const ids = list.slice(range.start, range.end)
    // Re-inserted: the map's order is the order windows last asked in, oldest first.
    this.windows.delete(range.view)
    this.windows.set(range.view, { ...range, ids, length: list.length })
    while (this.windows.size > MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!)
    return { length: list.length, ids, rows: this.rowsOf(ids) }
  }

  forget(view: string): void {
    this.windows.delete(view)
  }

  get size(): number {
    return this.windows.size
  }

  /** What each window must hear of a flush; `dirty`: the jobs whose fields changed. */
  patches(dirty: ReadonlySet<string>): QueueWindowPatch[] {
    const out: QueueWindowPatch[] = []
    const lists = new Map<QueueFilter, readonly string[]>()
    for (const w of this.windows.values()) {
      let list = lists.get(w.filter)
      if (!list) lists.set(w.filter, (list = this.rows.list(w.filter)))
      const ids = list.slice(w.start, w.end)
      const moved = !sameIds(ids, w.ids)
      const held = moved ? new Set(w.ids) : null
      const rows: QueueJob[] = []
      for (const id of ids) {
        if (!dirty.has(id) && (!held || held.has(id))) continue
        const row = this.rows.row(id)
        if (row) rows.push(row)
      }
      if (!moved && rows.length === 0 && list.length === w.length) continue
      w.ids = ids
      w.length = list.length
      const { view, filter, start, end } = w
      out.push({ view, filter, start, end, length: list.length, ...(moved ? { ids } : {}), rows })
    }
    return out
  }

  private rowsOf(ids: readonly string[]): QueueJob[] {
    return ids.flatMap((id) => {
      const row = this.rows.row(id)
      return row ? [row] : []
    })
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
