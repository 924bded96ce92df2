// One page of a listing made into ledger jobs: the engine records a drop page by page (see
// listInputs), so the first files are queued, shown and running while the rest is still listed.

import { randomUUID } from 'node:crypto'
import type { JobError } from '../shared/jobs'
import type { InputEntry } from './inputs'
import type { JobRow, NewJob } from './ledger'

export interface EnqueueOptions {
  /** Stops listing: the pages already recorded stay recorded (and queued), the rest is not. */
  signal?: AbortSignal
  /** Called once a page's jobs are in the ledger, with where its time went. */
  onPage?: (page: RecordedPage) => void
}

export interface RecordedPage {
  ids: string[]
  /** The jobs as recorded, in the order of `ids` (read once, for the events and the caller). */
  rows: JobRow[]
  /** Milliseconds spent listing this page (readdir, and stat for links and folders). */
  listMs: number
  /** Milliseconds spent recording it (one transaction). */
  recordMs: number
}

export function jobsOfPage(
  entries: readonly InputEntry[],
  base: Omit<NewJob, 'id' | 'source'>,
): { ids: string[]; good: NewJob[]; failed: { job: NewJob; error: JobError }[] } {
  const ids: string[] = []
  const good: NewJob[] = []
  const failed: { job: NewJob; error: JobError }[] = []
  for (const e of entries) {
    const id = randomUUID()
    ids.push(id)
    if (e.error) failed.push({ job: { id, source: e.source, ...base }, error: e.error })
    else good.push({ id, source: e.source, ...base })
  }
  return { ids, good, failed }
}
