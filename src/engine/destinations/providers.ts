// Provider presets: what each store needs (endpoint, region, addressing, checksum behaviour,
// link base) filled in from the few things a user knows (bucket, region, account ID...). Pure:
// the CLI's `upshot dest`, the app's settings and the tests all resolve destinations here.

import { purgeFromSettings, purgeWarnings, type PurgeSettings } from '../cdn/settings'
import path from 'node:path'
import { UpshotError } from '../../shared/jobs'
import { normalizePrefix } from '../keys'
import { DESTINATION_KINDS } from '../../shared/api'
import type { ChecksumMode, DestinationConfig, S3DestinationConfig } from '../types'

// The app's destination kinds are these ids: one list for both.
export const PROVIDERS = DESTINATION_KINDS
export type ProviderId = (typeof PROVIDERS)[number]

export const PROVIDER_LABELS: Record<ProviderId, string> = {
  s3: 'Amazon S3',
  r2: 'Cloudflare R2',
  minio: 'MinIO',
  b2: 'Backblaze B2',
  wasabi: 'Wasabi',
  spaces: 'DigitalOcean Spaces',
  gcs: 'Google Cloud Storage (XML API, HMAC keys)',
  's3-compatible': 'Other S3-compatible',
  local: 'Local folder',
}

export const R2_JURISDICTIONS = ['default', 'eu', 'fedramp'] as const
export type R2Jurisdiction = (typeof R2_JURISDICTIONS)[number]

/** Presigned links: SigV4 allows at most seven days. */
export const MAX_LINK_EXPIRY = 604_800
export const DEFAULT_LINK_EXPIRY = 3600

/** What a user fills in; every field a provider does not use is ignored. */
export interface ProviderSettings {
  provider: ProviderId
  bucket?: string
  region?: string
  /** minio, s3-compatible (required); others derive it. */
  endpoint?: string
  /** r2 */
  accountId?: string
  /** r2 */
  jurisdiction?: R2Jurisdiction
  /** Base URL of links: CloudFront domain, R2 custom domain or r2.dev URL, any CDN. */
  publicUrl?: string
  /** spaces: links through the Spaces CDN. */
  cdn?: boolean
  prefix?: string
  /** s3, minio, s3-compatible: force path-style addressing. */
  pathStyle?: boolean
  /** s3-compatible: override the SDK checksum behaviour. */
  checksum?: ChecksumMode
  /** local */
  dir?: string
  /** Links are presigned GET URLs instead of public ones (S3-compatible providers). */
  private?: boolean
  /** Seconds a presigned link stays valid (default 3600, at most 604800). */
  expiresIn?: number
  /** The CDN purged when objects are deleted (no secret: tokens are added where they are kept). */
  purge?: PurgeSettings
}

export interface ResolvedProvider {
  config: DestinationConfig
  /** Things that work but that the user should know (e.g. r2.dev is rate-limited). */
  warnings: string[]
}

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

export function resolveProvider(s: ProviderSettings): ResolvedProvider {
  const resolved = resolveStore(s)
  if (!s.purge) return resolved
  const purge = purgeFromSettings(s.purge)
  return {
    config: { ...resolved.config, purge },
    warnings: [...resolved.warnings, ...purgeWarnings(purge, resolved.config.publicUrl)],
  }
}

function resolveStore(s: ProviderSettings): ResolvedProvider {
  const warnings: string[] = []
  const prefix = normalizePrefix(s.prefix ?? '')
  const publicUrl = s.publicUrl ? httpBase(s.publicUrl, 'public URL') : undefined
  if (s.provider === 'local') {
    if (!s.dir || !path.isAbsolute(s.dir)) {
      throw new UpshotError('CONFIG', 'A local folder destination needs an absolute folder path.')
    }
    if (s.private) {
      throw new UpshotError('CONFIG', 'A local folder cannot be private: it has no signed links.')
    }
    return {
      config: {
        kind: 'local',
        dir: path.resolve(s.dir),
        prefix,
        ...(publicUrl ? { publicUrl } : {}),
      },
      warnings,
    }
  }
  const bucket = (s.bucket ?? '').trim()
  if (!BUCKET_RE.test(bucket) || bucket.includes('..')) {
    throw new UpshotError(
      'CONFIG',
      `"${bucket}" is not a valid bucket name: 3-63 lowercase letters, digits, dots and hyphens.`,
    )
  }
  const base = { bucket, prefix, ...privacy(s) }
  const withLinks = (c: Omit<S3DestinationConfig, 'kind' | 'bucket' | 'prefix'>) =>
    ({ kind: 's3', ...base, ...c, ...(publicUrl ? { publicUrl } : {}) }) as S3DestinationConfig
  let config: S3DestinationConfig
  switch (s.provider) {
    case 's3': {
      const region = s.region || 'us-east-1'
      // AWS takes the SDK's default CRC32 checksums; virtual-hosted unless asked (or dotted names).
      config = withLinks({ region, pathStyle: s.pathStyle ?? false, checksum: 'WHEN_SUPPORTED' })
      break
    }
    case 'r2': {
      const account = (s.accountId ?? '').trim().toLowerCase()
      if (!/^[0-9a-f]{32}$/.test(account)) {
        throw new UpshotError(
          'CONFIG',
          'Cloudflare R2 needs the 32-character hexadecimal account ID (dashboard > R2 > Account details).',
        )
      }
      const j = s.jurisdiction ?? 'default'
      if (!R2_JURISDICTIONS.includes(j)) {
        throw new UpshotError(
          'CONFIG',
          `R2 jurisdiction must be default, eu or fedramp, not "${j}".`,
        )
      }
      const host = j === 'default' ? account : `${account}.${j}`
      // R2 signs with region `auto`; the SDK's CRC32 trailers on every request are what breaks
      // uploads to R2 with recent SDKs, so checksums are sent only where S3 requires them.
      config = withLinks({
        endpoint: `https://${host}.r2.cloudflarestorage.com`,
        region: 'auto',
        pathStyle: true,
        checksum: 'WHEN_REQUIRED',
      })
      if (!publicUrl && !s.private) {
        warnings.push(
          "R2 buckets are not public through the API endpoint: set --public-url to a custom domain or the bucket's r2.dev URL, or make the destination private.",
        )
      }
      if (publicUrl && new URL(publicUrl).hostname.endsWith('.r2.dev')) {
        warnings.push(
          'r2.dev URLs are rate-limited and meant for development; connect a custom domain for production links.',
        )
      }
      break
    }
    case 'minio':
    case 's3-compatible': {
      if (!s.endpoint) {
        throw new UpshotError(
          'CONFIG',
          `${PROVIDER_LABELS[s.provider]} needs an endpoint URL, e.g. http://localhost:9000.`,
        )
      }
      config = withLinks({
        endpoint: httpBase(s.endpoint, 'endpoint'),
        region: s.region || 'us-east-1',
        // MinIO serves path-style out of the box (virtual-hosted needs MINIO_DOMAIN).
        pathStyle: s.pathStyle ?? s.provider === 'minio',
        checksum: s.checksum ?? 'WHEN_REQUIRED',
      })
      break
    }
    case 'b2': {
      const region = need(
        s.region,
        'Backblaze B2 needs the region of the bucket, e.g. us-west-004.',
      )
      config = withLinks({
        endpoint: `https://s3.${region}.backblazeb2.com`,
        region,
        pathStyle: false,
        checksum: 'WHEN_REQUIRED',
      })
      break
    }
    case 'wasabi': {
      const region = s.region || 'us-east-1'
      config = withLinks({
        endpoint: `https://s3.${region}.wasabisys.com`,
        region,
        pathStyle: false,
        checksum: 'WHEN_REQUIRED',
      })
      break
    }
    case 'spaces': {
      const region = need(s.region, 'DigitalOcean Spaces needs the datacenter region, e.g. nyc3.')
      const cdn =
        s.cdn && !publicUrl ? `https://${bucket}.${region}.cdn.digitaloceanspaces.com` : ''
      config = {
        kind: 's3',
        ...base,
        endpoint: `https://${region}.digitaloceanspaces.com`,
        // Spaces signs with the AWS default region; the endpoint picks the datacenter.
        region: 'us-east-1',
        pathStyle: false,
        checksum: 'WHEN_REQUIRED',
        ...(publicUrl ? { publicUrl } : cdn ? { publicUrl: cdn } : {}),
      }
      break
    }
    case 'gcs':
      config = withLinks({
        endpoint: 'https://storage.googleapis.com',
        region: 'auto',
        pathStyle: true,
        // The XML API does not take the SDK's CRC32 trailers (aws-chunked bodies).
        checksum: 'WHEN_REQUIRED',
      })
      break
    default:
      throw new UpshotError(
        'CONFIG',
        `"${String(s.provider)}" is not a provider Upshot knows; use one of ${PROVIDERS.join(', ')}.`,
      )
  }
  return { config, warnings }
}

function privacy(s: ProviderSettings): { private?: true; expiresIn?: number } {
  if (!s.private) return {}
  return { private: true, expiresIn: checkExpiry(s.expiresIn ?? DEFAULT_LINK_EXPIRY) }
}

export function checkExpiry(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_LINK_EXPIRY) {
    throw new UpshotError(
      'CONFIG',
      `Link expiry must be a whole number of seconds from 1 to ${MAX_LINK_EXPIRY} (7 days), not ${seconds}.`,
    )
  }
  return seconds
}

function need(value: string | undefined, message: string): string {
  const v = (value ?? '').trim()
  if (!/^[a-z0-9-]+$/i.test(v)) throw new UpshotError('CONFIG', message)
  return v.toLowerCase()
}

function httpBase(value: string, what: string): string {
  let u: URL
  try {
    u = new URL(value.trim())
  } catch {
    throw new UpshotError(
      'CONFIG',
      `The ${what} "${value}" is not a URL; give one like https://cdn.example.com.`,
    )
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UpshotError(
      'CONFIG',
      `The ${what} must be an http:// or https:// URL, not "${value}".`,
    )
  }
  return value.trim().replace(/\/+$/, '')
}
