// Saved keys go where they were saved for. A destination's stored access keys are sent (as
// signatures, and as the key id in every request and presigned link) to its S3 endpoint, in its
// region, for its bucket. A settings form edited by the window may pair a saved destination's id
// with another endpoint; the stored keys must never follow it there: the user types the keys
// again for new ones (settings-model.ts saveDestination, AppService.testDestination).

import { UpshotError } from '../shared/jobs'
import type { DestinationConfig } from '../engine/types'

/** Where requests signed with a destination's keys go; null for a local folder (no keys). */
export function keyScope(config: DestinationConfig): string | null {
  if (config.kind !== 's3') return null
  // The endpoint decides the host; without one (AWS) the region does; the bucket names the host
  // of a virtual-hosted request. Path style and checksums only change the shape of requests.
  return JSON.stringify([config.endpoint ?? '', config.region, config.bucket])
}

/** Throws unless `next` sends requests where `saved` does (the stored keys may be used for it). */
export function assertKeysMayFollow(saved: DestinationConfig, next: DestinationConfig): void {
  if (keyScope(saved) !== null && keyScope(saved) === keyScope(next)) return
  throw new UpshotError(
    'CONFIG',
    'The saved keys are only used with the endpoint, region and bucket they were saved for; enter the keys again to use these settings.',
  )
}
