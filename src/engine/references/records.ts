// Deleting uploads as the user sees them (the history's Delete, a future editor API): each
// record is marked deleted, then its objects are offered to releaseObjects, which removes only
// those nothing else uses.

import type { JobError } from '../../shared/jobs'
import { toJobError } from '..'
import type { PurgeOutcome } from '../cdn/purge-queue'
import type { Ledger } from '../ledger'
import type { Destination } from '../types'
import { releaseObjects, type KeptReason } from './release'
import { markJobsDeleted } from './usage'

export interface RecordsDeleted {
  /** Objects removed from buckets. */
  deleted: number
  /** Objects left in place because another upload, data dir or computer uses them. */
  kept: { id: string; key: string; reason: KeptReason }[]
  /** Per record that could not be deleted entirely, why (the first reason). */
  failures: { id: string; error: JobError }[]
  /** Per destination with CDN settings: the purge of what was deleted (see engine/cdn). */
  purges: (PurgeOutcome & { destinationId: string })[]
}

/**
 * Deletes finished uploads: the records first (so no dedup picks them while their objects go),
 * then, per destination, the objects no other record uses. `destinationFor` opens a
 * destination with its credentials (the caller closes nothing: each is closed here).
 */
export async function deleteRecords(
  ledger: Ledger,
  jobIds: readonly string[],
  destinationFor: (destinationId: string) => Destination,
): Promise<RecordsDeleted> {
  const out: RecordsDeleted = { deleted: 0, kept: [], failures: [], purges: [] }
  const byDestination = new Map<string, string[]>()
  for (const id of new Set(jobIds)) {
    const job = ledger.job(id)
    if (!job || !['done', 'failed', 'canceled'].includes(job.state)) continue
    const list = byDestination.get(job.destination_id) ?? []
    list.push(id)
    byDestination.set(job.destination_id, list)
  }
  for (const [destinationId, ids] of byDestination) {
    let dest: Destination
    try {
      dest = destinationFor(destinationId)
    } catch (err) {
      const error = toJobError(err)
      for (const id of ids) out.failures.push({ id, error })
      continue
    }
    try {
      markJobsDeleted(ledger, ids)
      const keysOf = new Map<string, string[]>()
      for (const id of ids)
        keysOf.set(
          id,
          ledger
            .outputs(id)
            .filter((o) => o.state === 'uploaded')
            .map((o) => o.key),
        )
      const result = await releaseObjects({
        ledger,
        destination: dest,
        destinationId,
        keys: [...keysOf.values()].flat(),
        destinationOf: destinationFor,
      })
      out.deleted += result.deleted.length
      if (result.purge.cdn !== null || result.purge.pending.length > 0)
        out.purges.push({ destinationId, ...result.purge })
      const failed = new Map(result.failed.map((f) => [f.key, f.error]))
      const kept = new Map(result.kept.map((k) => [k.key, k.reason]))
      for (const id of ids) {
        const keys = keysOf.get(id)!
        for (const key of keys) {
          const reason = kept.get(key)
          if (reason) out.kept.push({ id, key, reason })
        }
        const error = keys.map((k) => failed.get(k)).find((e) => e !== undefined)
        // A marker that could not be removed is not this record's failure: it only keeps objects.
        if (error) out.failures.push({ id, error })
      }
    } finally {
      dest.close()
    }
  }
  return out
}
