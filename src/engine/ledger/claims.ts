// Who holds a job: claims (queued -> processing, processed -> uploading) with a lease this
// process renews, claims given back (pause, shutdown, a dead process), and jobs the user holds
// back. Every claim-holding transition elsewhere checks the owner these set.
import type { Db } from './open'
import { UNFINISHED, type JobRow } from './rows'

export class Claims {
  private readonly s: ReturnType<typeof prepare>

  constructor(private readonly db: Db) {
    this.s = prepare(db)
  }

  /**
   * Atomically takes a job for `owner`: queued -> processing, processed -> uploading. Answers
   * with the claimed job's row (one statement; no second read), or null when another process
   * holds it, it ended, or must wait.
   */
  claimRow(id: string, owner: string, leaseMs: number): JobRow | null {
    const now = Date.now()
    return (
      (this.s.claim.get({ id, owner, now, lease: now + leaseMs }) as JobRow | undefined) ?? null
    )
  }

  renewLeases(owner: string, leaseMs: number): void {
    this.s.renewLeases.run({ owner, lease: Date.now() + leaseMs })
  }

  /** Gives a claim back without a verdict (pause, shutdown): the job continues later from its state. */
  release(id: string, owner: string): void {
    this.s.requeueStale.run({ id, owner, now: Date.now() })
  }

  /**
   * Gives back the claims of processes that are gone: processing -> queued, uploading -> processed.
   * `isDead(owner)` decides for owners on this machine; elsewhere the lease decides.
   */
  requeueStale(isDead: (owner: string) => boolean): number {
    const now = Date.now()
    return this.db
      .transaction(() => {
        const held = this.s.heldJobs.all() as {
          id: string
          owner: string
          lease_until: number | null
        }[]
        let n = 0
        for (const j of held) {
          if (isDead(j.owner) || (j.lease_until ?? 0) < now) {
            n += this.s.requeueStale.run({ id: j.id, owner: j.owner, now }).changes
          }
        }
        return n
      })
      .immediate()
  }

  /**
   * Held back by the user: no process claims it until `unpauseJob` (a claim it holds now is
   * given back by its runner). Returns false when the job has ended already.
   */
  pauseJob(id: string): boolean {
    this.s.pauseJob.run({ id, now: Date.now() })
    return this.isPaused(id)
  }

  unpauseJob(id: string): void {
    this.s.unpauseJob.run(id)
  }

  isPaused(id: string): boolean {
    return this.s.isPaused.get(id) !== undefined
  }
}

function prepare(db: Db) {
  return {
    claim: db.prepare(
      `UPDATE jobs SET
         state = CASE state WHEN 'queued' THEN 'processing' ELSE 'uploading' END,
         owner = @owner, lease_until = @lease, attempts = attempts + 1, retry_after = NULL, updated_at = @now
       WHERE id = @id AND state IN ('queued', 'processed') AND (retry_after IS NULL OR retry_after <= @now)
         AND NOT EXISTS (SELECT 1 FROM paused_jobs p WHERE p.job_id = jobs.id)
       RETURNING *`,
    ),
    renewLeases: db.prepare(
      `UPDATE jobs SET lease_until = @lease WHERE owner = @owner AND state IN ('processing','uploading')`,
    ),
    heldJobs: db.prepare(
      `SELECT id, owner, lease_until FROM jobs WHERE state IN ('processing','uploading') AND owner IS NOT NULL`,
    ),
    requeueStale: db.prepare(
      `UPDATE jobs SET state = CASE state WHEN 'uploading' THEN 'processed' ELSE 'queued' END,
         owner = NULL, lease_until = NULL, updated_at = @now
       WHERE id = @id AND owner = @owner AND state IN ('processing','uploading')`,
    ),
    pauseJob: db.prepare(
      `INSERT OR IGNORE INTO paused_jobs (job_id, paused_at)
       SELECT id, @now FROM jobs WHERE id = @id AND ${UNFINISHED}`,
    ),
    unpauseJob: db.prepare(`DELETE FROM paused_jobs WHERE job_id = ?`),
    isPaused: db.prepare(`SELECT 1 AS p FROM paused_jobs WHERE job_id = ?`),
  }
}
