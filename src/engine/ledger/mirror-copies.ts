// Mirror copies: which destinations mirror which, which jobs were sent with which mirrors, and
// one row per (object, mirror) from the moment the primary holds the object until the mirror
// does. The rows are the worker's queue (engine/mirrors/worker.ts): a crash leaves them pending
// and the next run picks them up, so each copy resumes on its own.
import type { JobError } from '../../shared/jobs'
import { MirrorCopyUploads } from './mirror-copy-uploads'
import type { Db } from './open'

export type MirrorCopyState = 'pending' | 'done' | 'failed'

export interface MirrorCopyRow {
  primaryId: string
  mirrorId: string
  key: string
  bytes: number
  state: MirrorCopyState
  attempts: number
  errorCode: string | null
  error: string | null
  retryAfter: number
  etag: string | null
}

export interface MirrorCopyCounts {
  mirrorId: string
  done: number
  pending: number
  failed: number
  /** The latest failure among its copies that are not done. */
  lastError: JobError | null
}

interface RawCopy {
  primary_id: string
  mirror_id: string
  key: string
  bytes: number
  state: MirrorCopyState
  attempts: number
  error_code: string | null
  error: string | null
  retry_after: number
  etag: string | null
}

const rowOf = (r: RawCopy): MirrorCopyRow => ({
  primaryId: r.primary_id,
  mirrorId: r.mirror_id,
  key: r.key,
  bytes: r.bytes,
  state: r.state,
  attempts: r.attempts,
  errorCode: r.error_code,
  error: r.error,
  retryAfter: r.retry_after,
  etag: r.etag,
})

export class MirrorCopies {
  private readonly s: ReturnType<typeof prepare>
  /** A big copy's multipart upload and its parts, so a crash resumes it. */
  readonly uploads: MirrorCopyUploads

  constructor(private readonly db: Db) {
    this.s = prepare(db)
    this.uploads = new MirrorCopyUploads(db)
  }

  /** The mirrors a (saved) destination names; replaces what it named before. */
  setMirrors(destinationId: string, mirrorIds: readonly string[]): void {
    this.db.transaction(() => {
      this.s.clearMirrors.run(destinationId)
      for (const m of mirrorIds) this.s.addMirror.run(destinationId, m)
    })()
  }

  mirrorsOf(destinationId: string): string[] {
    return (this.s.mirrorsOf.all(destinationId) as { mirror_id: string }[]).map((r) => r.mirror_id)
  }

  /** Records that these jobs' objects go to these mirrors too (at enqueue). */
  addJobMirrors(jobIds: readonly string[], mirrorIds: readonly string[]): void {
    if (mirrorIds.length === 0 || jobIds.length === 0) return
    this.db.transaction(() => {
      for (const j of jobIds) for (const m of mirrorIds) this.s.addJobMirror.run(j, m)
    })()
  }

  /**
   * Whether anything in this ledger was ever sent with a mirror: a read, so that the worker
   * beside every run writes nothing (and waits on no lock) for users who have no mirrors.
   */
  anyMirrored(): boolean {
    return this.s.anyJobMirror.get() !== undefined || this.s.anyPending.get() !== undefined
  }

  /**
   * One pending copy per object of every done job sent with mirrors that has no row yet. Run
   * before each pass of the worker, so a job done just before a crash still gets its rows.
   * Objects shared by several jobs get one row (the primary key).
   */
  recordDue(now = Date.now()): number {
    return this.s.recordDue.run({ now }).changes
  }

  /**
   * recordDue for these jobs only (a job just done): a read first, so jobs sent without mirrors
   * cost no write. Answers how many of them were sent with mirrors.
   */
  recordDueOf(jobIds: readonly string[], now = Date.now()): number {
    const mirrored = jobIds.filter((j) => this.s.anyMirrorOfJob.get(j) !== undefined)
    if (mirrored.length === 0) return 0
    this.db.transaction(() => {
      for (const job of mirrored) this.s.recordDueOf.run({ now, job })
    })()
    return mirrored.length
  }

  /** When the next copy waiting for its retry time comes due (epoch ms), or null. */
  nextRetryAt(now: number): number | null {
    const r = this.s.nextRetry.get({ now }) as { at: number | null }
    return r.at
  }

  /** Every copy not made yet, failed ones included (`upshot resume` tries those again). */
  owed(): Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>[] {
    return (this.s.owed.all() as RawCopy[]).map((r) => ({
      primaryId: r.primary_id,
      mirrorId: r.mirror_id,
      key: r.key,
    }))
  }

  /** Copies whose time has come, oldest first. */
  due(now: number, limit: number): MirrorCopyRow[] {
    return (this.s.due.all({ now, limit }) as RawCopy[]).map(rowOf)
  }

  markDone(c: Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>, etag: string | null): void {
    this.s.markDone.run({ ...params(c), etag, now: Date.now() })
  }

  /** A failed attempt: pending again after `retryAfter`, or failed for good (`final`). */
  markFailed(
    c: Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>,
    error: JobError,
    retryAfter: number,
    final: boolean,
  ): void {
    this.s.markFailed.run({
      ...params(c),
      code: error.code,
      message: error.message,
      retryAfter,
      state: final ? 'failed' : 'pending',
    })
  }

  /**
   * Copies not tried because their mirror is down (another copy to it just failed): they wait
   * until `retryAfter` with that failure as their reason, and no attempt of their own spent.
   */
  markWaiting(
    copies: readonly Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>[],
    error: JobError,
    retryAfter: number,
  ): void {
    const run = this.db.transaction(() => {
      for (const c of copies) {
        this.s.markWaiting.run({
          ...params(c),
          code: error.code,
          message: error.message,
          retryAfter,
        })
      }
    })
    run()
  }

  /** A copy to make again (verify --repair, or a retry the user asked for). */
  requeue(c: Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>, bytes: number): void {
    this.s.requeue.run({ ...params(c), bytes, now: Date.now() })
  }

  /** Copies not made yet are due now, failed ones with a new round of attempts (`upshot resume`). */
  retryNow(): number {
    return this.s.retryNow.run().changes
  }

  /** Every copy of an object on the primary's mirrors. */
  copiesOf(primaryId: string, key: string): MirrorCopyRow[] {
    return (this.s.copiesOf.all(primaryId, key) as RawCopy[]).map(rowOf)
  }

  /** Every copy of a key on one mirror, whichever primary it mirrors. */
  copiesOnMirror(mirrorId: string, key: string): MirrorCopyRow[] {
    return (this.s.copiesOnMirror.all(mirrorId, key) as RawCopy[]).map(rowOf)
  }

  /** Every copy recorded for a primary (verify). */
  copiesOnPrimary(primaryId: string): MirrorCopyRow[] {
    return (this.s.copiesOnPrimary.all(primaryId) as RawCopy[]).map(rowOf)
  }

  forget(c: Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>): void {
    this.s.forget.run(params(c))
  }

  /** Whether any job was ever sent with mirrors (reports skip the rest without). */
  anyJobMirrors(): boolean {
    return this.s.anyJobMirror.get() !== undefined
  }

  /** Per mirror, the state of the copies of these jobs' objects. */
  countsForJobs(jobIds: readonly string[]): MirrorCopyCounts[] {
    if (jobIds.length === 0 || !this.anyJobMirrors()) return []
    const counts = new Map<string, MirrorCopyCounts>()
    const seen = new Set<string>()
    for (const jobId of jobIds) {
      for (const r of this.s.copiesOfJob.all(jobId) as RawCopy[]) {
        const id = `${r.mirror_id}\n${r.key}`
        if (seen.has(id)) continue
        seen.add(id)
        const c = counts.get(r.mirror_id) ?? {
          mirrorId: r.mirror_id,
          done: 0,
          pending: 0,
          failed: 0,
          lastError: null,
        }
        c[r.state] += 1
        if (r.state !== 'done' && r.error_code)
          c.lastError = { code: r.error_code, message: r.error ?? '' } as JobError
        counts.set(r.mirror_id, c)
      }
    }
    return [...counts.values()]
  }

  /** The objects live records link to on a destination, with their sizes (verify). */
  liveObjectsOn(destinationId: string): Map<string, number> {
    const rows = this.s.liveObjectsOn.all(destinationId) as { key: string; bytes: number }[]
    return new Map(rows.map((r) => [r.key, r.bytes]))
  }

  /** The mirrors a job was sent with. */
  mirrorsOfJob(jobId: string): string[] {
    return (this.s.mirrorsOfJob.all(jobId) as { mirror_id: string }[]).map((r) => r.mirror_id)
  }
}

const params = (c: Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>) => ({
  primary: c.primaryId,
  mirror: c.mirrorId,
  key: c.key,
})

function prepare(db: Db) {
  return {
    clearMirrors: db.prepare(`DELETE FROM destination_mirrors WHERE destination_id = ?`),
    addMirror: db.prepare(
      `INSERT OR IGNORE INTO destination_mirrors (destination_id, mirror_id) VALUES (?, ?)`,
    ),
    mirrorsOf: db.prepare(
      `SELECT mirror_id FROM destination_mirrors WHERE destination_id = ? ORDER BY mirror_id`,
    ),
    addJobMirror: db.prepare(`INSERT OR IGNORE INTO job_mirrors (job_id, mirror_id) VALUES (?, ?)`),
    anyJobMirror: db.prepare(`SELECT 1 FROM job_mirrors LIMIT 1`),
    anyPending: db.prepare(`SELECT 1 FROM mirror_copies WHERE state = 'pending' LIMIT 1`),
    mirrorsOfJob: db.prepare(`SELECT mirror_id FROM job_mirrors WHERE job_id = ?`),
    // Only uploaded outputs of done jobs not deleted by the user: what the primary holds.
    recordDue: db.prepare(
      `INSERT OR IGNORE INTO mirror_copies (primary_id, mirror_id, key, bytes, state, created_at)
       SELECT j.destination_id, jm.mirror_id, o.key, MAX(o.bytes), 'pending', @now
         FROM job_mirrors jm
         JOIN jobs j ON j.id = jm.job_id AND j.state = 'done'
         JOIN outputs o ON o.job_id = j.id
        WHERE jm.mirror_id <> j.destination_id
          AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = j.id)
          AND NOT EXISTS (SELECT 1 FROM mirror_copies c
                           WHERE c.primary_id = j.destination_id AND c.mirror_id = jm.mirror_id
                             AND c.key = o.key)
        GROUP BY j.destination_id, jm.mirror_id, o.key`,
    ),
    anyMirrorOfJob: db.prepare(`SELECT 1 FROM job_mirrors WHERE job_id = ? LIMIT 1`),
    recordDueOf: db.prepare(
      `INSERT OR IGNORE INTO mirror_copies (primary_id, mirror_id, key, bytes, state, created_at)
       SELECT j.destination_id, jm.mirror_id, o.key, MAX(o.bytes), 'pending', @now
         FROM job_mirrors jm
         JOIN jobs j ON j.id = jm.job_id AND j.state = 'done'
         JOIN outputs o ON o.job_id = j.id
        WHERE jm.job_id = @job AND jm.mirror_id <> j.destination_id
          AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = j.id)
        GROUP BY j.destination_id, jm.mirror_id, o.key`,
    ),
    owed: db.prepare(
      `SELECT primary_id, mirror_id, key FROM mirror_copies WHERE state IN ('pending', 'failed')`,
    ),
    nextRetry: db.prepare(
      `SELECT MIN(retry_after) AS at FROM mirror_copies WHERE state = 'pending' AND retry_after > @now`,
    ),
    due: db.prepare(
      `SELECT * FROM mirror_copies WHERE state = 'pending' AND retry_after <= @now
        ORDER BY created_at, key LIMIT @limit`,
    ),
    markDone: db.prepare(
      `UPDATE mirror_copies SET state = 'done', etag = @etag, done_at = @now, error_code = NULL,
              error = NULL, attempts = attempts + 1
        WHERE primary_id = @primary AND mirror_id = @mirror AND key = @key`,
    ),
    markFailed: db.prepare(
      `UPDATE mirror_copies SET state = @state, attempts = attempts + 1, error_code = @code,
              error = @message, retry_after = @retryAfter
        WHERE primary_id = @primary AND mirror_id = @mirror AND key = @key`,
    ),
    markWaiting: db.prepare(
      `UPDATE mirror_copies SET error_code = @code, error = @message, retry_after = @retryAfter
        WHERE primary_id = @primary AND mirror_id = @mirror AND key = @key AND state = 'pending'`,
    ),
    requeue: db.prepare(
      `INSERT INTO mirror_copies (primary_id, mirror_id, key, bytes, state, created_at)
       VALUES (@primary, @mirror, @key, @bytes, 'pending', @now)
       ON CONFLICT (primary_id, mirror_id, key) DO UPDATE SET state = 'pending', attempts = 0,
              retry_after = 0, done_at = NULL`,
    ),
    retryNow: db.prepare(
      `UPDATE mirror_copies SET attempts = CASE state WHEN 'failed' THEN 0 ELSE attempts END,
              state = 'pending', retry_after = 0
        WHERE state IN ('pending', 'failed')`,
    ),
    copiesOf: db.prepare(`SELECT * FROM mirror_copies WHERE primary_id = ? AND key = ?`),
    copiesOnMirror: db.prepare(`SELECT * FROM mirror_copies WHERE mirror_id = ? AND key = ?`),
    copiesOnPrimary: db.prepare(`SELECT * FROM mirror_copies WHERE primary_id = ? ORDER BY key`),
    copiesOfJob: db.prepare(
      `SELECT c.* FROM mirror_copies c
         JOIN jobs j ON j.id = ?
         JOIN outputs o ON o.job_id = j.id AND o.key = c.key
        WHERE c.primary_id = j.destination_id
          AND c.mirror_id IN (SELECT mirror_id FROM job_mirrors WHERE job_id = j.id)`,
    ),
    liveObjectsOn: db.prepare(
      `SELECT o.key AS key, MAX(o.bytes) AS bytes FROM outputs o
         JOIN jobs j ON j.id = o.job_id
        WHERE j.destination_id = ? AND j.state = 'done'
          AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = j.id)
          AND NOT EXISTS (SELECT 1 FROM objects g WHERE g.destination_id = j.destination_id
                            AND g.key = o.key AND g.deleted_at IS NOT NULL)
        GROUP BY o.key ORDER BY o.key`,
    ),
    forget: db.prepare(
      `DELETE FROM mirror_copies WHERE primary_id = @primary AND mirror_id = @mirror AND key = @key`,
    ),
  }
}
