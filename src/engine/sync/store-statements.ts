// Every statement SyncStore runs, prepared once per ledger connection.

import type Database from 'better-sqlite3'
import type { Ledger } from '../ledger'

const UNFINISHED = `('queued','processing','processed','uploading')`

const PAIR_COLUMNS = `p.id, p.folder, p.destination_id, d.name AS destination_name, p.preset, p.include_globs,
  p.exclude_globs, p.paused, p.created_at, p.last_run_at, p.last_result`
const PAIR_FROM = `sync_pairs p JOIN destinations d ON d.id = p.destination_id`

// Named, because better-sqlite3's Statement type cannot be named from an inferred return type
// (the composite build emits declarations).
export type SyncStatements = Record<
  | 'pairs'
  | 'pairsOfFolder'
  | 'pair'
  | 'pairByKey'
  | 'upsertPair'
  | 'removePair'
  | 'setPaused'
  | 'recordPass'
  | 'recordsFrom'
  | 'recordsRange'
  | 'stubsFrom'
  | 'stubsRange'
  | 'record'
  | 'recordGone'
  | 'recordCount'
  | 'putRecord'
  | 'refreshRecord'
  | 'setDirDev'
  | 'removeRecord'
  | 'addPairJob'
  | 'unfinishedJobs'
  | 'pendingCount'
  | 'outputsOfJobs'
  | 'history'
  | 'isDeleted'
  | 'liveObject'
  | 'orphans'
  | 'releasedJobs'
  | 'mounts'
  | 'addMount',
  Database.Statement
>

export function prepare(ledger: Ledger): SyncStatements {
  const db = ledger.db
  return {
    pairs: db.prepare(`SELECT ${PAIR_COLUMNS} FROM ${PAIR_FROM} ORDER BY p.folder, p.created_at`),
    pairsOfFolder: db.prepare(
      `SELECT ${PAIR_COLUMNS} FROM ${PAIR_FROM} WHERE p.folder = ? ORDER BY p.created_at`,
    ),
    pair: db.prepare(`SELECT ${PAIR_COLUMNS} FROM ${PAIR_FROM} WHERE p.id = ?`),
    pairByKey: db.prepare(
      `SELECT ${PAIR_COLUMNS} FROM ${PAIR_FROM} WHERE p.folder = ? AND p.destination_id = ?`,
    ),
    upsertPair: db.prepare(
      `INSERT INTO sync_pairs (id, folder, destination_id, preset, include_globs, exclude_globs, created_at, updated_at)
       VALUES (@id, @folder, @destinationId, @preset, @include, @exclude, @now, @now)
       ON CONFLICT (folder, destination_id) DO UPDATE SET preset = excluded.preset,
         include_globs = excluded.include_globs, exclude_globs = excluded.exclude_globs, updated_at = excluded.updated_at`,
    ),
    removePair: db.prepare(`DELETE FROM sync_pairs WHERE id = ?`),
    setPaused: db.prepare(
      `UPDATE sync_pairs SET paused = @paused, updated_at = @now WHERE id = @id`,
    ),
    recordPass: db.prepare(
      `UPDATE sync_pairs SET last_run_at = @now, last_result = @result WHERE id = @id`,
    ),
    // Two statements rather than an OR, so each page is an index range, not a scan from the start.
    recordsFrom: db.prepare(
      `SELECT path, size, mtime_ms, sha256, preset_fp, job_id, dir_dev FROM sync_files
       WHERE pair_id = @pairId AND path > @after ORDER BY path LIMIT @limit`,
    ),
    recordsRange: db.prepare(
      `SELECT path, size, mtime_ms, sha256, preset_fp, job_id, dir_dev FROM sync_files
       WHERE pair_id = @pairId AND path > @after AND path < @before ORDER BY path LIMIT @limit`,
    ),
    stubsFrom: db
      .prepare(
        `SELECT path, size, mtime_ms, job_id, preset_fp = @presetFp AS same_preset, objects_gone, dir_dev FROM sync_files
         WHERE pair_id = @pairId AND path > @after ORDER BY path LIMIT @limit`,
      )
      .raw(true),
    stubsRange: db
      .prepare(
        `SELECT path, size, mtime_ms, job_id, preset_fp = @presetFp AS same_preset, objects_gone, dir_dev FROM sync_files
         WHERE pair_id = @pairId AND path > @after AND path < @before ORDER BY path LIMIT @limit`,
      )
      .raw(true),
    record: db.prepare(
      `SELECT path, size, mtime_ms, sha256, preset_fp, job_id, dir_dev FROM sync_files WHERE pair_id = ? AND path = ?`,
    ),
    recordGone: db.prepare(
      `SELECT 1 FROM sync_files WHERE pair_id = ? AND path = ? AND objects_gone = 1`,
    ),
    recordCount: db.prepare(`SELECT COUNT(*) AS n FROM sync_files WHERE pair_id = ?`),
    putRecord: db.prepare(
      `INSERT INTO sync_files (pair_id, path, size, mtime_ms, sha256, preset_fp, job_id, dir_dev, synced_at)
       VALUES (@pairId, @path, @size, @mtime_ms, @sha256, @preset_fp, @job_id, @dir_dev, @now)
       ON CONFLICT (pair_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
         sha256 = excluded.sha256, preset_fp = excluded.preset_fp, job_id = excluded.job_id, synced_at = excluded.synced_at,
         dir_dev = excluded.dir_dev, objects_gone = 0`,
    ),
    refreshRecord: db.prepare(
      `UPDATE sync_files SET size = @size, mtime_ms = @mtimeMs WHERE pair_id = @pairId AND path = @path`,
    ),
    setDirDev: db.prepare(
      `UPDATE sync_files SET dir_dev = @dev WHERE pair_id = @pairId AND path = @path`,
    ),
    removeRecord: db.prepare(`DELETE FROM sync_files WHERE pair_id = ? AND path = ?`),
    addPairJob: db.prepare(
      `INSERT OR IGNORE INTO sync_jobs (job_id, pair_id, path) VALUES (@jobId, @pairId, @path)`,
    ),
    // From the few unfinished jobs to the pair, not from the pair's many jobs to their state.
    unfinishedJobs: db.prepare(
      `SELECT s.job_id, s.path, j.owner FROM jobs j CROSS JOIN sync_jobs s ON s.job_id = j.id
       WHERE j.state IN ${UNFINISHED} AND s.pair_id = ?`,
    ),
    pendingCount: db.prepare(
      `SELECT COUNT(*) AS n FROM jobs j CROSS JOIN sync_jobs s ON s.job_id = j.id
       WHERE j.state IN ${UNFINISHED} AND s.pair_id = ?`,
    ),
    outputsOfJobs: db.prepare(
      `SELECT * FROM outputs WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY job_id, id`,
    ),
    history: db.prepare(
      `SELECT j.* FROM sync_jobs s JOIN jobs j ON j.id = s.job_id WHERE s.pair_id = @id
       ORDER BY j.created_at DESC, j.rowid DESC LIMIT @limit OFFSET @offset`,
    ),
    isDeleted: db.prepare(`SELECT 1 FROM deleted_jobs WHERE job_id = ?`),
    liveObject: db.prepare(
      `SELECT 1 FROM objects WHERE destination_id = ? AND key = ? AND deleted_at IS NULL`,
    ),
    orphans: db.prepare(
      `SELECT o.key, o.bytes FROM objects o
       WHERE o.destination_id = @destinationId AND o.deleted_at IS NULL
         AND EXISTS (
           SELECT 1 FROM outputs y JOIN sync_jobs s ON s.job_id = y.job_id AND s.pair_id = @pairId
           WHERE y.key = o.key
         )
         AND NOT EXISTS (
           SELECT 1 FROM outputs x JOIN jobs j ON j.id = x.job_id
           WHERE x.key = o.key AND j.destination_id = @destinationId
             AND (
               j.state IN ${UNFINISHED}
               OR (j.state = 'done' AND NOT EXISTS (SELECT 1 FROM deleted_jobs dj WHERE dj.job_id = j.id) AND (
                 NOT EXISTS (SELECT 1 FROM sync_jobs s2 WHERE s2.job_id = j.id)
                 OR EXISTS (
                   SELECT 1 FROM sync_files f WHERE f.job_id = j.id
                     AND NOT (f.pair_id = @pairId AND f.path IN (SELECT value FROM json_each(@released)))
                 )
               ))
             )
         )
       ORDER BY o.key`,
    ),
    releasedJobs: db.prepare(
      `SELECT s.job_id FROM sync_jobs s JOIN jobs j ON j.id = s.job_id
       WHERE s.pair_id = ? AND j.state = 'done'
         AND NOT EXISTS (SELECT 1 FROM sync_files f WHERE f.job_id = s.job_id)
         AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = s.job_id)`,
    ),
    mounts: db.prepare(`SELECT path FROM sync_mounts WHERE pair_id = ? ORDER BY path`),
    addMount: db.prepare(
      `INSERT INTO sync_mounts (pair_id, path, seen_at) VALUES (@pairId, @path, @now)
       ON CONFLICT (pair_id, path) DO UPDATE SET seen_at = excluded.seen_at`,
    ),
  }
}
