// What the storage layer puts on the wire, seen from a proxy in front of a real S3 server:
// how bodies are signed and checksummed, how many bytes are in flight, what a resume re-sends.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createDestination } from '../../src/engine/storage'
import type { ChecksumMode, PartRecord, PutRequest } from '../../src/engine/types'
import { isUploadPart, startProxy, type RequestInfo, type TestProxy } from '../helpers/proxy'
import {
  getObjectBytes,
  getObjectInfo,
  s3Config,
  startTestS3,
  type TestS3,
} from '../helpers/s3server'

const MiB = 1024 * 1024

let s3: TestS3
let proxy: TestProxy
let tmp: string
let bigPath: string
let big: Buffer

beforeAll(async () => {
  s3 = await startTestS3()
  proxy = await startProxy(s3.endpoint)
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-wire-'))
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

function request(
  key: string,
  filePath: string,
  size: number,
): { req: PutRequest; parts: PartRecord[]; created: string[] } {
  const parts: PartRecord[] = []
  const created: string[] = []
  const req: PutRequest = {
    key,
    filePath,
    size,
    contentType: 'application/octet-stream',
    cacheControl: 'no-cache',
    metadata: {},
    multipart: {
      onCreate: (uploadId) => created.push(uploadId),
      onPart: (p) => parts.push(p),
    },
  }
  return { req, parts, created }
}

/** Records the headers of every request carrying a body. */
function watchHeaders(): RequestInfo[] {
  const seen: RequestInfo[] = []
  proxy.setFaults((r) => {
    if (r.method === 'PUT') seen.push(r)
    return null
  })
  return seen
}

describe.each<ChecksumMode>(['WHEN_REQUIRED', 'WHEN_SUPPORTED'])('checksum mode %s', (mode) => {
  // Swift 2.30 and s3rver do not check x-amz-checksum-* headers, so WHEN_SUPPORTED only proves
  // here that nothing breaks and that no aws-chunked body is sent; AWS/R2/MinIO check the CRC32.
  it('signs bodies UNSIGNED-PAYLOAD with a Content-MD5 (one hash pass) and lands exact bytes', async () => {
    const dest = createDestination(s3Config(s3, { endpoint: proxy.url, checksum: mode }))
    const seen = watchHeaders()
    const small = big.subarray(0, 3 * MiB + 17)
    const smallPath = path.join(tmp, `small-${mode}.bin`)
    fs.writeFileSync(smallPath, small)
    const smallKey = `${s3.prefix}/wire/${mode}/small.bin`
    const bigKey = `${s3.prefix}/wire/${mode}/big.bin`
    const r1 = await dest.put(request(smallKey, smallPath, small.length).req)
    const r2 = await dest.put(request(bigKey, bigPath, big.length).req)
    dest.close()
    expect([r1.multipart, r2.multipart]).toEqual([false, true])

    // One PutObject and five UploadParts, each checked by the server against its Content-MD5.
    expect(seen).toHaveLength(6)
    const slices = [
      small,
      ...[0, 1, 2, 3, 4].map((i) => big.subarray(i * 8 * MiB, (i + 1) * 8 * MiB)),
    ]
    for (const r of seen) {
      // Parts start in parallel, so match each request to its slice by part number.
      const part = /[?&]partNumber=(\d+)/.exec(r.url)
      const slice = slices[part ? Number(part[1]) : 0]!
      expect(isUploadPart(r)).toBe(part !== null)
      expect(r.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD')
      expect(r.headers['content-encoding'] ?? '').not.toContain('aws-chunked')
      expect(r.headers['content-length']).toBe(String(slice.length))
      expect(r.headers['content-md5']).toBe(createHash('md5').update(slice).digest('base64'))
      if (mode === 'WHEN_SUPPORTED') expect(r.headers['x-amz-checksum-crc32']).toMatch(/^.{6}==$/)
      else expect(r.headers['x-amz-checksum-crc32']).toBeUndefined()
    }
    expect(seen.filter((r) => isUploadPart(r))).toHaveLength(5)

    expect((await getObjectBytes(s3, smallKey)).equals(small)).toBe(true)
    expect((await getObjectBytes(s3, bigKey)).equals(big)).toBe(true)

    // Where the server uses S3's multipart ETag it is MD5(part MD5s)-N, which put() checked.
    const info = await getObjectInfo(s3, bigKey)
    const etag = (info?.etag ?? '').replace(/"/g, '')
    if (/-\d+$/.test(etag)) {
      const md5s = slices.slice(1).map((s) => createHash('md5').update(s).digest())
      expect(etag).toBe(`${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-5`)
      expect(r2.etag).toBe(etag)
    }
  })
})

describe('bytes in flight', () => {
  it('never has more than 32 MiB of parts in flight, whatever the part concurrency', async () => {
    let maxOpen = 0
    proxy.setFaults((r) => {
      if (isUploadPart(r)) {
        const open = proxy.requests.filter((q) => isUploadPart(q) && !q.done).length
        maxOpen = Math.max(maxOpen, open)
      }
      return null
    })
    // A slow link keeps parts open long enough to overlap.
    proxy.setBandwidth(80 * MiB)
    const dest = createDestination(s3Config(s3, { endpoint: proxy.url }), { partConcurrency: 16 })
    const key = `${s3.prefix}/inflight/big.bin`
    await dest.put(request(key, bigPath, big.length).req)
    dest.close()
    // 8 MiB parts: 4 at most (the request being admitted counts itself).
    expect(maxOpen).toBeGreaterThanOrEqual(2)
    expect(maxOpen).toBeLessThanOrEqual(4)
    expect(proxy.bytesWhere(isUploadPart)).toBe(big.length)
  })
})

describe('resume after a kill between a part finishing and its record', () => {
  it('asks the server (ListParts) and does not send that part again where it can', async () => {
    const key = `${s3.prefix}/resume-unrecorded/big.bin`
    const ctl = new AbortController()
    const first = request(key, bigPath, big.length)
    first.req.signal = ctl.signal
    first.req.multipart.onPart = (p) => {
      first.parts.push(p)
      if (first.parts.length === 3) ctl.abort('pause')
    }
    const d1 = createDestination(s3Config(s3, { endpoint: proxy.url }), { partConcurrency: 1 })
    await expect(d1.put(first.req)).rejects.toMatchObject({ code: 'CANCELED' })
    d1.close()
    expect(first.parts.map((p) => p.partNumber)).toEqual([1, 2, 3])

    // The ledger lost part 3 (the process died before writing it down).
    proxy.resetCounters()
    const second = request(key, bigPath, big.length)
    second.req.multipart.resume = {
      uploadId: first.created[0]!,
      partSize: 8 * MiB,
      parts: first.parts.slice(0, 2),
    }
    const d2 = createDestination(s3Config(s3, { endpoint: proxy.url }))
    const res = await d2.put(second.req)
    d2.close()
    const sent = proxy.requests
      .filter(isUploadPart)
      .map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1]))
      .sort()
    if (s3.strict) {
      // ListParts showed part 3 on the server: only 4 and 5 travel again.
      expect(sent).toEqual([4, 5])
      expect(res.bytesSent).toBe(16 * MiB)
    } else {
      // s3rver has no ListParts: the recorded parts are all we know.
      expect(sent).toEqual([3, 4, 5])
      expect(res.bytesSent).toBe(24 * MiB)
    }
    expect(second.created).toHaveLength(0)
    expect((await getObjectBytes(s3, key)).equals(big)).toBe(true)
  })
})
