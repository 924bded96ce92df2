// What a destination tells the CDN in front of it when objects leave the bucket. Upshot's objects
// carry `max-age=31536000, immutable`, so without a purge a deleted photo stays on the CDN's
// edges for up to a year.

/** CloudFront: invalidated with CreateInvalidation; keys from the destination or the AWS chain. */
export interface CloudFrontPurge {
  kind: 'cloudfront'
  distributionId: string
  /** Another API base (a proxy, a test server); default CloudFront's own. */
  endpoint?: string
}

/** Cloudflare: purge by URL with an API token that has Zone > Cache Purge. */
export interface CloudflarePurge {
  kind: 'cloudflare'
  zoneId: string
  /** The API token (secret: encrypted at rest in the app, CLOUDFLARE_API_TOKEN for the CLI). */
  apiToken?: string
  /** Another API base (a proxy, a test server); default https://api.cloudflare.com/client/v4. */
  endpoint?: string
}

export type CdnPurgeConfig = CloudFrontPurge | CloudflarePurge

/** Sends purges for public URLs; throws a PurgeError for the whole batch it could not purge. */
export interface Purger {
  /** The most URLs one call takes. */
  readonly batchSize: number
  purge(urls: readonly string[], signal?: AbortSignal): Promise<void>
  close(): void
}

export const CDN_LABELS: Record<CdnPurgeConfig['kind'], string> = {
  cloudfront: 'CloudFront',
  cloudflare: 'Cloudflare',
}
