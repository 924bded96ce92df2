// The ledger's side of `upshot cleanup`: which multipart uploads this ledger started for a
// destination, whether a live job still uses one, and forgetting one in the same transaction
// that checks it is unclaimed (a job that claims it afterwards starts a fresh upload).
import type { Db } from './open'

export interface LedgerUpload {
  outputId: number
  key: string
  uploadId: string
  createdAt: number
  jobState: string
  owner: string | null
  leaseUntil: number | null
}

interface Row {
  output_id: number
  key: string
  upload_id: string
  created_at: number
  state: string
  owner: string | null
  lease_until: number | null
}

const SELECT = `SELECT m.output_id, m.key, m.upload_id, m.created_at, j.state, j.owner, j.lease_until
  FROM multipart_uploads m JOIN outputs o ON o.id = m.output_id JOIN jobs j ON j.id = o.job_id`

function toUpload(r: Row): LedgerUpload {
  return {
    outputId: r.output_id,
    key: r.key,
    uploadId: r.upload_id,
    createdAt: r.created_at,
    jobState: r.state,
    owner: r.owner,
    leaseUntil: r.lease_until,
  }
}

/**
 * Every upload the ledger knows, whatever destination recorded it: the same bucket may be
 * reached through another endpoint URL or name (a proxy, the app vs the CLI), and an upload ID
 * with its key is unique on a server anyway.
 */
export function recordedUploads(db: Db): LedgerUpload[] {
  return (db.prepare(SELECT).all() as Row[]).map(toUpload)
}

/** A claimed job whose owner is alive and whose lease has not run out is still sending parts. */
export function isInUse(
  u: LedgerUpload,
  isDead: (owner: string) => boolean,
  now = Date.now(),
): boolean {
  if (u.jobState !== 'processing' && u.jobState !== 'uploading') return false
  if (!u.owner) return false
  return !isDead(u.owner) && (u.leaseUntil ?? 0) >= now
}

/**
 * Forgets the recorded upload unless a live job took it meanwhile; true when forgotten. The
 * parts' rows go with it (ON DELETE CASCADE), so a resume creates a new upload.
 */
export function forgetUnlessInUse(
  db: Db,
  outputId: number,
  uploadId: string,
  isDead: (owner: string) => boolean,
): boolean {
  const run = db.transaction((): boolean => {
    const row = db
      .prepare(`${SELECT} WHERE m.output_id = ? AND m.upload_id = ?`)
      .get(outputId, uploadId) as Row | undefined
    if (!row) return true
    if (isInUse(toUpload(row), isDead)) return false
    db.prepare('DELETE FROM multipart_uploads WHERE output_id = ?').run(outputId)
    return true
  })
  return run.immediate()
}
