// The storage layer against a real S3 server (s3rver, or the strict server from S3_TEST_*),
// through a proxy that counts what went over the wire and injects faults.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { UpshotError } from '../../src/shared/jobs'
import { createDestination } from '../../src/engine/storage'
import type { Destination, PartRecord, PutRequest } from '../../src/engine/types'
import { firstFaults, isUploadPart, startProxy, type TestProxy } from '../helpers/proxy'
import {
  getObjectBytes,
  getObjectInfo,
  listOpenUploads,
  s3Config,
  startTestS3,
  type TestS3,
} from '../helpers/s3server'
import { CORPUS } from '../helpers/fixtures'

const MiB = 1024 * 1024
const corpus = CORPUS

let s3: TestS3
let proxy: TestProxy
let tmp: string
let bigPath: string
let big: Buffer

beforeAll(async () => {
  s3 = await startTestS3()
  proxy = await startProxy(s3.endpoint)
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-storage-'))
  big = randomBytes(40 * MiB)
  bigPath = path.join(tmp, 'big.bin')
  fs.writeFileSync(bigPath, big)
})

afterAll(async () => {
  await proxy?.close()
  await s3?.stop()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

beforeEach(() => {
  proxy.setFaults(null)
  proxy.setBandwidth(0)
  proxy.resetCounters()
})

function viaProxy(opts: { partConcurrency?: number; maxAttempts?: number } = {}): Destination {
  return createDestination(s3Config(s3, { endpoint: proxy.url }), opts)
}

interface Recorded {
  created: { uploadId: string; partSize: number }[]
  parts: PartRecord[]
  progress: number
}

function request(
  key: string,
  filePath: string,
  size: number,
  extra: Partial<PutRequest> = {},
): { req: PutRequest; rec: Recorded } {
  const rec: Recorded = { created: [], parts: [], progress: 0 }
  const req: PutRequest = {
    key,
    filePath,
    size,
    contentType: 'application/octet-stream',
    cacheControl: 'public, max-age=31536000, immutable',
    metadata: {},
    onProgress: (d) => {
      rec.progress += d
    },
    multipart: {
      onCreate: (uploadId, partSize) => rec.created.push({ uploadId, partSize }),
      onPart: (p) => rec.parts.push(p),
    },
    ...extra,
  }
  return { req, rec }
}

describe('S3 destination', () => {
  it('puts a small object in one request with its headers, metadata and exact bytes', async () => {
    const dest = viaProxy()
    const file = path.join(corpus, 'exif-samples__jpg_gps_DSCN0010.jpg')
    const bytes = fs.readFileSync(file)
    const key = `${s3.prefix}/small/Straße café #1.jpg`
    const { req, rec } = request(key, file, bytes.length, {
      contentType: 'image/jpeg',
      metadata: { 'upshot-sha256': 'abc123', 'upshot-source-name': 'Straße ☕.jpg' },
    })
    const res = await dest.put(req)
    dest.close()

    expect(res.multipart).toBe(false)
    expect(res.bytesSent).toBe(bytes.length)
    expect(rec.progress).toBe(bytes.length)
    expect(rec.created).toHaveLength(0)
    const puts = proxy.requests.filter((r) => r.method === 'PUT')
    expect(puts).toHaveLength(1)
    expect(puts[0]!.bytesIn).toBe(bytes.length)

    expect((await getObjectBytes(s3, key)).equals(bytes)).toBe(true)
    const info = await getObjectInfo(s3, key)
    expect(info?.contentType).toBe('image/jpeg')
    expect(info?.cacheControl).toBe('public, max-age=31536000, immutable')
    expect(info?.metadata['upshot-sha256']).toBe('abc123')
    expect(decodeURIComponent(info?.metadata['upshot-source-name'] ?? '')).toBe('Straße ☕.jpg')

    const head = await viaProxy().head(key)
    expect(head?.size).toBe(bytes.length)
    expect(head?.etag).toBe(res.etag)
    expect(await viaProxy().head(`${s3.prefix}/small/missing.jpg`)).toBeNull()
  })

  it('sends a 40 MiB file as equal 8 MiB parts and it downloads byte-identical', async () => {
    const dest = viaProxy()
    const key = `${s3.prefix}/big/forty.bin`
    const { req, rec } = request(key, bigPath, big.length)
    const res = await dest.put(req)
    dest.close()

    expect(res.multipart).toBe(true)
    expect(rec.created).toHaveLength(1)
    expect(rec.created[0]!.partSize).toBe(8 * MiB)
    expect(rec.parts.map((p) => p.partNumber).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5])
    expect(rec.parts.every((p) => p.size === 8 * MiB)).toBe(true)
    expect(rec.progress).toBe(big.length)
    expect(proxy.bytesWhere(isUploadPart)).toBe(big.length)
    expect((await getObjectBytes(s3, key)).equals(big)).toBe(true)
    const info = await getObjectInfo(s3, key)
    expect(info?.size).toBe(big.length)
    expect(info?.contentType).toBe('application/octet-stream')
  })

  it('resumes a stopped upload by sending only the missing parts', async () => {
    const key = `${s3.prefix}/resume/forty.bin`
    const ctl = new AbortController()
    const first = request(key, bigPath, big.length, { signal: ctl.signal })
    first.req.multipart.onPart = (p) => {
      first.rec.parts.push(p)
      if (first.rec.parts.length === 2) ctl.abort('pause')
    }
    const dest1 = viaProxy({ partConcurrency: 1 })
    const stopped = await dest1.put(first.req).catch((e: unknown) => e)
    dest1.close()
    expect(stopped).toBeInstanceOf(UpshotError)
    expect((stopped as UpshotError).code).toBe('CANCELED')
    expect(first.rec.parts.map((p) => p.partNumber)).toEqual([1, 2])
    expect(first.rec.progress).toBe(16 * MiB)

    proxy.resetCounters()
    const { uploadId, partSize } = first.rec.created[0]!
    const second = request(key, bigPath, big.length, {})
    second.req.multipart.resume = { uploadId, partSize, parts: first.rec.parts }
    const dest2 = viaProxy()
    const res = await dest2.put(second.req)
    dest2.close()

    expect(res.multipart).toBe(true)
    expect(second.rec.created).toHaveLength(0)
    const sent = proxy.requests.filter(isUploadPart)
    const numbers = sent.map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1])).sort()
    expect(numbers).toEqual([3, 4, 5])
    expect(proxy.bytesWhere(isUploadPart)).toBe(big.length - 16 * MiB)
    expect(res.bytesSent).toBe(big.length - 16 * MiB)
    // The parts found on the server count as progress, so the bar ends at 100%.
    expect(second.rec.progress).toBe(big.length)
    expect((await getObjectBytes(s3, key)).equals(big)).toBe(true)
    if (s3.strict) expect(await listOpenUploads(s3, key)).toEqual([])
  })

  it('starts a new upload when the recorded one is gone', async () => {
    if (!s3.strict) {
      // s3rver has no NoSuchUpload: it accepts parts for any upload ID and fails the complete
      // with a 500, so this case only means something on a real server.
      return
    }
    const key = `${s3.prefix}/resume/gone.bin`
    const size = 20 * MiB
    const file = path.join(tmp, 'gone.bin')
    fs.writeFileSync(file, big.subarray(0, size))
    const dest = viaProxy()
    const { req, rec } = request(key, file, size)
    // An upload created and then aborted, as a lifecycle rule or `cleanup` would.
    const made = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
    )
    await dest.abortMultipart(key, made.UploadId!)
    req.multipart.resume = { uploadId: made.UploadId!, partSize: 8 * MiB, parts: [] }
    const res = await dest.put(req)
    dest.close()
    expect(res.multipart).toBe(true)
    expect((await getObjectBytes(s3, key)).equals(big.subarray(0, size))).toBe(true)
    // The server said NoSuchUpload, so a fresh upload was created and recorded.
    expect(rec.created).toHaveLength(1)
    expect(rec.created[0]!.uploadId).not.toBe(made.UploadId)
    expect(await listOpenUploads(s3, key)).toEqual([])
  })

  it('abortMultipart leaves no open upload behind', async () => {
    const key = `${s3.prefix}/abort/forty.bin`
    const ctl = new AbortController()
    const { req, rec } = request(key, bigPath, big.length, { signal: ctl.signal })
    req.multipart.onPart = (p) => {
      rec.parts.push(p)
      ctl.abort('cancel')
    }
    const dest = viaProxy({ partConcurrency: 1 })
    await expect(dest.put(req)).rejects.toMatchObject({ code: 'CANCELED' })
    const uploadId = rec.created[0]!.uploadId
    if (s3.strict) {
      // A plain stop keeps the upload for a later resume.
      expect((await listOpenUploads(s3, key))?.map((u) => u.uploadId)).toEqual([uploadId])
      expect((await dest.listParts(key, uploadId))?.map((p) => p.partNumber)).toEqual([1])
    } else {
      // s3rver implements neither ListParts nor ListMultipartUploads.
      expect(await dest.listParts(key, uploadId)).toBeNull()
      expect(await listOpenUploads(s3, key)).toBeNull()
    }
    await dest.abortMultipart(key, uploadId)
    await dest.abortMultipart(key, uploadId) // already gone: still fine
    dest.close()
    if (s3.strict) expect(await listOpenUploads(s3, key)).toEqual([])
    expect(await getObjectInfo(s3, key)).toBeNull()
  })

  it('retries parts that meet 503 SlowDown and connection resets, alone', async () => {
    const key = `${s3.prefix}/retry/forty.bin`
    let faults = 0
    const slow = firstFaults(2, { kind: 'status', status: 503, code: 'SlowDown' }, isUploadPart)
    const reset = firstFaults(1, { kind: 'reset', afterBytes: 3 * MiB }, isUploadPart)
    proxy.setFaults((r) => {
      const f = slow(r) ?? reset(r)
      if (f) faults++
      return f
    })
    const dest = viaProxy()
    const { req, rec } = request(key, bigPath, big.length)
    const res = await dest.put(req)
    dest.close()

    expect(faults).toBe(3)
    const parts = proxy.requests.filter(isUploadPart)
    expect(parts).toHaveLength(5 + 3)
    expect(parts.filter((p) => p.status === 200)).toHaveLength(5)
    // Failed attempts' bytes were taken back from the progress, but count as sent.
    expect(rec.progress).toBe(big.length)
    expect(res.bytesSent).toBeGreaterThanOrEqual(big.length + 3 * MiB)
    expect((await getObjectBytes(s3, key)).equals(big)).toBe(true)
  })

  it('gives up on a server that keeps failing with a retryable SERVER_ERROR', async () => {
    proxy.setFaults(() => ({ kind: 'status', status: 500, code: 'InternalError' }))
    const dest = viaProxy({ maxAttempts: 3 })
    const file = path.join(corpus, 'sharp__with-alpha.png')
    const { req } = request(`${s3.prefix}/fail/x.png`, file, fs.statSync(file).size)
    const err = await dest.put(req).catch((e: unknown) => e)
    dest.close()
    expect(err).toBeInstanceOf(UpshotError)
    expect((err as UpshotError).code).toBe('SERVER_ERROR')
    expect((err as UpshotError).retryable).toBe(true)
    expect(proxy.requests).toHaveLength(3)
  })

  it('fails at once on a missing bucket and on bad credentials', async () => {
    const file = path.join(corpus, 'sharp__with-alpha.png')
    const size = fs.statSync(file).size

    const noBucket = createDestination(
      s3Config(s3, { endpoint: proxy.url, bucket: 'upshot-no-such-bucket-9f3k' }),
    )
    const e1 = await noBucket.put(request('a.png', file, size).req).catch((e: unknown) => e)
    noBucket.close()
    expect((e1 as UpshotError).code).toBe('NO_SUCH_BUCKET')
    expect((e1 as UpshotError).message).toBe(
      `The bucket "upshot-no-such-bucket-9f3k" does not exist at ${proxy.url}; check the bucket name and endpoint.`,
    )
    expect(proxy.requests).toHaveLength(1)

    proxy.resetCounters()
    const badKey = createDestination(
      s3Config(s3, {
        endpoint: proxy.url,
        credentials: { accessKeyId: 'NOBODY', secretAccessKey: s3.secretAccessKey },
      }),
    )
    const e2 = await badKey
      .put(request(`${s3.prefix}/a.png`, file, size).req)
      .catch((e: unknown) => e)
    badKey.close()
    expect((e2 as UpshotError).code).toBe('INVALID_CREDENTIALS')
    expect(proxy.requests).toHaveLength(1)

    proxy.resetCounters()
    const badSecret = createDestination(
      s3Config(s3, {
        endpoint: proxy.url,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'wrong-secret' },
      }),
    )
    const e3 = await badSecret
      .put(request(`${s3.prefix}/b.png`, file, size).req)
      .catch((e: unknown) => e)
    badSecret.close()
    if (s3.strict) {
      expect((e3 as UpshotError).code).toBe('INVALID_CREDENTIALS')
      expect(proxy.requests).toHaveLength(1)
    } else {
      // s3rver does not check V4 signatures: a wrong secret is accepted there.
      expect(e3).toMatchObject({ multipart: false })
    }
  })

  it('reports an unreachable endpoint as NETWORK', async () => {
    const dest = createDestination(s3Config(s3, { endpoint: 'http://127.0.0.1:9' }), {
      maxAttempts: 2,
    })
    const file = path.join(corpus, 'sharp__with-alpha.png')
    const err = await dest
      .put(request('a.png', file, fs.statSync(file).size).req)
      .catch((e: unknown) => e)
    dest.close()
    expect((err as UpshotError).code).toBe('NETWORK')
    expect((err as UpshotError).message).toContain('http://127.0.0.1:9')
  })

  it('paces request bodies with the shared bandwidth limit', async () => {
    const { createThrottle } = await import('../../src/engine/storage')
    const dest = createDestination(s3Config(s3, { endpoint: proxy.url }), {
      bandwidth: createThrottle(4 * MiB),
    })
    const file = path.join(tmp, 'paced.bin')
    fs.writeFileSync(file, big.subarray(0, 3 * MiB))
    const t0 = Date.now()
    await dest.put(request(`${s3.prefix}/paced.bin`, file, 3 * MiB).req)
    const seconds = (Date.now() - t0) / 1000
    dest.close()
    // 3 MiB at 4 MiB/s with a quarter-second burst: at least ~0.5 s.
    expect(seconds).toBeGreaterThan(0.45)
    expect(
      (await getObjectBytes(s3, `${s3.prefix}/paced.bin`)).equals(big.subarray(0, 3 * MiB)),
    ).toBe(true)
  })

  it('deletes objects, and deleting a missing one is fine', async () => {
    const dest = viaProxy()
    const file = path.join(corpus, 'sharp__circle.svg')
    const key = `${s3.prefix}/del/circle.svg`
    await dest.put(request(key, file, fs.statSync(file).size).req)
    expect(await getObjectInfo(s3, key)).not.toBeNull()
    await dest.deleteObject(key)
    await dest.deleteObject(key)
    dest.close()
    expect(await getObjectInfo(s3, key)).toBeNull()
  })
})

describe('local destination', () => {
  it('writes exact bytes via temp + rename, answers head, and links as file:// URLs', async () => {
    const dir = path.join(tmp, 'local-out')
    const metaDir = path.join(tmp, 'local-meta')
    const dest = createDestination({ kind: 'local', dir, prefix: 'img' }, { metaDir })
    expect(dest.id).toBe(`file:${dir}/img`)
    const file = path.join(corpus, 'sharp__4.webp')
    const bytes = fs.readFileSync(file)
    const key = 'img/ab/cd é #1.webp'
    const { req, rec } = request(key, file, bytes.length, {
      contentType: 'image/webp',
      metadata: { 'upshot-sha256': 'f00' },
    })
    const res = await dest.put(req)
    const target = path.join(dir, 'img', 'ab', 'cd é #1.webp')
    expect(fs.readFileSync(target).equals(bytes)).toBe(true)
    expect(rec.progress).toBe(bytes.length)
    expect(res.bytesSent).toBe(bytes.length)
    expect(fs.readdirSync(path.dirname(target)).filter((n) => n.includes('upshot-tmp'))).toEqual([])
    const url = dest.urlFor(key)
    expect(url).toMatch(/^file:\/\//)
    expect(url).toContain('cd%20%C3%A9%20%231.webp')
    expect(fileURLToPath(url)).toBe(target)
    const head = await dest.head(key)
    expect(head).toMatchObject({ size: bytes.length, contentType: 'image/webp', etag: res.etag })
    expect(head?.metadata['upshot-sha256']).toBe('f00')
    // The metadata (original name, source hash) is not in the folder a web server may serve.
    expect(fs.readdirSync(dir)).toEqual(['img'])
    expect(listFiles(metaDir).map((f) => path.basename(f))).toEqual(['cd é #1.webp.json'])
    await expect(dest.put(request('../escape.bin', file, bytes.length).req)).rejects.toMatchObject({
      code: 'CONFIG',
    })
    await dest.deleteObject(key)
    expect(await dest.head(key)).toBeNull()
    expect(fs.existsSync(target)).toBe(false)
    expect(listFiles(metaDir)).toEqual([])
  })

  it("moves an older version's .upshot-meta/ out of the served folder and still answers from it", async () => {
    const dir = path.join(tmp, 'local-legacy')
    const metaDir = path.join(tmp, 'local-legacy-meta')
    const key = 'img/0123456789abcdef/photo-full.webp'
    fs.mkdirSync(path.join(dir, 'img', '0123456789abcdef'), { recursive: true })
    fs.writeFileSync(path.join(dir, key), 'twelve bytes')
    const legacy = path.join(dir, '.upshot-meta', 'img', '0123456789abcdef', 'photo-full.webp.json')
    fs.mkdirSync(path.dirname(legacy), { recursive: true })
    fs.writeFileSync(
      legacy,
      JSON.stringify({
        size: 12,
        etag: 'e1',
        contentType: 'image/webp',
        cacheControl: 'public',
        metadata: { 'upshot-sha256': 'abc', 'upshot-source-name': 'secret%20name.jpg' },
      }),
    )
    const dest = createDestination({ kind: 'local', dir, prefix: 'img' }, { metaDir })
    const head = await dest.head(key)
    expect(head).toMatchObject({ size: 12, etag: 'e1', contentType: 'image/webp' })
    expect(head?.metadata['upshot-sha256']).toBe('abc')
    expect(fs.existsSync(path.join(dir, '.upshot-meta'))).toBe(false)
    expect(fs.readdirSync(dir)).toEqual(['img'])
    expect(listFiles(metaDir)).toHaveLength(1)
  })
})

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
}
