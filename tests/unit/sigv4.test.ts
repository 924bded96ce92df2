// The lean path's own SigV4 signer against the SDK's (@smithy/signature-v4, configured as the lean
// path used it: S3 paths signed as sent, payload hash from the header): for the same request, key
// and date, both must produce the same Authorization header.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import type { SourceData } from '@smithy/types'
import { describe, expect, it } from 'vitest'
import {
  canonicalQuery,
  SigV4Signer,
  uriEscape,
  type SigningCredentials,
} from '../../src/main/engine/storage/sigv4'

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

/** node:crypto behind the Checksum interface the SDK's signer takes. */
class NodeSha256 {
  private h: Hash | Hmac
  constructor(private readonly secret?: SourceData) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret))
  }
  update(data: SourceData): void {
    this.h.update(bytesOf(data))
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.h.digest())
  }
  reset(): void {
    this.h =
      this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret))
  }
}

const keys: SigningCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}
const withToken: SigningCredentials = { ...keys, sessionToken: 'FwoGZXIvYXdzE//token+with/=chars' }

const encodePath = (key: string): string => key.split('/').map(uriEscape).join('/')

interface Case {
  name: string
  method: string
  host: string
  port?: number
  path: string
  query?: Record<string, string>
  headers?: Record<string, string>
  payloadHash?: string
  credentials?: SigningCredentials
  region?: string
}

const cases: Case[] = [
  {
    name: 'path-style PUT with metadata, MD5, CRC32 and a cache-control left unsigned',
    method: 'PUT',
    host: 's3.eu-west-1.amazonaws.com',
    path: `/media/${encodePath('img/ab12/photo-full.webp')}`,
    region: 'eu-west-1',
    headers: {
      'content-type': 'image/webp',
      'cache-control': 'public, max-age=31536000, immutable',
      'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==',
      'content-length': '65536',
      'x-amz-checksum-crc32': 'AAAAAA==',
      'x-amz-meta-upshot-sha256': 'e0c8147b913c2275',
    },
  },
  {
    name: 'virtual-hosted HEAD',
    method: 'HEAD',
    host: 'media.s3.us-east-1.amazonaws.com',
    path: `/${encodePath('img/ab12/x.png')}`,
  },
  {
    name: "a key with spaces, unicode and !'()*",
    method: 'PUT',
    host: 'media.s3.us-east-1.amazonaws.com',
    path: `/${encodePath("img/a b/café ☕/it's (1)!*~.jpg")}`,
    headers: { 'content-type': 'image/jpeg' },
  },
  {
    name: 'a listing with query parameters that need encoding',
    method: 'GET',
    host: 'localhost',
    port: 4568,
    path: '/bucket',
    query: {
      'list-type': '2',
      prefix: "img/a b/é+&=/(x)!*'",
      'continuation-token': '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
    },
  },
  {
    name: 'an empty prefix and a session token',
    method: 'GET',
    host: 'bucket.s3.eu-central-1.amazonaws.com',
    path: '/',
    query: { 'list-type': '2', prefix: '' },
    credentials: withToken,
    region: 'eu-central-1',
  },
  {
    name: 'a port in the host, a given payload hash and header values with odd whitespace',
    method: 'PUT',
    host: '127.0.0.1',
    port: 19566,
    path: `/bench/${encodePath('p1/k.bin')}`,
    payloadHash: createHash('sha256').update('hello').digest('hex'),
    headers: { 'x-amz-meta-note': '  two   spaces\tand a tab  ', 'content-type': 'text/plain' },
  },
  {
    name: 'R2 with region auto',
    method: 'PUT',
    host: 'acct.r2.cloudflarestorage.com',
    path: `/media/${encodePath('k.avif')}`,
    region: 'auto',
    headers: { 'content-type': 'image/avif' },
  },
]

async function smithyAuthorization(c: Case, date: Date): Promise<Record<string, string>> {
  const hostHeader = c.port ? `${c.host}:${c.port}` : c.host
  const signer = new SignatureV4({
    service: 's3',
    region: c.region ?? 'us-east-1',
    credentials: c.credentials ?? keys,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  })
  const signed = await signer.sign(
    {
      method: c.method,
      protocol: 'https:',
      hostname: c.host,
      ...(c.port ? { port: c.port } : {}),
      path: c.path,
      headers: {
        host: hostHeader,
        'x-amz-content-sha256': c.payloadHash ?? 'UNSIGNED-PAYLOAD',
        ...c.headers,
      },
      query: c.query ?? {},
    },
    { signingDate: date },
  )
  return signed.headers
}

function ownHeaders(c: Case, date: Date, signer = new SigV4Signer(c.region ?? 'us-east-1')) {
  const hostHeader = c.port ? `${c.host}:${c.port}` : c.host
  return signer.sign(
    {
      method: c.method,
      path: c.path,
      ...(c.query ? { query: c.query } : {}),
      headers: { host: hostHeader, ...c.headers },
      ...(c.payloadHash ? { payloadHash: c.payloadHash } : {}),
    },
    c.credentials ?? keys,
    date,
  )
}

describe('SigV4 signer', () => {
  const date = new Date('2026-11-21T05:40:12.345Z')
  for (const c of cases) {
    it(`signs like @smithy/signature-v4: ${c.name}`, async () => {
      const theirs = await smithyAuthorization(c, date)
      const ours = ownHeaders(c, date)
      expect(ours.headers.authorization).toBe(theirs.authorization)
      expect(ours.headers['x-amz-date']).toBe(theirs['x-amz-date'])
      expect(ours.headers['x-amz-security-token']).toBe(theirs['x-amz-security-token'])
      expect(ours.headers['x-amz-content-sha256']).toBe(c.payloadHash ?? 'UNSIGNED-PAYLOAD')
    })
  }

  it('keeps signing right across days and secrets with its cached signing key', async () => {
    const signer = new SigV4Signer('us-east-1')
    const c = cases[1]!
    const days = ['2026-11-21T23:59:59Z', '2026-11-22T00:00:01Z', '2026-11-21T12:00:00Z']
    for (const d of days) {
      for (const creds of [keys, { ...keys, secretAccessKey: 'other' }]) {
        const when = new Date(d)
        const theirs = await smithyAuthorization({ ...c, credentials: creds }, when)
        expect(ownHeaders({ ...c, credentials: creds }, when, signer).headers.authorization).toBe(
          theirs.authorization,
        )
      }
    }
  })

  it('sends the query it signed: sorted, RFC 3986-encoded', () => {
    expect(canonicalQuery({ prefix: 'a b/(c)', 'list-type': '2' })).toBe(
      'list-type=2&prefix=a%20b%2F%28c%29',
    )
    const signed = ownHeaders(cases[3]!, date)
    expect(signed.path).toBe(`/bucket?${canonicalQuery(cases[3]!.query)}`)
  })
})
