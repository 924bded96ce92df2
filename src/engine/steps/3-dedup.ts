// 3. dedup: the same content, preset and destination is uploaded once. In this order: done
// before in this ledger (and still in the bucket), a twin still under way (waited for), or
// already in the bucket under its content-addressed key (another computer, a lost ledger). A
// reuse ends the job `done`, `deduplicated`, 0 bytes sent (see "Shared objects").
import { markReused } from '../references/reuse'
import type { StepEnd } from '../scheduler'
import type { ProcessContext } from './context'
import type { ReadSource } from './2-read'
import { done } from './6-done'
import { reuseFromBucket } from './dedup/from-bucket'
import { reuseFromLedger, stillInBucket } from './dedup/from-ledger'
import { waitForTwin } from './dedup/twin'

/**
 * Back from waiting for a twin (the job's hash is known): the twin still under way is waited
 * for again, without reading the whole source again. null: go on and read it.
 */
export function stillBehindTwin(ctx: ProcessContext): StepEnd | null {
  const sha256 = ctx.row.sha256
  if (sha256 && !reuseFromLedger(ctx, sha256) && waitForTwin(ctx, sha256)) return {}
  return null
}

/** The job's end when its content is already uploaded or under way; null: it is new, go on. */
export async function dedup(ctx: ProcessContext, source: ReadSource): Promise<StepEnd | null> {
  const { snap } = source
  const fromLedger = reuseFromLedger(ctx, snap.sha256)
  if (!fromLedger && waitForTwin(ctx, snap.sha256)) return {}
  const reused =
    (fromLedger && (await stillInBucket(ctx, fromLedger))) ||
    (await reuseFromBucket(ctx, snap.sha256, snap.type))
  if (!reused) return null
  const { ledger, dest, row } = ctx
  // Links to objects another ledger uploaded: its deletes must see this use first.
  await markReused(
    ledger,
    dest,
    row.destination_id,
    reused.outputs.map((o) => o.key),
  )
  // The links as the destination gives them now (a public URL changed since the first upload).
  const outputs = reused.outputs.map((o) => ({ ...o, url: dest.urlFor(o.key) }))
  ledger.markDeduplicated(row.id, ctx.owner, outputs, reused.etags, source.unrecorded)
  return done(ctx)
}
