// Dedup from the ledger: the same content, preset and destination done before in this ledger (a
// record not deleted, none of its objects known gone). The ledger's word is not enough to hand
// out a link, though: another data dir or computer may have deleted the objects since.
import { reusedOutput, type NewOutput } from '../../ledger'
import { confirmInBucket } from '../../references/reuse'
import { anyGone } from '../../references/usage'
import type { ProcessContext } from '../context'

/** Objects a job reuses instead of uploading: its outputs as recorded, with their ETags. */
export interface Reuse {
  outputs: NewOutput[]
  etags: (string | null)[]
}

/** The objects of a finished twin in this ledger, or null. */
export function reuseFromLedger(
  ctx: Pick<ProcessContext, 'row' | 'ledger'>,
  sha256: string,
): Reuse | null {
  const { row, ledger } = ctx
  const prev = ledger.findDone(sha256, row.preset_fp, row.destination_id, row.id)
  if (!prev) return null
  const outs = ledger.outputs(prev.id)
  if (outs.length === 0) return null
  if (
    anyGone(
      ledger,
      row.destination_id,
      outs.map((o) => o.key),
    )
  )
    return null
  return { outputs: outs.map(reusedOutput), etags: outs.map((o) => o.etag) }
}

/**
 * Whether the objects are all still there: the batch's listing answers when there is one, else
 * a HEAD per object. Objects found missing are marked gone, and the job uploads its own.
 */
export async function stillInBucket(ctx: ProcessContext, reuse: Reuse): Promise<Reuse | null> {
  const keys = reuse.outputs.map((o) => o.key)
  const listed = await ctx.listings.keysFor(ctx)
  const { ledger, dest, row, signal } = ctx
  const there = await confirmInBucket(ledger, dest, row.destination_id, keys, listed, signal)
  if (there) ctx.reached()
  return there ? reuse : null
}
