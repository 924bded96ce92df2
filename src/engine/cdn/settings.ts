// CDN settings as typed (`upshot dest add --cloudfront ID`, the app's destination form) checked
// into a CdnPurgeConfig. Secrets are not settings: the Cloudflare token is added by whoever holds
// it (the app's encrypted store, CLOUDFLARE_API_TOKEN for the CLI).

import { UpshotError } from '../../shared/jobs'
import type { CdnPurgeConfig } from './types'

export interface PurgeSettings {
  kind: 'cloudfront' | 'cloudflare'
  /** CloudFront distribution ID or Cloudflare zone ID. */
  id: string
  endpoint?: string
}

export function purgeFromSettings(s: PurgeSettings): CdnPurgeConfig {
  const id = s.id.trim()
  const endpoint = s.endpoint?.trim() ? checkEndpoint(s.endpoint.trim()) : undefined
  if (s.kind === 'cloudfront') {
    if (!/^[A-Z0-9]{8,32}$/.test(id)) {
      throw new UpshotError(
        'CONFIG',
        `"${id}" is not a CloudFront distribution ID (like E2QWRUHAPOMQZL: capital letters and digits).`,
      )
    }
    return { kind: 'cloudfront', distributionId: id, ...(endpoint ? { endpoint } : {}) }
  }
  if (!/^[0-9a-f]{32}$/i.test(id)) {
    throw new UpshotError(
      'CONFIG',
      `"${id}" is not a Cloudflare zone ID (32 hexadecimal characters, on the zone's Overview page).`,
    )
  }
  return { kind: 'cloudflare', zoneId: id.toLowerCase(), ...(endpoint ? { endpoint } : {}) }
}

/** Where a purge settings' warnings come from: links that the CDN does not serve purge nothing. */
export function purgeWarnings(cdn: CdnPurgeConfig, publicUrl: string | undefined): string[] {
  if (publicUrl) return []
  return [
    `CDN purges go to the links' URLs, and this destination has no public URL: set --public-url to the address ${cdn.kind === 'cloudfront' ? 'CloudFront' : 'Cloudflare'} serves, or the purges reach nothing.`,
  ]
}

function checkEndpoint(value: string): string {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new UpshotError('CONFIG', `The CDN API address "${value}" is not a URL.`)
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new UpshotError(
      'CONFIG',
      `The CDN API address must be http:// or https://, not "${value}".`,
    )
  }
  return value.replace(/\/+$/, '')
}
