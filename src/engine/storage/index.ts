// Destinations: where staged outputs go. S3-compatible stores and local folders.
import type { Destination, DestinationConfig } from '../types'
import { LocalDestination } from './local'
import { S3Destination } from './s3'
import type { Throttle } from './throttle'

export { createThrottle, type Throttle } from './throttle'
export { toUpshotError, isRetryable } from './errors'
export { withRetry, backoffDelay } from './retry'
export { encodeKey } from './urls'
export {
  choosePartSize,
  DEFAULT_PART_SIZE,
  MAX_IN_FLIGHT_BYTES,
  SINGLE_PUT_MAX,
  S3_MAX_PARTS,
} from './limits'
export { S3Destination, s3DestinationId } from './s3'
export { LocalDestination, localDestinationId } from './local'

export interface DestinationOptions {
  /** UploadPart requests in flight per object (default 4; capped so in-flight bytes <= 32 MiB). */
  partConcurrency?: number
  /** Shared bandwidth limit for all request bodies. */
  bandwidth?: Throttle
  /** Attempts per request, the first included (default 5). */
  maxAttempts?: number
  /** A local folder's object metadata goes here (the data dir's `local-meta/`), never in it. */
  metaDir?: string
}

export function createDestination(
  config: DestinationConfig,
  opts: DestinationOptions = {},
): Destination {
  return config.kind === 's3'
    ? new S3Destination(config, opts)
    : new LocalDestination(config, opts.metaDir ? { metaDir: opts.metaDir } : {})
}
