// Twins: jobs with the same content, preset and destination (the app and a CLI given the same
// files, or the same file dropped twice). Dedup reuses a twin that is done; a twin still under
// way is waited for, so the same objects are not uploaded twice side by side.
import { stmt, type Db } from './open'

/** An unclaimed, processed twin idle longer than this (paused, its process gone) is not waited for. */
const IDLE_TWIN_MS = 60_000

interface TwinRow {
  id: string
  state: string
  created_at: number
  lease_until: number | null
  updated_at: number
}

/**
 * Whether a twin is ahead of this job: uploading under a live lease, processed recently, or
 * processing under a live lease and older (created earlier; id breaks ties). The order is total,
 * so two twins never wait for each other.
 */
export function twinAhead(
  db: Db,
  job: { id: string; created_at: number; preset_fp: string; destination_id: string },
  sha256: string,
  now = Date.now(),
): boolean {
  const rows = stmt(
    db,
    `SELECT id, state, created_at, lease_until, updated_at FROM jobs
        WHERE sha256 = ? AND preset_fp = ? AND destination_id = ? AND id != ?
          AND state IN ('processing', 'processed', 'uploading')`,
  ).all(sha256, job.preset_fp, job.destination_id, job.id) as TwinRow[]
  return rows.some((t) => {
    if (t.state === 'processed') return t.updated_at >= now - IDLE_TWIN_MS
    if ((t.lease_until ?? 0) < now) return false
    if (t.state === 'uploading') return true
    return t.created_at < job.created_at || (t.created_at === job.created_at && t.id < job.id)
  })
}

/** processing -> queued, not claimable before `retryAfter`; the wait costs no attempt. */
export function deferToTwin(db: Db, id: string, owner: string, retryAfter: number): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, retry_after = ?,
         attempts = MAX(attempts - 1, 0), updated_at = ?
       WHERE id = ? AND owner = ? AND state = 'processing'`,
    ).run(retryAfter, Date.now(), id, owner).changes === 1
  )
}
