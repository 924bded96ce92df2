// The lean path's own SigV4 signer against the SDK's (@smithy/signature-v4, configured as the lean
// path used it: S3 paths signed as sent, payload hash from the header): for the same request, key
// and date, both must produce the same Authorization header. The credentials and ListObjectsV2
// readers that let small uploads skip the SDK are checked here too.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { SignatureV4 } from '@smithy/signature-v4'
import type { SourceData } from '@smithy/types'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { S3Destination } from '../../src/engine/storage/s3'
import { credentialsFromEnv, leanCredentials } from '../../src/engine/storage/credentials'
import { decodeXmlText, parseListObjectsV2 } from '../../src/engine/storage/list-objects'
import {
  canonicalQuery,
  SigV4Signer,
  uriEscape,
  type SigningCredentials,
} from '../../src/engine/storage/sigv4'
import type { S3DestinationConfig } from '../../src/engine/types'

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

describe('presigned GET links', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  const base: S3DestinationConfig = {
    kind: 's3',
    region: 'eu-west-1',
    bucket: 'media',
    prefix: '',
    pathStyle: false,
    checksum: 'WHEN_SUPPORTED',
    private: true,
    credentials: keys,
  }
  const linkCases: { name: string; config: S3DestinationConfig; key: string }[] = [
    { name: 'AWS, virtual-hosted', config: base, key: "img/ab12/a b/é (1)!'*.jpg" },
    { name: 'AWS us-east-1', config: { ...base, region: 'us-east-1' }, key: 'k.png' },
    {
      name: 'a dotted bucket over TLS (path-style)',
      config: { ...base, bucket: 'img.example.com' },
      key: 'x/y.webp',
    },
    {
      name: 'path-style endpoint with a port, a session token, no checksum mode',
      config: {
        ...base,
        endpoint: 'http://127.0.0.1:9000',
        pathStyle: true,
        checksum: 'WHEN_REQUIRED',
        credentials: withToken,
        expiresIn: 604800,
      },
      key: 'p/ü ☕.avif',
    },
    {
      name: 'R2 (region auto, custom endpoint, virtual-hosted)',
      config: { ...base, region: 'auto', endpoint: 'https://acct.r2.cloudflarestorage.com' },
      key: 'a+b=c&d.jpg',
    },
  ]
  for (const c of linkCases) {
    it(`gives the SDK presigner's URL: ${c.name}`, async () => {
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(new Date('2026-11-21T05:40:12Z'))
      const dest = new S3Destination(c.config)
      const ours = await dest.linkFor(c.key)
      dest.close()
      const client = new S3Client({
        region: c.config.region,
        ...(c.config.endpoint ? { endpoint: c.config.endpoint } : {}),
        forcePathStyle: c.config.pathStyle,
        credentials: c.config.credentials!,
        requestChecksumCalculation: c.config.checksum,
        responseChecksumValidation: c.config.checksum,
      })
      const theirs = await getSignedUrl(
        client,
        new GetObjectCommand({ Bucket: c.config.bucket, Key: c.key }),
        { expiresIn: c.config.expiresIn ?? 3600 },
      )
      client.destroy()
      expect(ours).toBe(theirs)
    })
  }
})

describe('credentials without the SDK', () => {
  const config: S3DestinationConfig = {
    kind: 's3',
    region: 'us-east-1',
    bucket: 'b',
    prefix: '',
    pathStyle: true,
    checksum: 'WHEN_REQUIRED',
  }

  it('reads the environment as the SDK chain does first: both keys, no AWS_PROFILE', () => {
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' })).toEqual({
      accessKeyId: 'a',
      secretAccessKey: 's',
    })
    expect(
      credentialsFromEnv({
        AWS_ACCESS_KEY_ID: 'a',
        AWS_SECRET_ACCESS_KEY: 's',
        AWS_SESSION_TOKEN: 't',
      }),
    ).toEqual({ accessKeyId: 'a', secretAccessKey: 's', sessionToken: 't' })
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a' })).toBeNull()
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: '' })).toBeNull()
    // A profile wins over static keys in the SDK's chain: that case is left to the SDK.
    expect(
      credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's', AWS_PROFILE: 'p' }),
    ).toBeNull()
  })

  it('asks the SDK only when neither the config nor the environment has keys', async () => {
    let asked = 0
    const sdk = async () => {
      asked++
      return async () => ({ accessKeyId: 'sdk', secretAccessKey: 'x' })
    }
    const explicit = { accessKeyId: 'cfg', secretAccessKey: 'y' }
    expect(await leanCredentials({ ...config, credentials: explicit }, sdk)()).toEqual(explicit)
    expect(asked).toBe(0)
    const saved = { ...process.env }
    try {
      delete process.env.AWS_PROFILE
      process.env.AWS_ACCESS_KEY_ID = 'env'
      process.env.AWS_SECRET_ACCESS_KEY = 'z'
      delete process.env.AWS_SESSION_TOKEN
      expect(await leanCredentials(config, sdk)()).toEqual({
        accessKeyId: 'env',
        secretAccessKey: 'z',
      })
      expect(asked).toBe(0)
      delete process.env.AWS_ACCESS_KEY_ID
      const chain = leanCredentials(config, sdk)
      expect((await chain()).accessKeyId).toBe('sdk')
      expect((await chain()).accessKeyId).toBe('sdk')
      expect(asked).toBe(1)
    } finally {
      process.env = saved
    }
  })
})

describe('ListObjectsV2 reader', () => {
  const page = (body: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</ListBucketResult>`

  it('reads keys with entities, spaces kept, and the continuation token', () => {
    const xml = page(
      '<Name>b</Name><Prefix>p/</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>' +
        '<IsTruncated>true</IsTruncated><NextContinuationToken>tok+/=</NextContinuationToken>' +
        '<Contents><Key>p/a &amp; b &lt;1&gt; &quot;q&quot; &apos;s&apos;.jpg</Key><Size>1</Size></Contents>' +
        '<Contents><Key>p/ caf&#233; &#x2615; </Key><ETag>&quot;x&quot;</ETag></Contents>' +
        '<Contents><Key>p/😀 (1)!*.png</Key></Contents>',
    )
    expect(parseListObjectsV2(xml)).toEqual({
      keys: [`p/a & b <1> "q" 's'.jpg`, 'p/ café ☕ ', 'p/😀 (1)!*.png'],
      truncated: true,
      next: 'tok+/=',
    })
    expect(parseListObjectsV2(page('<IsTruncated>false</IsTruncated>'))).toEqual({
      keys: [],
      truncated: false,
      next: undefined,
    })
  })

  it('gives null for anything it cannot read with certainty', () => {
    expect(parseListObjectsV2('<html>proxy error</html>')).toBeNull()
    expect(parseListObjectsV2(page('<Contents><Key>x</Key></Contents>'))).toBeNull()
    expect(
      parseListObjectsV2(
        page('<IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents>'),
      ),
    ).toBeNull()
    expect(
      parseListObjectsV2(
        page('<IsTruncated>false</IsTruncated><Contents><Key><![CDATA[x]]></Key></Contents>'),
      ),
    ).toBeNull()
    expect(decodeXmlText('a &nbsp; b')).toBeNull()
    expect(decodeXmlText('a & b')).toBeNull()
    expect(decodeXmlText('&#xD800;')).toBeNull()
    expect(decodeXmlText('&#65;&#x42;')).toBe('AB')
  })
})
