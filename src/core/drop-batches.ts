// The app's batches: what one drop, one dialog or one paste added. A batch is over when its
// listing has ended, every job in it has finished and (for a browser's drop sent in parts) its
// last part came; then its links go to the clipboard (auto-copy) and one notification says how
// it went. A job belongs to one batch at most.

import type { Preferences, QueueState } from '../shared/api'
import type { LinkFormat } from '../shared/links'
import { batchNotice } from './batch-notice'

export interface Batch {
  ids: Set<string>
  pending: number
  /** More files are coming (a browser sends a drop in parts): not finished before the last. */
  open?: boolean
  /** Listings still running into it: its jobs all finishing does not finish the batch yet. */
  listing: number
}

export interface DropBatchesDeps {
  stateOf(id: string): QueueState | undefined
  preferences(): Pick<Preferences, 'autoCopy' | 'notifications' | 'linkFormat'>
  /** Copies the links of done jobs in the given format; throws when there is nothing to copy. */
  copyLinks(ids: string[], format: LinkFormat): Promise<unknown>
  notify(title: string, body: string): void
  /** A batch ended: a quiet moment for changes that wait for one. */
  ended(): void
}

/** How long a drop sent in parts waits for its last part before it ends anyway. */
const OPEN_PART_MS = 10 * 60_000

export class DropBatches {
  private readonly batchOf = new Map<string, Batch>()
  /** Drops a browser sends in parts, by the page's key for the drop. */
  private readonly openBatches = new Map<string, Batch>()

  constructor(private readonly deps: DropBatchesDeps) {}

  fresh(): Batch {
    return { ids: new Set(), pending: 0, listing: 0 }
  }

  /** The batch of a drop sent in parts: the same one for every part, closed after the last. */
  part(key: string, last: boolean): Batch {
    let batch = this.openBatches.get(key)
    if (!batch) {
      batch = { ids: new Set(), pending: 0, open: true, listing: 0 }
      this.openBatches.set(key, batch)
      // A page that never sends the last part (closed mid-drop) does not hold it open forever.
      setTimeout(() => this.close(key), OPEN_PART_MS).unref()
    }
    if (last) batch.open = false
    return batch
  }

  close(key: string): void {
    const batch = this.openBatches.get(key)
    if (!batch) return
    this.openBatches.delete(key)
    batch.open = false
    // Finished already (its last part's files were all done at once): once is enough.
    const unfinished = [...batch.ids].some((id) => this.batchOf.get(id) === batch)
    if (batch.pending === 0 && unfinished) this.finish(batch)
  }

  /** A job the batch's listing recorded; `running`: not finished yet (a duplicate may be). */
  joined(batch: Batch, id: string, running: boolean): void {
    batch.ids.add(id)
    if (running) batch.pending++
    this.batchOf.set(id, batch)
  }

  listingEnded(batch: Batch): void {
    batch.listing--
    if (batch.pending === 0 && !batch.open && batch.listing === 0) this.finish(batch)
  }

  jobFinished(id: string): void {
    const batch = this.batchOf.get(id)
    if (!batch) return
    batch.pending--
    if (batch.pending === 0 && !batch.open && batch.listing === 0) this.finish(batch)
  }

  private finish(batch: Batch): void {
    void this.finished(batch)
  }

  private async finished(batch: Batch): Promise<void> {
    for (const id of batch.ids) this.batchOf.delete(id)
    const ids = [...batch.ids]
    const states = ids.map((id) => this.deps.stateOf(id))
    const done = ids.filter((_, i) => states[i] === 'done')
    const prefs = this.deps.preferences()
    let copied = false
    if (prefs.autoCopy && done.length > 0) {
      try {
        await this.deps.copyLinks(done, prefs.linkFormat)
        copied = true
      } catch {
        // Nothing to copy after all (all deduplicated away from this view...): say nothing.
      }
    }
    const notice = batchNotice({
      done: done.length,
      failed: states.filter((s) => s === 'failed').length,
      canceled: states.filter((s) => s === 'canceled').length,
      copied,
    })
    if (prefs.notifications && notice) this.deps.notify(notice.title, notice.body)
    this.deps.ended()
  }
}
