// 5. upload: each output is PUT (a small file's last output commits the job done with it) or
// sent as a multipart upload driven by the engine: the UploadId is recorded the moment it
// exists, each part as it finishes. After a crash the job is back in `processed` and its upload
// continues from the recorded parts (checked with ListParts where the server has it).
import fs from 'node:fs'
import path from 'node:path'
import type { JobRow, Ledger, OutputRow } from '../ledger'
import { relinkOutputs } from '../ledger/relink'
import type { StepEnd } from '../scheduler'
import type { Destination } from '../types'
import type { UploadContext } from './context'
import { done } from './6-done'

/** Objects are content-addressed, so they never change once written. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable'

export async function upload(ctx: UploadContext): Promise<StepEnd> {
  const { row, ledger, dest } = ctx
  // The links as the destination gives them now: new jobs and retries hand out a changed URL.
  const outputs = relinkOutputs(ledger.db, ledger.outputs(row.id), dest)
  const pending = outputs.filter((o) => o.state === 'staged')
  if (pending.some((o) => !o.staged_path || !fs.existsSync(o.staged_path))) {
    // Staged files vanished (temp cleaned, disk swapped): make them again from the source.
    await abortRecordedUploads(ledger, row.id, () => dest)
    ledger.requeueForProcessing(row.id, ctx.owner)
    return {}
  }
  const { progress } = ctx
  progress.total(outputs.reduce((n, o) => n + o.bytes, 0))
  const uploadedBytes = outputs
    .filter((o) => o.state === 'uploaded')
    .reduce((n, o) => n + o.bytes, 0)
  progress.add(uploadedBytes - progress.done())
  if (pending.length === 1) {
    // The usual small file: its one object and the job's verdict in one commit.
    return done(ctx, await uploadOutput(ctx, pending[0]!, true))
  }
  await Promise.all(pending.map((o) => uploadOutput(ctx, o)))
  ledger.complete(row.id, ctx.owner)
  return done(ctx)
}

/** Sends one output and records it; with `last`, the job is done in that commit (its row back). */
async function uploadOutput(
  ctx: UploadContext,
  o: OutputRow,
  last = false,
): Promise<JobRow | undefined> {
  const { row, ledger, dest } = ctx
  const mp = ledger.multipartFor(o.id)
  const fromSource = o.staged_path === row.source
  const held = fromSource ? ctx.held.get(row.id) : undefined
  const res = await dest.put({
    key: o.key,
    filePath: o.staged_path!,
    // A small file's bytes as they were hashed: sent without reading the file again.
    ...(held && held.bytes.length === o.bytes
      ? { bytes: held.bytes, ...(held.digest ? { bytesDigest: held.digest } : {}) }
      : {}),
    // Else the user's own file is hashed again as it is sent, and refused unless it matches.
    ...(fromSource && row.sha256 && row.size !== null && row.mtime_ms !== null
      ? { source: { sha256: row.sha256, size: row.size, mtimeMs: row.mtime_ms } }
      : {}),
    size: o.bytes,
    contentType: o.content_type,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
    metadata: {
      'upshot-sha256': row.sha256 ?? '',
      'upshot-preset': row.preset_fp,
      'upshot-variant': o.variant,
      'upshot-source-name': encodeURIComponent(path.basename(row.source)),
      'upshot-ledger': ctx.ledgerId,
      ...(o.width !== null ? { 'upshot-width': String(o.width) } : {}),
      ...(o.height !== null ? { 'upshot-height': String(o.height) } : {}),
    },
    signal: ctx.signal,
    onProgress: (delta) => ctx.progress.add(delta),
    multipart: {
      ...(mp ? { resume: { uploadId: mp.uploadId, partSize: mp.partSize, parts: mp.parts } } : {}),
      onCreate: (uploadId, partSize) =>
        ctx.record(() =>
          ledger.recordMultipartCreated(o.id, row.destination_id, o.key, uploadId, partSize),
        ),
      onPart: (part) => ctx.record(() => ledger.recordPart(o.id, part)),
    },
  })
  ctx.reached()
  return ledger.markOutputUploaded(
    row,
    o,
    res.etag,
    res.bytesSent,
    last ? { completeAs: ctx.owner } : {},
  )
}

/**
 * Aborts the multipart uploads recorded for a job's outputs (it failed, was canceled, or must be
 * processed again) and forgets them. `dest` is asked only when there is one.
 */
export async function abortRecordedUploads(
  ledger: Ledger,
  jobId: string,
  dest: () => Destination,
): Promise<void> {
  const ups = ledger.multipartsOfJob(jobId)
  if (ups.length === 0) return
  const d = dest()
  for (const u of ups) {
    try {
      await d.abortMultipart(u.key, u.uploadId)
    } catch {
      // Left for `upshot cleanup` and the bucket's lifecycle rule; the ledger forgets it either way.
    }
    ledger.forgetMultipart(u.outputId)
  }
}
