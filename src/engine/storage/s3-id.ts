// A bucket's identity in the ledger: the same store, bucket and prefix give the same id however
// the endpoint is spelled.

import type { S3DestinationConfig } from '../types'

export function s3DestinationId(config: S3DestinationConfig): string {
  const store = config.endpoint ? normalizeEndpoint(config.endpoint) : 'aws'
  return `s3:${store}:${config.bucket}/${config.prefix}`
}

function normalizeEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint)
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`
  } catch {
    return endpoint.replace(/\/+$/, '')
  }
}
