// Deleting orphans (`upshot ls --orphans --delete`, the Browse view): objects no record of this
// ledger knows, which the user chose to delete. This ledger did not upload them, so the usual
// "its uploader decides" cannot apply; what can still be seen is kept: a live record here (it
// may have appeared since the listing) or another ledger's reference marker in its content dir.
// Then the CDN is purged of what left, like every other delete.

import { toJobError } from '../job-error'
import type { Ledger } from '../ledger'
import { purgeDeleted } from '../cdn/purge-queue'
import type { Destination } from '../types'
import { contentDirOf, listMarkers } from './markers'
import type { ReleaseResult } from './release'
import { ledgerIdOf, usedHere } from './usage'

export async function deleteOrphanObjects(
  ledger: Ledger,
  dest: Destination,
  destinationId: string,
  keys: readonly string[],
  signal?: AbortSignal,
): Promise<ReleaseResult> {
  const self = ledgerIdOf(ledger)
  const result: Omit<ReleaseResult, 'purge'> = { deleted: [], kept: [], failed: [] }
  let markers: Map<string, Set<string>>
  try {
    markers = await listMarkers(dest, signal)
  } catch (err) {
    const error = toJobError(err)
    return {
      ...result,
      failed: keys.map((key) => ({ key, error })),
      purge: { cdn: null, purged: [], pending: [] },
    }
  }
  for (const key of new Set(keys)) {
    if (usedHere(ledger, destinationId, key)) {
      result.kept.push({ key, reason: 'used-here' })
      continue
    }
    if ([...(markers.get(contentDirOf(key)) ?? [])].some((id) => id !== self)) {
      result.kept.push({ key, reason: 'used-elsewhere' })
      continue
    }
    try {
      await dest.deleteObject(key)
      result.deleted.push(key)
    } catch (err) {
      result.failed.push({ key, error: toJobError(err) })
    }
  }
  const purge = await purgeDeleted(ledger, dest, destinationId, result.deleted, signal)
  return { ...result, purge }
}
