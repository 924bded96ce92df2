// A job's life in the ledger, one named transition each: enqueued, its source recorded,
// processed (its outputs staged), deduplicated, done, failed, retried later, canceled, or sent
// back to processing. Each is one transaction, and each a claim holds checks the owner, so a
// process that lost its claim cannot overwrite another's work.
import type { JobError } from '../../shared/jobs'
import type { Db } from './open'
import {
  LostClaimError,
  UNFINISHED,
  expectOne,
  type JobRow,
  type NewJob,
  type NewOutput,
  type SourceFacts,
} from './rows'

export class JobTransitions {
  private readonly s: ReturnType<typeof prepare>

  constructor(private readonly db: Db) {
    this.s = prepare(db)
  }

  /** Records new jobs in one transaction: from here on a crash loses nothing. */
  enqueue(jobs: readonly NewJob[]): void {
    const now = Date.now()
    this.db
      .transaction(() => {
        for (const j of jobs) this.s.insertJob.run({ ...j, now })
      })
      .immediate()
  }

  /** A job that ended before it could be processed (missing path, unreadable...). */
  enqueueFailed(job: NewJob, error: JobError): void {
    const now = Date.now()
    this.db
      .transaction(() => {
        this.s.insertJob.run({ ...job, now })
        this.s.fail.run({ id: job.id, owner: null, code: error.code, message: error.message, now })
      })
      .immediate()
  }

  /** Stores what was learnt of the source (hash, type) while the job is still processing. */
  recordSource(id: string, owner: string, facts: SourceFacts): void {
    expectOne(this.s.recordSource.run({ id, owner, ...facts, now: Date.now() }), id)
  }

  /**
   * Variants staged on disk: processing -> processed, claim released. `facts` records the source
   * in the same commit when it was not recorded on its own earlier. With `uploadLeaseMs` the
   * owner keeps the job and goes straight on to upload it: processing -> uploading. Returns the
   * job's row as it now is.
   */
  markProcessed(
    id: string,
    owner: string,
    outputs: readonly NewOutput[],
    facts?: SourceFacts,
    opts: { uploadLeaseMs?: number } = {},
  ): JobRow {
    return this.db
      .transaction((): JobRow => {
        if (facts) this.recordSource(id, owner, facts)
        this.s.deleteOutputs.run(id)
        for (const o of outputs)
          this.s.insertOutput.run({ jobId: id, ...o, state: 'staged', etag: null })
        const now = Date.now()
        const row = (
          opts.uploadLeaseMs === undefined
            ? this.s.markProcessed.get({ id, owner, now })
            : this.s.markProcessedUploading.get({
                id,
                owner,
                now,
                lease: now + opts.uploadLeaseMs,
              })
        ) as JobRow | undefined
        if (!row) throw new LostClaimError(id)
        return row
      })
      .immediate()
  }

  /** Same content, preset and destination already uploaded: done with the existing objects, 0 bytes. */
  markDeduplicated(
    id: string,
    owner: string,
    outputs: readonly NewOutput[],
    etags: readonly (string | null)[],
    facts?: SourceFacts,
  ): void {
    const now = Date.now()
    this.db
      .transaction(() => {
        if (facts) this.recordSource(id, owner, facts)
        this.s.deleteOutputs.run(id)
        outputs.forEach((o, i) =>
          this.s.insertOutput.run({
            jobId: id,
            ...o,
            stagedPath: null,
            state: 'uploaded',
            etag: etags[i] ?? null,
          }),
        )
        expectOne(this.s.complete.run({ id, owner, dedup: 1, now }), id)
      })
      .immediate()
  }

  complete(id: string, owner: string): void {
    expectOne(this.s.complete.run({ id, owner, dedup: 0, now: Date.now() }), id)
  }

  fail(id: string, owner: string | null, error: JobError): void {
    this.s.fail.run({ id, owner, code: error.code, message: error.message, now: Date.now() })
  }

  /** A passing failure (network, throttling): give the claim back, claimable again after a pause. */
  retryLater(id: string, owner: string, retryAfter: number, error: JobError): void {
    this.s.retryLater.run({
      id,
      owner,
      retryAfter,
      code: error.code,
      message: error.message,
      now: Date.now(),
    })
  }

  /** Canceled by the user; returns false when the job had already ended. */
  cancel(id: string): boolean {
    return this.db
      .transaction(() => {
        this.s.unpauseJob.run(id)
        return this.s.cancel.run({ id, now: Date.now() }).changes === 1
      })
      .immediate()
  }

  /** Staged outputs disappeared (temp cleaned): the job must be processed again. */
  requeueForProcessing(id: string, owner: string): void {
    this.db
      .transaction(() => {
        this.s.deleteOutputs.run(id)
        this.s.requeueForProcessing.run({ id, owner, now: Date.now() })
      })
      .immediate()
  }
}

function prepare(db: Db) {
  return {
    insertJob: db.prepare(
      `INSERT INTO jobs (id, batch_id, source, destination_id, preset, preset_fp, state, created_at, updated_at)
       VALUES (@id, @batchId, @source, @destinationId, @preset, @presetFp, 'queued', @now, @now)`,
    ),
    recordSource: db.prepare(
      `UPDATE jobs SET size = @size, mtime_ms = @mtimeMs, sha256 = @sha256, source_type = @sourceType, updated_at = @now
       WHERE id = @id AND owner = @owner AND state = 'processing'`,
    ),
    deleteOutputs: db.prepare(`DELETE FROM outputs WHERE job_id = ?`),
    insertOutput: db.prepare(
      `INSERT INTO outputs (job_id, variant, format, content_type, width, height, bytes, staged_path, key, url, state, etag)
       VALUES (@jobId, @variant, @format, @contentType, @width, @height, @bytes, @stagedPath, @key, @url, @state, @etag)`,
    ),
    markProcessed: db.prepare(
      `UPDATE jobs SET state = 'processed', owner = NULL, lease_until = NULL, updated_at = @now
       WHERE id = @id AND owner = @owner AND state = 'processing' RETURNING *`,
    ),
    // processed and claimed again for its upload in the same commit, as a claim would count it.
    markProcessedUploading: db.prepare(
      `UPDATE jobs SET state = 'uploading', lease_until = @lease, attempts = attempts + 1, updated_at = @now
       WHERE id = @id AND owner = @owner AND state = 'processing' RETURNING *`,
    ),
    complete: db.prepare(
      `UPDATE jobs SET state = 'done', deduplicated = @dedup, owner = NULL, lease_until = NULL,
         error_code = NULL, error_message = NULL, updated_at = @now, finished_at = @now
       WHERE id = @id AND owner = @owner AND state IN ('processing', 'uploading')`,
    ),
    fail: db.prepare(
      `UPDATE jobs SET state = 'failed', error_code = @code, error_message = @message, owner = NULL, lease_until = NULL,
         updated_at = @now, finished_at = @now
       WHERE id = @id AND (owner IS @owner OR @owner IS NULL) AND ${UNFINISHED}`,
    ),
    retryLater: db.prepare(
      `UPDATE jobs SET state = CASE state WHEN 'uploading' THEN 'processed' ELSE 'queued' END,
         retry_after = @retryAfter, error_code = @code, error_message = @message, owner = NULL, lease_until = NULL, updated_at = @now
       WHERE id = @id AND owner = @owner AND state IN ('processing', 'uploading')`,
    ),
    unpauseJob: db.prepare(`DELETE FROM paused_jobs WHERE job_id = ?`),
    cancel: db.prepare(
      `UPDATE jobs SET state = 'canceled', error_code = 'CANCELED', error_message = 'Canceled.', owner = NULL, lease_until = NULL,
         updated_at = @now, finished_at = @now
       WHERE id = @id AND ${UNFINISHED}`,
    ),
    requeueForProcessing: db.prepare(
      `UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, updated_at = @now
       WHERE id = @id AND owner = @owner AND state = 'uploading'`,
    ),
  }
}
