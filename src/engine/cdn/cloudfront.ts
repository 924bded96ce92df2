// CloudFront invalidations: CreateInvalidation (POST /2020-05-31/distribution/{id}/invalidation,
// SigV4 for service "cloudfront" in us-east-1) through @aws-sdk/client-cloudfront, loaded on
// first need. Paths are the public URLs' paths, up to 1000 per invalidation (CloudFront takes
// 3000 file paths in progress per distribution; a burst past that answers
// TooManyInvalidationsInProgress, which stays pending and is retried later).
// Not tried against the live service from this machine: see README, "Purge on delete".

import { randomUUID } from 'node:crypto'
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import { loadCloudFrontSdk } from '../storage/sdk'
import { PurgeError } from './errors'
import type { CloudFrontPurge, Purger } from './types'

export const CLOUDFRONT_BATCH = 1000

export interface AwsKeys {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** The invalidation path of a public URL: its path, as viewers request it ('*' is not a wildcard). */
export function invalidationPath(url: string): string {
  return new URL(url).pathname.replace(/\*/g, '%2A')
}

export function cloudFrontPurger(config: CloudFrontPurge, credentials?: AwsKeys): Purger {
  let client: Promise<CloudFrontClient> | undefined
  const open = async (): Promise<CloudFrontClient> => {
    const sdk = await loadCloudFrontSdk()
    return new sdk.CloudFrontClient({
      region: 'us-east-1',
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      maxAttempts: 4,
    })
  }
  return {
    batchSize: CLOUDFRONT_BATCH,
    async purge(urls, signal) {
      const paths = [...new Set(urls.map(invalidationPath))]
      const c = await (client ??= open())
      const sdk = await loadCloudFrontSdk()
      for (let i = 0; i < paths.length; i += CLOUDFRONT_BATCH) {
        const items = paths.slice(i, i + CLOUDFRONT_BATCH)
        try {
          await c.send(
            new sdk.CreateInvalidationCommand({
              DistributionId: config.distributionId,
              InvalidationBatch: {
                CallerReference: `upshot-${Date.now()}-${randomUUID()}`,
                Paths: { Quantity: items.length, Items: items },
              },
            }),
            { abortSignal: signal },
          )
        } catch (err) {
          throw cloudFrontError(err, config.distributionId)
        }
      }
    },
    close() {
      void client?.then((c) => c.destroy()).catch(() => {})
    },
  }
}

function cloudFrontError(err: unknown, id: string): PurgeError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  const name = e.name ?? ''
  const status = e.$metadata?.httpStatusCode
  const detail = (e.message ?? '').split('\n')[0]!.slice(0, 200)
  if (
    [
      'InvalidClientTokenId',
      'SignatureDoesNotMatch',
      'CredentialsProviderError',
      'InvalidAccessKeyId',
      'ExpiredToken',
    ].includes(name)
  )
    return new PurgeError(
      'INVALID_CREDENTIALS',
      `CloudFront did not accept the AWS keys (${name}).`,
      { retryable: false, cause: err },
    )
  if (name === 'AccessDenied' || status === 403)
    return new PurgeError(
      'ACCESS_DENIED',
      `The AWS keys may not invalidate distribution ${id} (cloudfront:CreateInvalidation).`,
      { retryable: false, cause: err },
    )
  if (name === 'NoSuchDistribution' || status === 404)
    return new PurgeError('CONFIG', `CloudFront has no distribution ${id} for these keys.`, {
      retryable: false,
      cause: err,
    })
  if (name === 'TooManyInvalidationsInProgress' || name === 'Throttling' || status === 429)
    return new PurgeError(
      'SERVER_ERROR',
      `CloudFront is busy with other invalidations of ${id} (${name || status}); it will be tried again.`,
      { retryable: true, retryAt: Date.now() + 60_000, cause: err },
    )
  if (status !== undefined && status >= 400 && status < 500)
    return new PurgeError(
      'CONFIG',
      `CloudFront refused the invalidation (${name || status}: ${detail}).`,
      { retryable: false, cause: err },
    )
  return new PurgeError(
    'NETWORK',
    `CloudFront could not be reached or failed (${name || detail}).`,
    { retryable: true, cause: err },
  )
}
