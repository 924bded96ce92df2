// AWS Signature Version 4 for the lean request path, synchronous and on node:crypto alone.
// @smithy/signature-v4 costs ~25 ms to import and a promise per hash; this signs a request in a
// few microseconds. It signs exactly what @smithy/signature-v4 signs (same headers left out, same
// canonical forms), which tests/unit/sigv4.test.ts checks header for header.
import { createHash, createHmac } from 'node:crypto'

export interface SigningCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'

export interface SignRequest {
  method: string
  /** The path exactly as it goes on the wire (each segment already encoded): S3 signs it as is. */
  path: string
  query?: Record<string, string>
  /** Lower-case names; `host` included. */
  headers: Record<string, string>
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD (the default). */
  payloadHash?: string
}

export interface PresignRequest {
  method: string
  /** As in SignRequest: the path exactly as it goes on the wire. */
  path: string
  query?: Record<string, string>
  /** The Host header's value (with the port when it is not the scheme's default). */
  host: string
  /** Seconds the URL stays valid: at most a week. */
  expiresIn: number
}

/** SigV4 refuses presigned URLs valid for more than seven days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600

export interface SignedRequest {
  /** The path with its canonical query string, ready to send. */
  path: string
  /** The request's headers plus x-amz-date, x-amz-content-sha256, the token and Authorization. */
  headers: Record<string, string>
}

// Headers the SDK's signer never signs: hop-by-hop ones, and ones proxies and clients rewrite.
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
])

/** RFC 3986: encodeURIComponent leaves !'()* alone, SigV4 wants them encoded. */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/** Sorted by encoded name, names and values RFC 3986-encoded: both the signed and the sent form. */
export function canonicalQuery(query: Record<string, string> | undefined): string {
  if (!query) return ''
  return Object.keys(query)
    .map((k) => [uriEscape(k), uriEscape(query[k]!)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

/** `20260102T030405Z` */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '')
}

export class SigV4Signer {
  // The derived key only changes with the day (or the secret): one HMAC per request, not five.
  private cached: { scope: string; secret: string; key: Buffer } | null = null

  constructor(
    private readonly region: string,
    private readonly service = 's3',
  ) {}

  private signingKey(secret: string, shortDate: string): Buffer {
    const scope = `${shortDate}/${this.region}/${this.service}`
    const c = this.cached
    if (c && c.scope === scope && c.secret === secret) return c.key
    let key = hmac(`AWS4${secret}`, shortDate)
    for (const part of [this.region, this.service, 'aws4_request']) key = hmac(key, part)
    this.cached = { scope, secret, key }
    return key
  }

  private signature(
    credentials: SigningCredentials,
    longDate: string,
    canonicalRequest: string,
  ): string {
    const shortDate = longDate.slice(0, 8)
    const stringToSign = [
      'AWS4-HMAC-SHA256',
      longDate,
      `${shortDate}/${this.region}/${this.service}/aws4_request`,
      createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
    ].join('\n')
    return createHmac('sha256', this.signingKey(credentials.secretAccessKey, shortDate))
      .update(stringToSign, 'utf8')
      .digest('hex')
  }

  /**
   * A presigned URL's path and query (query-string authentication, only the host signed), with
   * the parameters the SDK's presigner sends, in its order: the same URL for the same inputs.
   */
  presign(req: PresignRequest, credentials: SigningCredentials, date = new Date()): string {
    if (!(req.expiresIn > 0 && req.expiresIn <= MAX_PRESIGN_SECONDS)) {
      throw new RangeError('A presigned URL must expire within a week.')
    }
    const longDate = amzDate(date)
    const scope = `${longDate.slice(0, 8)}/${this.region}/${this.service}/aws4_request`
    const query: Record<string, string> = {
      ...req.query,
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Content-Sha256': UNSIGNED_PAYLOAD,
      'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
      'X-Amz-Date': longDate,
      'X-Amz-Expires': String(req.expiresIn),
      'X-Amz-SignedHeaders': 'host',
    }
    if (credentials.sessionToken) query['X-Amz-Security-Token'] = credentials.sessionToken
    const canonicalRequest = [
      req.method,
      req.path,
      canonicalQuery(query),
      `host:${req.host}\n`,
      'host',
      UNSIGNED_PAYLOAD,
    ].join('\n')
    query['X-Amz-Signature'] = this.signature(credentials, longDate, canonicalRequest)
    return `${req.path}?${canonicalQuery(query)}`
  }

  sign(req: SignRequest, credentials: SigningCredentials, date = new Date()): SignedRequest {
    const longDate = amzDate(date)
    const shortDate = longDate.slice(0, 8)
    const payloadHash = req.payloadHash ?? UNSIGNED_PAYLOAD
    const headers: Record<string, string> = {
      ...req.headers,
      'x-amz-date': longDate,
      'x-amz-content-sha256': payloadHash,
    }
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken
    const canonical: [string, string][] = []
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase()
      if (UNSIGNABLE.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) continue
      canonical.push([
        lower,
        value
          .replace(/[\r\n]/g, ' ')
          .replace(/[ \t]+/g, ' ')
          .replace(/^ | $/g, ''),
      ])
    }
    canonical.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    const signedHeaders = canonical.map(([n]) => n).join(';')
    const query = canonicalQuery(req.query)
    const canonicalRequest = [
      req.method,
      req.path,
      query,
      canonical.map(([n, v]) => `${n}:${v}\n`).join(''),
      signedHeaders,
      payloadHash,
    ].join('\n')
    const scope = `${shortDate}/${this.region}/${this.service}/aws4_request`
    const signature = this.signature(credentials, longDate, canonicalRequest)
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`
    return { path: query ? `${req.path}?${query}` : req.path, headers }
  }
}
