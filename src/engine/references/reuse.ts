// The reusing side of shared objects: before the engine hands out links to objects it did not
// just upload, it makes sure they are still there and that their uploader can see they are used.

import { UpshotError } from '../../shared/jobs'
import type { Ledger } from '../ledger'
import type { Destination } from '../types'
import { contentDirOf, markerKey } from './markers'
import {
  hasMarker,
  ledgerIdOf,
  markObjectsGone,
  recordMarker,
  recordOccupied,
  uploadedHere,
} from './usage'

/**
 * Whether every key is still in the bucket. A key in the batch's listing is there; any other
 * (no listing, or uploaded after it was made) is asked with a HEAD. Keys found missing are
 * marked gone, so the ledger stops offering them and sync uploads their files again.
 */
export async function confirmInBucket(
  ledger: Ledger,
  dest: Destination,
  destinationId: string,
  keys: readonly string[],
  listed: ReadonlySet<string> | null,
  signal?: AbortSignal,
): Promise<boolean> {
  const unlisted = listed ? keys.filter((k) => !listed.has(k)) : [...keys]
  if (unlisted.length === 0) return true
  const heads = await Promise.all(unlisted.map((k) => headOrDenied(dest, k, signal)))
  const missing = unlisted.filter((_, i) => heads[i] === null)
  markObjectsGone(ledger, destinationId, missing)
  return missing.length === 0
}

async function headOrDenied(
  dest: Destination,
  key: string,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  try {
    return await dest.head(key, signal)
  } catch (err) {
    // Write-only credentials cannot look: trust the ledger, as before (its uploads say more).
    if (err instanceof UpshotError && err.code === 'ACCESS_DENIED') return true
    throw err
  }
}

/**
 * Before links to objects this ledger did not upload are handed out: this ledger's reference
 * marker in each of their content dirs, written (once per dir) before the link exists, so the
 * uploader's deletes see that they are used. Objects this ledger uploaded need none: its own
 * records say so.
 */
export async function markReused(
  ledger: Ledger,
  dest: Destination,
  destinationId: string,
  keys: readonly string[],
): Promise<void> {
  const dirs = new Set<string>()
  for (const key of keys) {
    if (uploadedHere(ledger, destinationId, key) === 'live') continue
    const dir = contentDirOf(key)
    if (!hasMarker(ledger, destinationId, dir)) dirs.add(dir)
  }
  if (dirs.size === 0) return
  const self = ledgerIdOf(ledger)
  for (const dir of dirs) {
    await dest.writeMarker(markerKey(dest.config, dir, self), { 'upshot-ledger': self })
    recordMarker(ledger, destinationId, dir)
  }
}

/**
 * Objects another writer left at keys this job is about to write: a data dir sharing a local
 * folder (its metadata lives in that data dir, so nothing here can prove the file is ours), an
 * Upshot with other encoder settings, an upload from before object metadata. This ledger's bytes
 * replace theirs at the same content-addressed key, and their links still point there: the keys
 * are recorded as occupied (this ledger then never counts itself their uploader, so its deletes
 * leave them) and marked, so the other writer's deletes see this use. Keys this ledger itself
 * uploaded before are its own business and left out.
 */
export async function claimOccupied(
  ledger: Ledger,
  dest: Destination,
  destinationId: string,
  keys: readonly string[],
): Promise<void> {
  const foreign = keys.filter((k) => uploadedHere(ledger, destinationId, k) !== 'live')
  if (foreign.length === 0) return
  recordOccupied(ledger, destinationId, foreign)
  await markReused(ledger, dest, destinationId, foreign)
}
