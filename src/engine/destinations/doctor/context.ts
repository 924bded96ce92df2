// What every check is given: the destination, the probe object's key and file, and (for S3) the
// SDK client and the server dates seen so far.

import type { S3Client } from '@aws-sdk/client-s3'
import { describeStore } from '../../storage/client'
import { toUpshotError } from '../../storage/errors'
import type { Destination, DestinationConfig, S3DestinationConfig } from '../../types'
import type { Checks } from './checks'

export const PROBE_BODY =
  'Upshot connection check: this object is deleted right after it is written.\n'

export interface Ctx {
  config: DestinationConfig
  dest: Destination
  key: string
  file: string
  checks: Checks
  timeoutMs: number
  doFetch: typeof fetch
  written: boolean
}

/** An S3 run's shared state: every response's Date header lands in `dates` (the clock check). */
export interface S3Ctx {
  ctx: Ctx
  config: S3DestinationConfig
  client: S3Client
  dates: number[]
  where: string
  signal: () => AbortSignal
}

export function messageOf(err: unknown, config: S3DestinationConfig): string {
  return toUpshotError(err, { bucket: config.bucket, where: describeStore(config) }).message
}
