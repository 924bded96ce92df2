// The ledger's side of shared objects: who in this ledger still uses an object, which objects
// this ledger uploaded, which records were deleted, and which reference markers it wrote. Each
// fact is one statement; the rules that combine them are in ./release and ./reuse.

import { randomUUID } from 'node:crypto'
import type { Ledger } from '../ledger'
import { stmt } from '../ledger/open'

const UNFINISHED = `('queued','processing','processed','uploading')`

/**
 * A record that uses an object: a job with an output at that key on that destination that is
 * still under way, or done and not deleted by the user. (A sync job whose file went away is
 * still live here: only `sync --delete` releases it, by deleting it as a record.)
 */
const LIVE_JOB = `(j.state IN ${UNFINISHED}
  OR (j.state = 'done' AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = j.id)))`

const idCache = new WeakMap<Ledger, string>()

/**
 * This ledger's random, persistent id: the name of its reference markers and the
 * `upshot-ledger` metadata of every object it uploads. Made on first need; a copied data dir
 * keeps it (see docs/ARCHITECTURE.md, "Shared objects").
 */
export function ledgerIdOf(ledger: Ledger): string {
  const cached = idCache.get(ledger)
  if (cached) return cached
  const fresh = randomUUID().replace(/-/g, '')
  stmt(ledger.db, `INSERT OR IGNORE INTO ledger_settings (key, value) VALUES ('ledger_id', ?)`).run(
    fresh,
  )
  const row = stmt(
    ledger.db,
    `SELECT value FROM ledger_settings WHERE key = 'ledger_id'`,
  ).get() as {
    value: string
  }
  idCache.set(ledger, row.value)
  return row.value
}

/** Whether a live record of this ledger links to the object. */
export function usedHere(ledger: Ledger, destinationId: string, key: string): boolean {
  return (
    stmt(
      ledger.db,
      `SELECT 1 FROM outputs x JOIN jobs j ON j.id = x.job_id
       WHERE x.key = ? AND j.destination_id = ? AND ${LIVE_JOB} LIMIT 1`,
    ).get(key, destinationId) !== undefined
  )
}

/** Whether a live record of this ledger links to any object of a content dir. */
export function dirUsedHere(ledger: Ledger, destinationId: string, dir: string): boolean {
  // '0' follows '/': `dir/` up to `dir0` is exactly what lies in the dir (an index range).
  return (
    stmt(
      ledger.db,
      `SELECT 1 FROM outputs x JOIN jobs j ON j.id = x.job_id
       WHERE x.key > ? AND x.key < ? AND j.destination_id = ? AND ${LIVE_JOB} LIMIT 1`,
    ).get(`${dir}/`, `${dir}0`, destinationId) !== undefined
  )
}

/** Whether any of these objects is known to be gone from the bucket (the ledger stops offering them). */
export function anyGone(ledger: Ledger, destinationId: string, keys: readonly string[]): boolean {
  const { n } = stmt(
    ledger.db,
    `SELECT COUNT(*) AS n FROM objects WHERE destination_id = ? AND key IN (${keys.map(() => '?').join(',')}) AND deleted_at IS NOT NULL`,
  ).get(destinationId, ...keys) as { n: number }
  return n > 0
}

/**
 * What the ledger knows of an object it uploaded: live, gone, or never uploaded here. Bytes it
 * wrote over another writer's object (an occupied key) count as not uploaded here: that writer's
 * links point there too.
 */
export function uploadedHere(
  ledger: Ledger,
  destinationId: string,
  key: string,
): 'live' | 'gone' | 'no' {
  const row = stmt(
    ledger.db,
    `SELECT o.deleted_at, EXISTS (SELECT 1 FROM occupied_keys k
       WHERE k.destination_id = o.destination_id AND k.key = o.key) AS occupied
     FROM objects o WHERE o.destination_id = ? AND o.key = ?`,
  ).get(destinationId, key) as { deleted_at: number | null; occupied: number } | undefined
  if (!row) return 'no'
  if (row.deleted_at !== null) return 'gone'
  return row.occupied ? 'no' : 'live'
}

/** Transition `claimOccupied`: another writer's objects were found at these keys. */
export function recordOccupied(
  ledger: Ledger,
  destinationId: string,
  keys: readonly string[],
): void {
  const insert = stmt(
    ledger.db,
    `INSERT OR IGNORE INTO occupied_keys (destination_id, key, found_at) VALUES (?, ?, ?)`,
  )
  const now = Date.now()
  ledger.db.transaction(() => {
    for (const key of keys) insert.run(destinationId, key, now)
  })()
}

/**
 * Transition `deleteRecords`: the user deleted these uploads. They stop counting as users of
 * their objects and as dedup sources, and a sync record that links to one is uploaded again.
 */
export function markJobsDeleted(ledger: Ledger, jobIds: readonly string[]): void {
  if (jobIds.length === 0) return
  const now = Date.now()
  ledger.db
    .transaction(() => {
      const insert = stmt(
        ledger.db,
        `INSERT OR IGNORE INTO deleted_jobs (job_id, deleted_at) SELECT id, ? FROM jobs WHERE id = ?`,
      )
      const stale = stmt(ledger.db, `UPDATE sync_files SET objects_gone = 1 WHERE job_id = ?`)
      for (const id of jobIds) {
        insert.run(now, id)
        stale.run(id)
      }
    })
    .immediate()
}

/**
 * Transition `markObjectsGone`: these objects are no longer in the bucket (deleted here, or
 * found missing). They leave the dedup index, and every sync record whose job links to one
 * counts as changed, so the next pass uploads its file again. An object this ledger never
 * uploaded (reused from the bucket) gets a tombstone: a row with uploaded_at 0, already gone.
 */
export function markObjectsGone(
  ledger: Ledger,
  destinationId: string,
  keys: readonly string[],
): void {
  if (keys.length === 0) return
  const now = Date.now()
  ledger.db
    .transaction(() => {
      const gone = stmt(
        ledger.db,
        `UPDATE objects SET deleted_at = ? WHERE destination_id = ? AND key = ? AND deleted_at IS NULL`,
      )
      const stale = stmt(
        ledger.db,
        `UPDATE sync_files SET objects_gone = 1 WHERE objects_gone = 0 AND job_id IN (
           SELECT x.job_id FROM outputs x JOIN jobs j ON j.id = x.job_id
           WHERE x.key = ? AND j.destination_id = ?)`,
      )
      const tombstone = stmt(
        ledger.db,
        `INSERT OR IGNORE INTO objects
           (destination_id, key, source_sha256, job_id, variant, bytes, etag, content_type, uploaded_at, deleted_at)
         SELECT j.destination_id, x.key, j.sha256, NULL, x.variant, x.bytes, x.etag, x.content_type, 0, ?
         FROM outputs x JOIN jobs j ON j.id = x.job_id
         WHERE x.key = ? AND j.destination_id = ? AND j.sha256 IS NOT NULL LIMIT 1`,
      )
      for (const key of keys) {
        if (gone.run(now, destinationId, key).changes === 0) tombstone.run(now, key, destinationId)
        stale.run(key, destinationId)
      }
    })
    .immediate()
}

/** Whether this ledger has its reference marker in a content dir. */
export function hasMarker(ledger: Ledger, destinationId: string, dir: string): boolean {
  return (
    stmt(ledger.db, `SELECT 1 FROM object_refs WHERE destination_id = ? AND dir = ?`).get(
      destinationId,
      dir,
    ) !== undefined
  )
}

/** Recorded after the marker was written, never before: a crash in between leaves a spare marker. */
export function recordMarker(ledger: Ledger, destinationId: string, dir: string): void {
  stmt(
    ledger.db,
    `INSERT OR IGNORE INTO object_refs (destination_id, dir, written_at) VALUES (?, ?, ?)`,
  ).run(destinationId, dir, Date.now())
}

export function forgetMarker(ledger: Ledger, destinationId: string, dir: string): void {
  stmt(ledger.db, `DELETE FROM object_refs WHERE destination_id = ? AND dir = ?`).run(
    destinationId,
    dir,
  )
}
