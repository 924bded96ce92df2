// What an upload leaves in the ledger: a multipart upload's UploadId the moment it exists and
// each part as it lands (so a crash resumes it), then each output uploaded, with the bucket
// index (`objects`) that dedup and the shared-object rules read.
import type { PartRecord } from '../types'
import type { Db } from './open'
import { LostClaimError, type JobRow, type MultipartRecord, type OutputRow } from './rows'

export class UploadRecords {
  private readonly s: ReturnType<typeof prepare>

  constructor(private readonly db: Db) {
    this.s = prepare(db)
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
}

function prepare(db: Db) {
  return {
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
    completeReturning: db.prepare(
      `UPDATE jobs SET state = 'done', deduplicated = @dedup, owner = NULL, lease_until = NULL,
         error_code = NULL, error_message = NULL, updated_at = @now, finished_at = @now
       WHERE id = @id AND owner = @owner AND state IN ('processing', 'uploading') RETURNING *`,
    ),
  }
}
