// Reading jobs: one job and its outputs, the unfinished ones, pages of history, and the finished
// twin dedup reuses. Nothing here writes.
import type { OutputReport } from '../../shared/jobs'
import type { DestinationConfig } from '../types'
import type { Db } from './open'
import { UNFINISHED, outputReportOf, type JobRow, type OutputRow } from './rows'

export class JobQueries {
  private readonly s: ReturnType<typeof prepare>

  constructor(db: Db) {
    this.s = prepare(db)
  }

  job(id: string): JobRow | undefined {
    return this.s.job.get(id) as JobRow | undefined
  }

  outputs(jobId: string): OutputRow[] {
    return this.s.outputs.all(jobId) as OutputRow[]
  }

  outputReports(jobId: string): OutputReport[] {
    return this.outputs(jobId).map(outputReportOf)
  }

  /** How many jobs a batch (one enqueue) holds. */
  batchSize(batchId: string): number {
    return (this.s.batchSize.get(batchId) as { n: number }).n
  }

  unfinishedJobIds(): string[] {
    return (this.s.unfinished.all() as { id: string }[]).map((r) => r.id)
  }

  /** The recorded configs (no secrets) of the destinations unfinished jobs upload to. */
  unfinishedDestinations(): DestinationConfig[] {
    return (this.s.unfinishedDestinations.all() as { config: string }[]).map(
      (r) => JSON.parse(r.config) as DestinationConfig,
    )
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
}

function prepare(db: Db) {
  return {
    job: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
    batchSize: db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE batch_id = ?`),
    outputs: db.prepare(`SELECT * FROM outputs WHERE job_id = ? ORDER BY id`),
    unfinished: db.prepare(`SELECT id FROM jobs WHERE ${UNFINISHED} ORDER BY created_at, rowid`),
    unfinishedDestinations: db.prepare(
      `SELECT config FROM destinations WHERE id IN (SELECT destination_id FROM jobs WHERE ${UNFINISHED}) ORDER BY id`,
    ),
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
