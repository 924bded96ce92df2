import type { JobError, JobState, OutputReport, ReportStatus } from '../../shared/jobs'
import { resolveProvider, type ProviderSettings } from '../destinations/providers'
import type { DestinationConfig, PartRecord } from '../types'
import { openLedgerDb, type Db, type OpenOptions } from './open'

export type { Db } from './open'

export interface SavedDestination {
  id: string
  name: string
  /** The settings `upshot dest add` saved; null for a name the app recorded. */
  provider: ProviderSettings | null
  config: DestinationConfig
}

export interface NewJob {
  id: string
  batchId: string
  source: string
  destinationId: string
  preset: string
  presetFp: string
}

export interface JobRow {
  id: string
  batch_id: string
  source: string
  size: number | null
  mtime_ms: number | null
  sha256: string | null
  source_type: string | null
  destination_id: string
  preset: string
  preset_fp: string
  state: JobState
  attempts: number
  error_code: string | null
  error_message: string | null
  deduplicated: number
  owner: string | null
  lease_until: number | null
  retry_after: number | null
  bytes_sent: number
  created_at: number
  updated_at: number
  finished_at: number | null
}

export interface OutputRow {
  id: number
  job_id: string
  variant: string
  format: string
  content_type: string
  width: number | null
  height: number | null
  bytes: number
  staged_path: string | null
  key: string
  url: string
  state: 'staged' | 'uploaded'
  etag: string | null
}

export interface NewOutput {
  variant: string
  format: string
  contentType: string
  width: number | null
  height: number | null
  bytes: number
  stagedPath: string | null
  key: string
  url: string
}

/** An uploaded output reused for another job (a twin, a renamed file): nothing to stage. */
export function reusedOutput(o: OutputRow): NewOutput {
  return {
    variant: o.variant,
    format: o.format,
    contentType: o.content_type,
    width: o.width,
    height: o.height,
    bytes: o.bytes,
    stagedPath: null,
    key: o.key,
    url: o.url,
  }
}

/** An output as reports and the app show it. */
export function outputReportOf(o: OutputRow): OutputReport {
  return {
    variant: o.variant,
    format: o.format,
    width: o.width,
    height: o.height,
    bytes: o.bytes,
    key: o.key,
    url: o.url,
    contentType: o.content_type,
  }
}

export interface SourceFacts {
  size: number
  mtimeMs: number
  sha256: string
  sourceType: string
}

export interface MultipartRecord {
  uploadId: string
  partSize: number
  key: string
  parts: PartRecord[]
}

/**
 * The ledger: every job and every step of its upload, in SQLite. All changes go through the
 * named transitions below, each a prepared statement in one transaction, and each claim-holding
 * transition checks the owner so a process that lost its claim cannot overwrite another's work.
 */
export class Ledger {
  readonly db: Db
  private readonly s: ReturnType<typeof prepare>

  constructor(db: Db) {
    this.db = db
    this.s = prepare(db)
  }

  static open(dataDir: string, options?: OpenOptions): Ledger {
    return new Ledger(openLedgerDb(dataDir, options))
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  // ---- destinations ----

  upsertDestination(id: string, config: DestinationConfig, name: string | null = null): void {
    this.s.upsertDestination.run({
      id,
      name,
      kind: config.kind,
      config: JSON.stringify(stripSecrets(config)),
      now: Date.now(),
    })
  }

  /**
   * A destination by its name. Saved with `upshot dest add`, its config is resolved again from
   * the provider settings it was saved with (uploads with other flags do not change it).
   */
  destinationByName(name: string): { id: string; config: DestinationConfig } | undefined {
    const row = this.s.destinationByName.get(name) as
      { id: string; config: string; provider: string | null } | undefined
    if (!row) return undefined
    const config = row.provider
      ? resolveProvider(JSON.parse(row.provider) as ProviderSettings).config
      : (JSON.parse(row.config) as DestinationConfig)
    return { id: row.id, config }
  }

  /** Saves (or replaces) a named destination; a name moves off any destination that held it. */
  saveDestination(id: string, name: string, provider: ProviderSettings): void {
    const config = resolveProvider(provider).config
    this.db.transaction(() => {
      this.s.clearName.run(name, id)
      this.upsertDestination(id, config, name)
      this.s.setProvider.run({ id, provider: JSON.stringify(provider), now: Date.now() })
    })()
  }

  /** Every named destination, saved by `upshot dest` (provider set) or by the app. */
  namedDestinations(): SavedDestination[] {
    const rows = this.s.namedDestinations.all() as {
      id: string
      name: string
      config: string
      provider: string | null
    }[]
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      provider: r.provider ? (JSON.parse(r.provider) as ProviderSettings) : null,
      config: r.provider
        ? resolveProvider(JSON.parse(r.provider) as ProviderSettings).config
        : (JSON.parse(r.config) as DestinationConfig),
    }))
  }

  /** Forgets a name; the destination row stays, since history refers to it. */
  removeDestinationName(name: string): boolean {
    const changed = this.s.forgetName.run(name).changes > 0
    if (changed && this.defaultDestinationName() === name) this.setDefaultDestinationName(null)
    return changed
  }

  defaultDestinationName(): string | null {
    const row = this.s.getSetting.get('default_destination') as { value: string } | undefined
    if (!row) return null
    // A default whose name was taken away is no default.
    return this.s.destinationByName.get(row.value) ? row.value : null
  }

  setDefaultDestinationName(name: string | null): void {
    if (name === null) this.s.deleteSetting.run('default_destination')
    else this.s.putSetting.run({ key: 'default_destination', value: name })
  }

  // ---- transitions ----

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

  /**
   * Atomically takes a job for `owner`: queued -> processing, processed -> uploading.
   * Returns the new state, or null when another process holds it, it ended, or must wait.
   */
  claim(id: string, owner: string, leaseMs: number): 'processing' | 'uploading' | null {
    return (
      (this.claimRow(id, owner, leaseMs)?.state as 'processing' | 'uploading' | undefined) ?? null
    )
  }

  /** `claim`, answering with the claimed job's row (one statement; no second read). */
  claimRow(id: string, owner: string, leaseMs: number): JobRow | null {
    const now = Date.now()
    return (
      (this.s.claim.get({ id, owner, now, lease: now + leaseMs }) as JobRow | undefined) ?? null
    )
  }

  renewLeases(owner: string, leaseMs: number): void {
    this.s.renewLeases.run({ owner, lease: Date.now() + leaseMs })
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

  recordMultipartCreated(
    outputId: number,
    destinationId: string,
    key: string,
    uploadId: string,
    partSize: number,
  ): void {
    this.db
      .transaction(() => {
        this.s.deleteMultipart.run(outputId)
        this.s.insertMultipart.run({
          outputId,
          destinationId,
          key,
          uploadId,
          partSize,
          now: Date.now(),
        })
      })
      .immediate()
  }

  recordPart(outputId: number, part: PartRecord): void {
    this.s.insertPart.run({ outputId, ...part })
  }

  multipartFor(outputId: number): MultipartRecord | undefined {
    const up = this.s.multipartFor.get(outputId) as
      { upload_id: string; part_size: number; key: string } | undefined
    if (!up) return undefined
    const parts = (
      this.s.partsFor.all(outputId) as {
        part_number: number
        etag: string
        size: number
        checksum: string | null
      }[]
    ).map((p) => ({ partNumber: p.part_number, etag: p.etag, size: p.size, checksum: p.checksum }))
    return { uploadId: up.upload_id, partSize: up.part_size, key: up.key, parts }
  }

  /**
   * One output landed and was verified: record it in the bucket index; with `completeAs` (the
   * claim's owner) it was the job's last and the job is done too (its row is returned).
   */
  markOutputUploaded(
    job: JobRow,
    output: OutputRow,
    etag: string | null,
    bytesSent: number,
    opts: { completeAs?: string } = {},
  ): JobRow | undefined {
    const now = Date.now()
    return this.db
      .transaction((): JobRow | undefined => {
        this.s.markOutputUploaded.run({ id: output.id, etag })
        this.s.deleteMultipart.run(output.id)
        this.s.addBytesSent.run({ id: job.id, bytes: bytesSent, now })
        this.s.upsertObject.run({
          destinationId: job.destination_id,
          key: output.key,
          sha: job.sha256,
          jobId: job.id,
          variant: output.variant,
          bytes: output.bytes,
          etag,
          contentType: output.content_type,
          now,
        })
        // The job's last output: done in the same commit (one transaction less per small file).
        if (opts.completeAs === undefined) return undefined
        const row = this.s.completeReturning.get({
          id: job.id,
          owner: opts.completeAs,
          dedup: 0,
          now,
        }) as JobRow | undefined
        if (!row) throw new LostClaimError(job.id)
        return row
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

  /** Staged outputs disappeared (temp cleaned): the job must be processed again. */
  requeueForProcessing(id: string, owner: string): void {
    this.db
      .transaction(() => {
        this.s.deleteOutputs.run(id)
        this.s.requeueForProcessing.run({ id, owner, now: Date.now() })
      })
      .immediate()
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

  // ---- queries ----

  job(id: string): JobRow | undefined {
    return this.s.job.get(id) as JobRow | undefined
  }

  outputs(jobId: string): OutputRow[] {
    return this.s.outputs.all(jobId) as OutputRow[]
  }

  unfinishedJobIds(): string[] {
    return (this.s.unfinished.all() as { id: string }[]).map((r) => r.id)
  }

  listJobs(opts: { all: boolean; limit: number; offset?: number }): JobRow[] {
    const stmt = opts.all ? this.s.listAll : this.s.listUnfinished
    return stmt.all({ limit: opts.limit, offset: opts.offset ?? 0 }) as JobRow[]
  }

  /** A finished job (not deleted) with the same content, preset and destination, to reuse. */
  findDone(
    sha256: string,
    presetFp: string,
    destinationId: string,
    exceptId: string,
  ): JobRow | undefined {
    return this.s.findDone.get({ sha256, presetFp, destinationId, exceptId }) as JobRow | undefined
  }

  /** Multipart uploads recorded for a job's outputs (to abort on cancel/failure). */
  multipartsOfJob(jobId: string): { outputId: number; key: string; uploadId: string }[] {
    return (
      this.s.multipartsOfJob.all(jobId) as { output_id: number; key: string; upload_id: string }[]
    ).map((r) => ({
      outputId: r.output_id,
      key: r.key,
      uploadId: r.upload_id,
    }))
  }

  forgetMultipart(outputId: number): void {
    this.s.deleteMultipart.run(outputId)
  }

  outputReports(jobId: string): OutputReport[] {
    return this.outputs(jobId).map(outputReportOf)
  }

  static reportStatus(state: JobState): ReportStatus | null {
    return state === 'done' || state === 'failed' || state === 'skipped' || state === 'canceled'
      ? state
      : null
  }
}

function expectOne(result: { changes: number }, id: string): void {
  if (result.changes !== 1) throw new LostClaimError(id)
}

/** The job is no longer held by this process (another took it over, or it was canceled). */
export class LostClaimError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} is no longer held by this process`)
    this.name = 'LostClaimError'
  }
}

function stripSecrets(config: DestinationConfig): DestinationConfig {
  const withoutToken: DestinationConfig =
    config.purge?.kind === 'cloudflare' && config.purge.apiToken !== undefined
      ? { ...config, purge: { ...config.purge, apiToken: undefined } }
      : config
  if (withoutToken.kind !== 's3') return withoutToken
  const { credentials: _omit, ...rest } = withoutToken
  return rest
}

const UNFINISHED = `state IN ('queued','processing','processed','uploading')`

function prepare(db: Db) {
  return {
    upsertDestination: db.prepare(
      `INSERT INTO destinations (id, name, kind, config, created_at) VALUES (@id, @name, @kind, @config, @now)
       ON CONFLICT(id) DO UPDATE SET config = excluded.config, name = COALESCE(excluded.name, destinations.name)`,
    ),
    destinationByName: db.prepare(`SELECT id, config, provider FROM destinations WHERE name = ?`),
    clearName: db.prepare(
      `UPDATE destinations SET name = NULL, provider = NULL WHERE name = ? AND id <> ?`,
    ),
    setProvider: db.prepare(
      `UPDATE destinations SET provider = @provider, saved_at = @now WHERE id = @id`,
    ),
    namedDestinations: db.prepare(
      `SELECT id, name, config, provider FROM destinations WHERE name IS NOT NULL ORDER BY name`,
    ),
    forgetName: db.prepare(
      `UPDATE destinations SET name = NULL, provider = NULL, saved_at = NULL WHERE name = ?`,
    ),
    getSetting: db.prepare(`SELECT value FROM ledger_settings WHERE key = ?`),
    putSetting: db.prepare(
      `INSERT INTO ledger_settings (key, value) VALUES (@key, @value)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    ),
    deleteSetting: db.prepare(`DELETE FROM ledger_settings WHERE key = ?`),
    insertJob: db.prepare(
      `INSERT INTO jobs (id, batch_id, source, destination_id, preset, preset_fp, state, created_at, updated_at)
       VALUES (@id, @batchId, @source, @destinationId, @preset, @presetFp, 'queued', @now, @now)`,
    ),
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
    completeReturning: db.prepare(
      `UPDATE jobs SET state = 'done', deduplicated = @dedup, owner = NULL, lease_until = NULL,
         error_code = NULL, error_message = NULL, updated_at = @now, finished_at = @now
       WHERE id = @id AND owner = @owner AND state IN ('processing', 'uploading') RETURNING *`,
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
    pauseJob: db.prepare(
      `INSERT OR IGNORE INTO paused_jobs (job_id, paused_at)
       SELECT id, @now FROM jobs WHERE id = @id AND ${UNFINISHED}`,
    ),
    unpauseJob: db.prepare(`DELETE FROM paused_jobs WHERE job_id = ?`),
    isPaused: db.prepare(`SELECT 1 AS p FROM paused_jobs WHERE job_id = ?`),
    cancel: db.prepare(
      `UPDATE jobs SET state = 'canceled', error_code = 'CANCELED', error_message = 'Canceled.', owner = NULL, lease_until = NULL,
         updated_at = @now, finished_at = @now
       WHERE id = @id AND ${UNFINISHED}`,
    ),
    requeueForProcessing: db.prepare(
      `UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, updated_at = @now
       WHERE id = @id AND owner = @owner AND state = 'uploading'`,
    ),
    heldJobs: db.prepare(
      `SELECT id, owner, lease_until FROM jobs WHERE state IN ('processing','uploading') AND owner IS NOT NULL`,
    ),
    requeueStale: db.prepare(
      `UPDATE jobs SET state = CASE state WHEN 'uploading' THEN 'processed' ELSE 'queued' END,
         owner = NULL, lease_until = NULL, updated_at = @now
       WHERE id = @id AND owner = @owner AND state IN ('processing','uploading')`,
    ),
    insertMultipart: db.prepare(
      `INSERT INTO multipart_uploads (output_id, destination_id, key, upload_id, part_size, created_at)
       VALUES (@outputId, @destinationId, @key, @uploadId, @partSize, @now)`,
    ),
    deleteMultipart: db.prepare(`DELETE FROM multipart_uploads WHERE output_id = ?`),
    insertPart: db.prepare(
      `INSERT OR REPLACE INTO multipart_parts (output_id, part_number, etag, size, checksum)
       VALUES (@outputId, @partNumber, @etag, @size, @checksum)`,
    ),
    multipartFor: db.prepare(
      `SELECT upload_id, part_size, key FROM multipart_uploads WHERE output_id = ?`,
    ),
    partsFor: db.prepare(
      `SELECT part_number, etag, size, checksum FROM multipart_parts WHERE output_id = ? ORDER BY part_number`,
    ),
    multipartsOfJob: db.prepare(
      `SELECT m.output_id, m.key, m.upload_id FROM multipart_uploads m JOIN outputs o ON o.id = m.output_id WHERE o.job_id = ?`,
    ),
    markOutputUploaded: db.prepare(
      `UPDATE outputs SET state = 'uploaded', etag = @etag, staged_path = NULL WHERE id = @id`,
    ),
    addBytesSent: db.prepare(
      `UPDATE jobs SET bytes_sent = bytes_sent + @bytes, updated_at = @now WHERE id = @id`,
    ),
    upsertObject: db.prepare(
      `INSERT INTO objects (destination_id, key, source_sha256, job_id, variant, bytes, etag, content_type, uploaded_at)
       VALUES (@destinationId, @key, @sha, @jobId, @variant, @bytes, @etag, @contentType, @now)
       ON CONFLICT(destination_id, key) DO UPDATE SET source_sha256 = excluded.source_sha256, job_id = excluded.job_id,
         bytes = excluded.bytes, etag = excluded.etag, uploaded_at = excluded.uploaded_at, deleted_at = NULL`,
    ),
    job: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
    outputs: db.prepare(`SELECT * FROM outputs WHERE job_id = ? ORDER BY id`),
    unfinished: db.prepare(`SELECT id FROM jobs WHERE ${UNFINISHED} ORDER BY created_at, rowid`),
    listAll: db.prepare(
      `SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset`,
    ),
    listUnfinished: db.prepare(
      `SELECT * FROM jobs WHERE ${UNFINISHED} ORDER BY created_at, rowid LIMIT @limit OFFSET @offset`,
    ),
    findDone: db.prepare(
      `SELECT * FROM jobs WHERE sha256 = @sha256 AND preset_fp = @presetFp AND destination_id = @destinationId
         AND state = 'done' AND id != @exceptId
         AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = jobs.id)
       ORDER BY finished_at DESC LIMIT 1`,
    ),
  }
}
