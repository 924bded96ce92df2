// 4. process: sharp makes an image's variants into `staging/<job>/`; any other file passes
// through as it is (its one output is the source itself). The outputs, with their keys and
// URLs, are recorded: `processed`. A small file held in memory whose upload slot is free goes
// straight on to `uploading` in that same commit (one claim less).
import path from 'node:path'
import type { JobRow, NewOutput } from '../ledger'
import { makeOutputs } from '../pipeline'
import type { StepEnd } from '../scheduler'
import type { ProcessContext } from './context'
import type { ReadSource } from './2-read'
import { waitForTwin } from './dedup/twin'
import { outputKey } from './output-key'

export async function processSource(ctx: ProcessContext, source: ReadSource): Promise<StepEnd> {
  const { row, dest, signal } = ctx
  const { snap } = source
  // Only images stage files (their variants); other files are uploaded from the source.
  const stagingDir =
    snap.type.kind === 'image' ? await ctx.staging.fresh(row.id) : ctx.staging.dirOf(row.id)
  const staged = await makeOutputs(snap, {
    displayName: path.basename(row.source),
    preset: ctx.preset,
    stagingDir,
    limitInputPixels: ctx.limits.limitInputPixels,
    signal,
    admit: (bytes, sig) => ctx.admit(bytes, sig),
  })
  const outputs: NewOutput[] = staged.map((o) => {
    const key = outputKey(ctx, snap.sha256, o)
    return {
      variant: o.variant,
      format: o.format,
      contentType: o.contentType,
      width: o.width,
      height: o.height,
      bytes: o.bytes,
      stagedPath: o.path,
      key,
      url: dest.urlFor(key),
    }
  })
  return recordProcessed(ctx, source, outputs)
}

/**
 * `processed`, checking for a twin again in the same transaction: of two twins hashing at the
 * same moment, exactly one goes on to upload.
 */
function recordProcessed(ctx: ProcessContext, source: ReadSource, outputs: NewOutput[]): StepEnd {
  const { row, ledger } = ctx
  const { snap } = source
  // A small file read into memory goes straight on to its upload when a slot is free: one
  // commit (and one claim) less than processed -> claimed again.
  const uploadNow = snap.bytes ? ctx.uploadSlotNow() : false
  const after = ledger.db
    .transaction((): JobRow | null => {
      if (waitForTwin(ctx, snap.sha256, true)) return null
      const opts = uploadNow ? { uploadLeaseMs: ctx.leaseMs } : {}
      return ledger.markProcessed(row.id, ctx.owner, outputs, source.unrecorded, opts)
    })
    .immediate()
  if (!after) return {}
  if (snap.bytes) ctx.held.keep(row.id, snap.bytes, snap.bytesDigest ?? null)
  ctx.progress.total(outputs.reduce((n, o) => n + o.bytes, 0))
  return { row: after }
}
