// --delete: which objects a pass deletes, and why it deletes none when it cannot be sure.

import type { ErrorCode } from '../../shared/jobs'
import type { PurgeOutcome } from '../cdn/purge-queue'
import { markJobsDeleted, releaseObjects, type KeptReason } from '../references'
import { createDestination } from '../storage'
import { localMetaDirFor } from '../paths'
import type { SyncPlan } from './plan'
import type { PassContext, PassOptions } from './reconcile'

export const DESTINATION_ERRORS: readonly ErrorCode[] = [
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'NO_SUCH_BUCKET',
  'CLOCK_SKEW',
  'CONFIG',
  'NETWORK',
]

/**
 * --delete: the pair's records of gone files (and old edits) are deleted as records, then the
 * objects only they linked to are offered to releaseObjects, which keeps whatever something
 * else uses (engine/references).
 */
export async function deleteOrphans(
  ctx: PassContext,
  pairId: string,
  errors: { path: string; code: ErrorCode; message: string }[],
  signal: AbortSignal | undefined,
): Promise<{
  deleted: { key: string; bytes: number }[]
  kept: { key: string; reason: KeptReason }[]
  purge?: PurgeOutcome
}> {
  const ledger = ctx.engine.ledger
  const orphans = ctx.store.orphanObjects(pairId, ctx.pair.destinationId)
  markJobsDeleted(ledger, ctx.store.releasedJobs(pairId))
  if (orphans.length === 0) return { deleted: [], kept: [] }
  const bytes = new Map(orphans.map((o) => [o.key, o.bytes]))
  const dest = createDestination(ctx.target.destination, {
    metaDir: localMetaDirFor(ctx.engine.dataDir),
  })
  try {
    const result = await releaseObjects({
      ledger,
      destination: dest,
      destinationId: ctx.pair.destinationId,
      keys: orphans.map((o) => o.key),
      ...(signal ? { signal } : {}),
    })
    for (const f of result.failed) errors.push({ path: f.key, ...f.error })
    const byKey = (a: { key: string }, b: { key: string }): number =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : 0
    return {
      deleted: result.deleted.map((key) => ({ key, bytes: bytes.get(key) ?? 0 })).sort(byKey),
      kept: result.kept.sort(byKey),
      purge: result.purge,
    }
  } finally {
    dest.close()
  }
}

/** Records the plan lets go of: their objects are orphans in a dry run's forecast. */
export function releasedByPlan(plan: SyncPlan): string[] {
  return [
    ...plan.gone.map((g) => g.rel),
    ...plan.uploads.filter((u) => u.reason !== 'new').map((u) => u.rel),
  ]
}

export function deleteSkipped(
  opts: PassOptions,
  incomplete: string | null,
  stopped: boolean,
): string | null {
  if (!opts.delete) return null
  if (incomplete) return incomplete
  if (stopped)
    return 'The pass stopped early or the destination failed, so nothing was deleted from the bucket.'
  return null
}
