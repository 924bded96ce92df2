// A real S3 server for integration tests: s3rver in-process by default, or the server named by
// S3_TEST_* environment variables (Swift, MinIO, R2, AWS) for the strict run.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3'
import type { ChecksumMode, S3DestinationConfig } from '../../src/engine/types'

export interface TestS3 {
  endpoint: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  pathStyle: true
  checksum: ChecksumMode
  /** true for a server that checks signatures, part sizes and implements ListParts/Abort. */
  strict: boolean
  /** A key prefix unique to this call (no slashes at either end), so runs do not collide. */
  prefix: string
  client: S3Client
  stop(): Promise<void>
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>
  close(): Promise<void>
}
type S3rverCtor = new (options: {
  address: string
  port: number
  silent: boolean
  directory: string
  resetOnClose?: boolean
  configureBuckets?: { name: string }[]
  vhostBuckets?: boolean
}) => S3rverInstance

// s3rver ships no types; its constructor is typed above from its README.
const require = createRequire(import.meta.url)
const S3rver = require('s3rver') as S3rverCtor

// s3rver encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17+)
// refuses without its legacy provider: any listing of more than one page answered InternalError.
// Its tokens only have to round-trip through s3rver itself, so DES becomes AES-128-CBC with the
// 8-byte key and IV zero-padded, the same on both sides. Test servers only.
{
  const crypto = require('node:crypto') as typeof import('node:crypto')
  const pad = (b: import('node:crypto').BinaryLike | null): Buffer =>
    Buffer.concat([Buffer.from(b as Buffer), Buffer.alloc(8)]).subarray(0, 16)
  const cipheriv = crypto.createCipheriv
  const decipheriv = crypto.createDecipheriv
  if (!(cipheriv as { upshotShim?: true }).upshotShim) {
    const shimmed = ((alg: string, key: Buffer, iv: Buffer | null, ...rest: unknown[]) =>
      alg === 'des'
        ? cipheriv('aes-128-cbc', pad(key), pad(iv))
        : (cipheriv as (...a: unknown[]) => unknown)(
            alg,
            key,
            iv,
            ...rest,
          )) as unknown as typeof cipheriv
    ;(shimmed as { upshotShim?: true }).upshotShim = true
    crypto.createCipheriv = shimmed
    crypto.createDecipheriv = ((alg: string, key: Buffer, iv: Buffer | null, ...rest: unknown[]) =>
      alg === 'des'
        ? decipheriv('aes-128-cbc', pad(key), pad(iv))
        : (decipheriv as (...a: unknown[]) => unknown)(
            alg,
            key,
            iv,
            ...rest,
          )) as unknown as typeof decipheriv
  }
}

function uniqueId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

export function makeClient(opts: {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  maxAttempts?: number
}): S3Client {
  return new S3Client({
    endpoint: opts.endpoint,
    region: opts.region,
    forcePathStyle: true,
    maxAttempts: opts.maxAttempts ?? 3,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // Swift and s3rver reject or ignore aws-chunked checksum trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

/** `address` binds the local s3rver elsewhere than 127.0.0.1 (`::1` for an IPv6 endpoint). */
export async function startTestS3(
  opts: {
    address?: string
    /**
     * Restart a stopped server: the same port, folder (kept by stop()) and bucket, so clients
     * that knew it find it again with its objects (mirror tests kill and revive a server).
     */
    revive?: { port: number; directory: string; bucket: string; prefix: string }
    /**
     * Always the local s3rver, even where a strict server is configured: a server the test must
     * stop and start again (a mirror that goes down), or a test not yet proved on the strict one.
     */
    local?: boolean
    /**
     * On a configured server, a bucket of its own named `<S3_TEST_BUCKET>-<bucketSuffix>` (made
     * when missing) instead of the shared one: for a second store that must not be the same
     * bucket as the first (a mirror's keys are its primary's, prefix included). Local s3rvers
     * always get a bucket of their own.
     */
    bucketSuffix?: string
  } = {},
): Promise<TestS3 & { port: number; directory: string; kill(): Promise<void> }> {
  const env = process.env
  if (env.S3_TEST_ENDPOINT && !opts.address && !opts.revive && !opts.local) {
    const endpoint = env.S3_TEST_ENDPOINT.replace(/\/+$/, '')
    const region = env.S3_TEST_REGION || 'us-east-1'
    const shared = env.S3_TEST_BUCKET || 'upshot-test'
    const bucket = opts.bucketSuffix ? `${shared}-${opts.bucketSuffix}` : shared
    const accessKeyId = env.S3_TEST_ACCESS_KEY_ID ?? ''
    const secretAccessKey = env.S3_TEST_SECRET_ACCESS_KEY ?? ''
    const client = makeClient({ endpoint, region, accessKeyId, secretAccessKey })
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }))
    } catch {
      await client.send(new CreateBucketCommand({ Bucket: bucket }))
    }
    return {
      endpoint,
      region,
      bucket,
      accessKeyId,
      secretAccessKey,
      pathStyle: true,
      checksum: 'WHEN_REQUIRED',
      strict: true,
      prefix: `upshot-test/${uniqueId()}`,
      client,
      port: 0,
      directory: '',
      async stop() {
        client.destroy()
      },
      async kill() {
        client.destroy()
      },
    }
  }

  const directory =
    opts.revive?.directory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-s3rver-'))
  const bucket = opts.revive?.bucket ?? `upshot-${randomBytes(4).toString('hex')}`
  const address = opts.address ?? '127.0.0.1'
  const server = new S3rver({
    address,
    port: opts.revive?.port ?? 0,
    silent: process.env.UPSHOT_S3RVER_LOG !== '1',
    directory,
    configureBuckets: [{ name: bucket }],
    // Koa gives s3rver the bracketed `[::1]`, which it takes for a bucket's host name.
    ...(address.includes(':') ? { vhostBuckets: false } : {}),
  })
  const addr = await server.run()
  const endpoint = `http://${address.includes(':') ? `[${address}]` : address}:${addr.port}`
  const region = 'us-east-1'
  // s3rver's one built-in account; it checks the key id but not V4 signatures.
  const accessKeyId = 'S3RVER'
  const secretAccessKey = 'S3RVER'
  const client = makeClient({ endpoint, region, accessKeyId, secretAccessKey })
  return {
    endpoint,
    region,
    bucket,
    accessKeyId,
    secretAccessKey,
    pathStyle: true,
    checksum: 'WHEN_REQUIRED',
    strict: false,
    prefix: opts.revive?.prefix ?? `t-${uniqueId()}`,
    client,
    port: addr.port,
    directory,
    async stop() {
      client.destroy()
      await server.close()
      fs.rmSync(directory, { recursive: true, force: true })
    },
    /** Closes the server and keeps its folder, for `revive`. */
    async kill() {
      client.destroy()
      await server.close()
    },
  }
}

/** A destination config for this server; `endpoint` may point at a proxy in front of it. */
export function s3Config(
  s3: TestS3,
  overrides: Partial<S3DestinationConfig> = {},
): S3DestinationConfig {
  return {
    kind: 's3',
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    prefix: s3.prefix,
    pathStyle: true,
    checksum: s3.checksum,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    ...overrides,
  }
}

export async function getObjectBytes(s3: TestS3, key: string): Promise<Buffer> {
  const res = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
  if (!res.Body) throw new Error(`no body for ${key}`)
  return Buffer.from(await res.Body.transformToByteArray())
}

export interface ObjectInfo {
  size: number
  etag: string | null
  contentType: string | null
  cacheControl: string | null
  metadata: Record<string, string>
}

/** Headers of an object as the server stores them; null when it does not exist. */
export async function getObjectInfo(s3: TestS3, key: string): Promise<ObjectInfo | null> {
  try {
    const res = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))
    return {
      size: res.ContentLength ?? -1,
      etag: res.ETag ?? null,
      contentType: res.ContentType ?? null,
      cacheControl: res.CacheControl ?? null,
      metadata: res.Metadata ?? {},
    }
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    if (status === 404) return null
    throw err
  }
}

export async function listKeys(s3: TestS3, prefix = s3.prefix): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const res = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }),
    )
    for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key)
    token = res.IsTruncated ? res.NextContinuationToken : undefined
  } while (token)
  return keys
}

/**
 * Multipart uploads still open under a prefix; null when the server cannot list them
 * (s3rver answers NotImplemented).
 */
export async function listOpenUploads(
  s3: TestS3,
  prefix = s3.prefix,
): Promise<{ key: string; uploadId: string }[] | null> {
  try {
    const res = await s3.client.send(
      new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }),
    )
    return (res.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' }))
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    if (status === 501 || status === 405) return null
    throw err
  }
}

/**
 * Part numbers the server holds for an open multipart upload; null when the server cannot list
 * them (s3rver answers NotImplemented).
 */
export async function listPartNumbers(
  s3: TestS3,
  key: string,
  uploadId: string,
): Promise<number[] | null> {
  const numbers: number[] = []
  let marker: string | undefined
  try {
    for (;;) {
      const res = await s3.client.send(
        new ListPartsCommand({
          Bucket: s3.bucket,
          Key: key,
          UploadId: uploadId,
          ...(marker ? { PartNumberMarker: marker } : {}),
        }),
      )
      for (const p of res.Parts ?? []) if (p.PartNumber !== undefined) numbers.push(p.PartNumber)
      if (!res.IsTruncated || !res.NextPartNumberMarker) break
      marker = res.NextPartNumberMarker
    }
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    if (status === 501 || status === 405) return null
    throw err
  }
  return numbers.sort((a, b) => a - b)
}
