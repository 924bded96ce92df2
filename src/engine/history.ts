// What the desktop app asks of the ledger beyond running jobs: past uploads (paged, searchable,
// filtered), a summary per destination, giving a failed job another go. Deleting uploads is
// engine/references (objects are shared between records). Plain Node, like the rest of the engine; each change is one named
// transition in one prepared statement or transaction, as in ./ledger.

import path from 'node:path'
import type { HistoryQuery, HistoryStatus } from '../shared/api'
import type { ErrorCode, JobError, JobState, OutputReport } from '../shared/jobs'
import type { Ledger } from './ledger'

export type { HistoryQuery, HistoryStatus }

export interface HistoryRow {
  id: string
  source: string
  state: JobState
  destinationId: string
  destinationName: string | null
  destinationKind: 's3' | 'local'
  createdAt: number
  finishedAt: number | null
  /** Bytes of all outputs (what the bucket holds for this file). */
  bytes: number
  outputCount: number
  /**
   * The user deleted this upload, or every object it links to is known to be gone. A twin that
   * shares its objects with a deleted upload is not deleted.
   */
  deleted: boolean
  deduplicated: boolean
  error: JobError | null
}

export interface HistoryPage {
  total: number
  rows: HistoryRow[]
}

export interface DestinationSummary {
  destinationId: string
  name: string | null
  kind: 's3' | 'local'
  /** Distinct source files with live objects. */
  files: number
  objects: number
  bytes: number
  byVariant: { variant: string; objects: number; bytes: number }[]
  byFormat: { contentType: string; objects: number; bytes: number }[]
}

const FINISHED = `j.state IN ('done','failed','canceled')`

// An upload counts as deleted when the user deleted it, or when it has outputs and every one of
// their objects is known to be gone. (An object this ledger did not upload, reused from the
// bucket, has no row in objects: it is not known to be gone.)
const DELETED_EXPR = `(record_deleted = 1 OR (o_count > 0 AND gone_count = o_count))`

const BASE = `
  SELECT j.id, j.source, j.state, j.destination_id, d.name AS destination_name, d.kind AS destination_kind,
         j.created_at, j.finished_at, j.error_code, j.error_message, j.deduplicated,
         (SELECT COALESCE(SUM(o.bytes), 0) FROM outputs o WHERE o.job_id = j.id) AS bytes,
         (SELECT COUNT(*) FROM outputs o WHERE o.job_id = j.id) AS o_count,
         (SELECT COUNT(*) FROM outputs o JOIN objects b ON b.destination_id = j.destination_id AND b.key = o.key
           WHERE o.job_id = j.id AND b.deleted_at IS NOT NULL) AS gone_count,
         EXISTS (SELECT 1 FROM deleted_jobs dj WHERE dj.job_id = j.id) AS record_deleted
  FROM jobs j JOIN destinations d ON d.id = j.destination_id
  WHERE ${FINISHED}
    AND (@search IS NULL OR j.source LIKE @search ESCAPE '\\')
    AND (@destinationId IS NULL OR j.destination_id = @destinationId)
    AND (@folder IS NULL OR substr(j.source, 1, length(@folder)) = @folder)
    AND (@since IS NULL OR COALESCE(j.finished_at, j.created_at) >= @since)
    AND (@until IS NULL OR COALESCE(j.finished_at, j.created_at) <= @until)`

interface RawHistoryRow {
  id: string
  source: string
  state: JobState
  destination_id: string
  destination_name: string | null
  destination_kind: 's3' | 'local'
  created_at: number
  finished_at: number | null
  error_code: string | null
  error_message: string | null
  deduplicated: number
  bytes: number
  o_count: number
  gone_count: number
  record_deleted: number
}

function statusFilter(status: HistoryStatus | undefined): string {
  switch (status) {
    case undefined:
      return ''
    case 'deleted':
      return `WHERE ${DELETED_EXPR}`
    case 'done':
      return `WHERE state = 'done' AND NOT ${DELETED_EXPR}`
    default:
      return `WHERE state = @status`
  }
}

/** Past uploads, newest first. */
export function listHistory(ledger: Ledger, query: HistoryQuery = {}): HistoryPage {
  const params = {
    search: query.search?.trim() ? `%${escapeLike(query.search.trim())}%` : null,
    destinationId: query.destinationId ?? null,
    // Exact prefix (LIKE would fold case): the folder's own path plus a separator.
    folder: query.folder ? path.join(path.resolve(query.folder), path.sep) : null,
    since: query.since ?? null,
    until: query.until ?? null,
    limit: Math.min(Math.max(query.limit ?? 100, 1), 1000),
    offset: Math.max(query.offset ?? 0, 0),
    status: query.status ?? null,
  }
  const where = statusFilter(query.status)
  const total = (
    ledger.db.prepare(`SELECT COUNT(*) AS n FROM (${BASE}) ${where}`).get(params) as { n: number }
  ).n
  const raw = ledger.db
    .prepare(
      `SELECT * FROM (${BASE}) ${where}
       ORDER BY COALESCE(finished_at, created_at) DESC, id LIMIT @limit OFFSET @offset`,
    )
    .all(params) as RawHistoryRow[]
  return {
    total,
    rows: raw.map((r) => ({
      id: r.id,
      source: r.source,
      state: r.state,
      destinationId: r.destination_id,
      destinationName: r.destination_name,
      destinationKind: r.destination_kind,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      bytes: r.bytes,
      outputCount: r.o_count,
      deleted: r.record_deleted === 1 || (r.o_count > 0 && r.gone_count === r.o_count),
      deduplicated: r.deduplicated === 1,
      error:
        r.error_code && r.state !== 'done'
          ? { code: r.error_code as ErrorCode, message: r.error_message ?? '' }
          : null,
    })),
  }
}

/** What each destination holds from Upshot: files, bytes, by variant and by format. */
export function summarizeDestinations(ledger: Ledger): DestinationSummary[] {
  const dests = ledger.db
    .prepare(
      `SELECT d.id, d.name, d.kind,
              COUNT(DISTINCT b.source_sha256) AS files, COUNT(b.key) AS objects, COALESCE(SUM(b.bytes), 0) AS bytes
       FROM destinations d LEFT JOIN objects b ON b.destination_id = d.id AND b.deleted_at IS NULL
       GROUP BY d.id ORDER BY bytes DESC, d.id`,
    )
    .all() as {
    id: string
    name: string | null
    kind: 's3' | 'local'
    files: number
    objects: number
    bytes: number
  }[]
  const byVariant = ledger.db.prepare(
    `SELECT variant, COUNT(*) AS objects, SUM(bytes) AS bytes FROM objects
     WHERE destination_id = ? AND deleted_at IS NULL GROUP BY variant ORDER BY bytes DESC`,
  )
  const byFormat = ledger.db.prepare(
    `SELECT content_type AS contentType, COUNT(*) AS objects, SUM(bytes) AS bytes FROM objects
     WHERE destination_id = ? AND deleted_at IS NULL GROUP BY content_type ORDER BY bytes DESC`,
  )
  return dests.map((d) => ({
    destinationId: d.id,
    name: d.name,
    kind: d.kind,
    files: d.files,
    objects: d.objects,
    bytes: d.bytes,
    byVariant: byVariant.all(d.id) as DestinationSummary['byVariant'],
    byFormat: byFormat.all(d.id) as DestinationSummary['byFormat'],
  }))
}

/** The outputs of finished jobs, for links: job id -> outputs (done jobs only). */
export function outputsOfJobs(
  ledger: Ledger,
  jobIds: readonly string[],
): Map<string, { source: string; outputs: OutputReport[] }> {
  const result = new Map<string, { source: string; outputs: OutputReport[] }>()
  for (const id of jobIds) {
    const row = ledger.job(id)
    if (!row || row.state !== 'done') continue
    result.set(id, { source: row.source, outputs: ledger.outputReports(id) })
  }
  return result
}

/**
 * Transition `retry`: a failed or canceled job goes back to `queued` with a clean slate (no
 * outputs, no error, no attempts), so running it makes its variants again from the source.
 * Returns false when the job is not failed or canceled.
 */
export function retryJob(ledger: Ledger, id: string): boolean {
  return ledger.db
    .transaction(() => {
      const changed = ledger.db
        .prepare(
          `UPDATE jobs SET state = 'queued', attempts = 0, error_code = NULL, error_message = NULL,
             retry_after = NULL, owner = NULL, lease_until = NULL, finished_at = NULL, bytes_sent = 0,
             deduplicated = 0, updated_at = @now
           WHERE id = @id AND state IN ('failed', 'canceled')`,
        )
        .run({ id, now: Date.now() }).changes
      if (changed === 1) {
        ledger.db.prepare(`DELETE FROM outputs WHERE job_id = ?`).run(id)
        // A deleted failure tried again is a new upload: live once it is done.
        ledger.db.prepare(`DELETE FROM deleted_jobs WHERE job_id = ?`).run(id)
      }
      return changed === 1
    })
    .immediate()
}

/** The saved config (secrets stripped) the ledger holds for a destination. */
export function destinationConfigJson(ledger: Ledger, id: string): string | null {
  const row = ledger.db.prepare(`SELECT config FROM destinations WHERE id = ?`).get(id) as
    { config: string } | undefined
  return row?.config ?? null
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}
