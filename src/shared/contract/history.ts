// Finished files with their links, and the History view: pages of past uploads, usage per
// destination, deletes.

import type { JobError, OutputReport } from '../jobs'

export interface FinishedFile {
  id: string
  name: string
  source: string
  outputs: OutputReport[]
}

export type HistoryStatus = 'done' | 'failed' | 'canceled' | 'deleted'

export interface HistoryQuery {
  search?: string
  /** Ledger destination id (from the summary). */
  destinationId?: string
  status?: HistoryStatus
  /** Only uploads whose source lies inside this absolute folder (a sync pair's history). */
  folder?: string
  /** ms epoch bounds on when the job finished. */
  since?: number
  until?: number
  offset?: number
  limit?: number
}

export interface HistoryItem {
  id: string
  name: string
  source: string
  status: HistoryStatus
  destinationId: string
  destinationName: string
  finishedAt: number | null
  bytes: number
  outputCount: number
  deduplicated: boolean
  error: JobError | null
  /**
   * A done upload sent with mirrors: each mirror (its name, for copyLinks' `mirror`) and whether
   * every object is copied there yet ('done'), still being copied, or failed.
   */
  mirrors?: { mirror: string; state: 'done' | 'pending' | 'failed' }[]
}

export interface HistoryPage {
  total: number
  items: HistoryItem[]
}

export interface DestinationUsage {
  destinationId: string
  name: string
  files: number
  objects: number
  bytes: number
  byVariant: { variant: string; objects: number; bytes: number }[]
  byFormat: { format: string; objects: number; bytes: number }[]
}

export interface DeleteResult {
  /** Objects removed from buckets. */
  deleted: number
  /**
   * Objects left in their bucket because another upload, another data dir or another computer
   * still uses them (their links keep working; the deleted uploads are gone from the history).
   */
  kept: number
  /** Per job that could not be deleted entirely, why. */
  failures: { id: string; message: string }[]
  /**
   * What the CDN in front of the bucket did, in one sentence ("removed from the bucket and purged
   * from CloudFront", or which URLs could not be purged and why); null without CDN settings.
   */
  purge: string | null
  /** Some purge failed: it is kept in the ledger and tried again. */
  purgePending: boolean
}

export interface CopyResult {
  /** What was put on the clipboard. */
  text: string
  count: number
}
