// The one place that decides whether an object may leave its bucket. Every delete goes through
// releaseObjects: the history's delete, `upshot sync --delete`, and whatever comes next (an
// editor API, mirrors). The rule, and why, is in docs/ARCHITECTURE.md under "Shared objects".

import type { ErrorCode, JobError } from '../../shared/jobs'
import { toJobError } from '..'
import { purgeDeleted, type PurgeOutcome } from '../cdn/purge-queue'
import type { Ledger } from '../ledger'
import { releaseMirrorCopies, type MirrorRelease } from '../mirrors/release-copies'
import { createDestination } from '../storage'
import type { Destination } from '../types'
import { contentDirOf, listMarkers, markerKey } from './markers'
import {
  dirUsedHere,
  forgetMarker,
  hasMarker,
  ledgerIdOf,
  markObjectsGone,
  uploadedHere,
  usedHere,
} from './usage'

/**
 * Why an object stayed: another live record of this ledger links to it; another ledger uploaded
 * it (this one only reused it); or another ledger (data dir, computer) uses it, by its
 * reference marker or by having written the object's current bytes.
 */
export type KeptReason = 'used-here' | 'uploaded-elsewhere' | 'used-elsewhere'

export interface ReleaseResult {
  /** Removed from the bucket (or found already gone). */
  deleted: string[]
  /** Left in the bucket: something else uses it. At worst an orphan, never a broken link. */
  kept: { key: string; reason: KeptReason }[]
  failed: { key: string; error: JobError }[]
  /**
   * The CDN purge of the deleted objects' URLs (and of purges owed from before), sent after
   * they left the bucket; what failed stays owed in the ledger.
   */
  purge: PurgeOutcome
  /** The deleted objects' copies on the destination's mirrors, removed after them. */
  mirrors?: MirrorRelease[]
}

export interface ReleaseRequest {
  ledger: Ledger
  /** The destination with its credentials. */
  destination: Destination
  /** The ledger's id for it (objects, outputs and jobs are recorded under this id). */
  destinationId: string
  /** Objects that records being deleted linked to; mark those records deleted first. */
  keys: readonly string[]
  /**
   * Opens another destination with its credentials (a mirror), closed after use; default: from
   * the ledger's config, keys from the AWS chain.
   */
  destinationOf?: (destinationId: string) => Destination
  signal?: AbortSignal
}

/** Failures after which no further request to the destination can succeed. */
const STOPS: readonly ErrorCode[] = [
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'NO_SUCH_BUCKET',
  'CLOCK_SKEW',
  'CONFIG',
  'NETWORK',
]
const PARALLEL = 6

/**
 * Deletes each object that nothing uses any more, in this order: an object a live record here
 * links to stays; this ledger's own marker goes once nothing here uses its content dir; an
 * object this ledger did not upload stays (its uploader decides); an object with another
 * ledger's marker in its content dir, or whose `upshot-ledger` metadata names another ledger,
 * stays. Only then is it deleted. When in doubt it stays: an orphan can be found later, a
 * broken link cannot be mended.
 */
export async function releaseObjects(req: ReleaseRequest): Promise<ReleaseResult> {
  const removed = await removeUnused(req)
  // Only what left the bucket is purged: a kept object's cached copy is still its links' content.
  let purge: PurgeOutcome
  try {
    purge = await purgeDeleted(
      req.ledger,
      req.destination,
      req.destinationId,
      removed.deleted,
      req.signal,
    )
  } catch (err) {
    const error = toJobError(err)
    purge = { cdn: req.destination.config.purge?.kind ?? null, purged: [], pending: [] }
    for (const key of removed.deleted)
      purge.pending.push({ url: req.destination.urlFor(key), error })
  }
  // Mirrors follow the primary: only what left it leaves them (see mirrors/release-copies.ts).
  const mirrors = await releaseMirrorCopies(
    req.ledger,
    req.destinationId,
    removed.deleted,
    req.destinationOf ?? ((id) => createDestination(req.ledger.destinationConfig(id))),
    req.signal,
  )
  return { ...removed, purge, mirrors }
}

async function removeUnused(req: ReleaseRequest): Promise<Omit<ReleaseResult, 'purge'>> {
  const { ledger, destination: dest, destinationId, signal } = req
  const self = ledgerIdOf(ledger)
  const result: Omit<ReleaseResult, 'purge'> = { deleted: [], kept: [], failed: [] }
  const unused: string[] = []
  for (const key of new Set(req.keys)) {
    if (usedHere(ledger, destinationId, key)) result.kept.push({ key, reason: 'used-here' })
    else unused.push(key)
  }

  // This ledger's own markers, where nothing here links into their content dir any more.
  for (const dir of new Set(unused.map(contentDirOf))) {
    if (!hasMarker(ledger, destinationId, dir) || dirUsedHere(ledger, destinationId, dir)) continue
    const marker = markerKey(dest.config, dir, self)
    try {
      await dest.deleteObject(marker)
      forgetMarker(ledger, destinationId, dir)
    } catch (err) {
      // A marker left behind only keeps objects longer; the deletes below are not held up.
      result.failed.push({ key: marker, error: toJobError(err) })
    }
  }

  const ours: string[] = []
  for (const key of unused) {
    const uploaded = uploadedHere(ledger, destinationId, key)
    if (uploaded === 'live') ours.push(key)
    else if (uploaded === 'no') result.kept.push({ key, reason: 'uploaded-elsewhere' })
    // 'gone': deleted before; nothing to do.
  }
  if (ours.length === 0) return result

  let others: Map<string, Set<string>>
  try {
    others = await listMarkers(dest, signal)
  } catch (err) {
    const error = toJobError(err)
    for (const key of ours) result.failed.push({ key, error })
    return result
  }
  const markedElsewhere = (key: string): boolean =>
    [...(others.get(contentDirOf(key)) ?? [])].some((id) => id !== self)

  let next = 0
  let stop = false
  const worker = async (): Promise<void> => {
    while (!stop && next < ours.length && !signal?.aborted) {
      const key = ours[next++]!
      if (markedElsewhere(key)) {
        result.kept.push({ key, reason: 'used-elsewhere' })
        continue
      }
      try {
        const head = await dest.head(key, signal)
        const writer = head?.metadata['upshot-ledger']
        if (head && writer && writer !== self) {
          // Another ledger uploaded these bytes again after us: its links are its own.
          result.kept.push({ key, reason: 'used-elsewhere' })
          continue
        }
        if (head) await dest.deleteObject(key)
        markObjectsGone(ledger, destinationId, [key])
        result.deleted.push(key)
      } catch (err) {
        const error = toJobError(err)
        result.failed.push({ key, error })
        if (STOPS.includes(error.code)) stop = true
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, ours.length) }, worker))
  return result
}
