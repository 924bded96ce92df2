// The fast upload paths against a real S3 server (s3rver, or the strict server from S3_TEST_*):
// the lean request path maps failures like the SDK, a large batch checks the bucket with one
// listing (a fresh ledger still sends 0 bytes), and files uploaded straight from the source are
// refused when they change under the upload.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/engine'
import { createDestination, toUpshotError } from '../../src/engine/storage'
import { createS3Client } from '../../src/engine/storage/client'
import type { PutRequest } from '../../src/engine/types'
import { UpshotError, type RunReport } from '../../src/shared/jobs'
import { ROOT, runCli, s3TargetFlags } from '../helpers/cli'
import { isUploadPart, type TestProxy } from '../helpers/proxy'
import {
  getObjectBytes,
  getObjectInfo,
  listKeys,
  listOpenUploads,
  s3Config,
  type TestS3,
} from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy } from '../helpers/s3proxy'

const MiB = 1024 * 1024
let s3: TestS3
let proxy: TestProxy
let work: string

beforeAll(async () => {
  ;({ s3, proxy, work } = await startS3Proxy('upshot-fast-'))
})
afterAll(() => stopS3Proxy({ s3, proxy, work }))
beforeEach(() => {
  proxy.setFaults(null)
  proxy.setBandwidth(0)
  proxy.resetCounters()
})

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

function putRequest(key: string, filePath: string, extra: Partial<PutRequest> = {}): PutRequest {
  return {
    key,
    filePath,
    size: fs.statSync(filePath).size,
    contentType: 'application/octet-stream',
    cacheControl: 'no-cache',
    metadata: { 'upshot-sha256': 'x' },
    multipart: { onCreate: () => undefined, onPart: () => undefined },
    ...extra,
  }
}

describe('lean request path', () => {
  const faults = [
    { status: 403, code: 'AccessDenied', expected: 'ACCESS_DENIED' },
    { status: 404, code: 'NoSuchBucket', expected: 'NO_SUCH_BUCKET' },
    { status: 503, code: 'SlowDown', expected: 'SERVER_ERROR' },
    { status: 400, code: 'RequestTimeTooSkewed', expected: 'CLOCK_SKEW' },
  ]
  for (const f of faults) {
    it(`maps a PUT answered ${f.status} ${f.code} to ${f.expected}, as the SDK path does`, async () => {
      const file = path.join(work, `lean-${f.code}.bin`)
      fs.writeFileSync(file, randomBytes(64 * 1024))
      proxy.setFaults((r) =>
        r.method === 'PUT' ? { kind: 'status', status: f.status, code: f.code } : null,
      )
      const config = s3Config(s3, { endpoint: proxy.url })
      const dest = createDestination(config, { maxAttempts: 1 })
      const lean = await dest.put(putRequest(`${s3.prefix}/lean/${f.code}.bin`, file)).then(
        () => null,
        (e: unknown) => e,
      )
      dest.close()

      const client = await createS3Client(config, 4)
      const sdk = await client
        .send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: `${s3.prefix}/lean/${f.code}-sdk.bin`,
            Body: fs.readFileSync(file),
          }),
        )
        .then(
          () => null,
          (e: unknown) => toUpshotError(e, { bucket: config.bucket, where: proxy.url }),
        )
      client.destroy()

      expect(lean).toBeInstanceOf(UpshotError)
      expect(sdk).toBeInstanceOf(UpshotError)
      expect((lean as UpshotError).code).toBe(f.expected)
      expect((lean as UpshotError).code).toBe((sdk as UpshotError).code)
      expect((lean as UpshotError).retryable).toBe((sdk as UpshotError).retryable)
      expect(await getObjectInfo(s3, `${s3.prefix}/lean/${f.code}.bin`)).toBeNull()
    })
  }

  it('retries a SlowDown on its own and lands the exact bytes with metadata', async () => {
    const file = path.join(work, 'lean-retry.bin')
    const body = randomBytes(200 * 1024)
    fs.writeFileSync(file, body)
    let failed = 0
    proxy.setFaults((r) =>
      r.method === 'PUT' && failed++ < 2 ? { kind: 'status', status: 503, code: 'SlowDown' } : null,
    )
    const dest = createDestination(s3Config(s3, { endpoint: proxy.url }))
    const key = `${s3.prefix}/lean/retry é+x.bin`
    const res = await dest.put(putRequest(key, file))
    const head = await dest.head(key)
    dest.close()
    expect(res.multipart).toBe(false)
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toHaveLength(3)
    expect((await getObjectBytes(s3, key)).equals(body)).toBe(true)
    expect(head?.size).toBe(body.length)
    expect(head?.metadata['upshot-sha256']).toBe('x')
  })

  it('answers HEAD of a missing key with null and a refused HEAD with ACCESS_DENIED', async () => {
    const dest = createDestination(s3Config(s3, { endpoint: proxy.url }), { maxAttempts: 1 })
    expect(await dest.head(`${s3.prefix}/lean/missing.bin`)).toBeNull()
    proxy.setFaults(() => ({ kind: 'status', status: 403, code: 'AccessDenied' }))
    const err = await dest.head(`${s3.prefix}/lean/missing.bin`).catch((e: unknown) => e)
    dest.close()
    expect((err as UpshotError).code).toBe('ACCESS_DENIED')
  })
})

describe('dedup by listing', () => {
  it('a 50-file batch: no HEADs while the bucket is empty, then a fresh ledger sends 0 bytes and only its reference markers', async () => {
    const dir = path.join(work, 'batch50')
    fs.mkdirSync(dir)
    const bodies = new Map<string, Buffer>()
    for (let i = 0; i < 50; i++) {
      const b = randomBytes(4096 + i)
      bodies.set(`f${i}.bin`, b)
      fs.writeFileSync(path.join(dir, `f${i}.bin`), b)
    }
    const destination = s3Config(s3, { endpoint: proxy.url, prefix: `${s3.prefix}/batch50` })

    const first = createEngine({ dataDir: path.join(work, 'ledger-a') })
    try {
      const ids = await first.enqueue([dir], { destination, preset: 'web' })
      const report = await first.run(ids)
      expect(report.summary.done).toBe(50)
      for (const job of report.jobs) {
        const key = job.outputs[0]!.key
        expect((await getObjectBytes(s3, key)).equals(bodies.get(path.basename(job.source))!)).toBe(
          true,
        )
      }
    } finally {
      await first.close()
    }
    expect(proxy.requests.filter((r) => r.method === 'HEAD')).toHaveLength(0)
    expect(
      proxy.requests.filter((r) => r.method === 'GET' && r.url.includes('list-type=2')),
    ).toHaveLength(1)
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toHaveLength(50)

    proxy.resetCounters()
    const second = createEngine({ dataDir: path.join(work, 'ledger-b') })
    try {
      const ids = await second.enqueue([dir], { destination, preset: 'web' })
      const report = await second.run(ids)
      expect(report.summary.done).toBe(50)
      expect(report.summary.bytesUploaded).toBe(0)
      expect(report.jobs.every((j) => j.deduplicated)).toBe(true)
    } finally {
      await second.close()
    }
    expect(proxy.bytesIn()).toBe(0)
    // The one thing a second data dir writes: an empty marker per content dir it now links to,
    // so the first one's deletes see that use (engine/references).
    const writes = proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'POST')
    expect(writes).toHaveLength(50)
    expect(writes.every((r) => r.url.includes('/.upshot/refs/'))).toBe(true)
  })

  it('falls back to HEADs when the prefix holds more than the batch can justify listing', async () => {
    const dest = createDestination(s3Config(s3, { endpoint: proxy.url }))
    const prefix = `${s3.prefix}/crowded/`
    for (let i = 0; i < 3; i++) {
      const file = path.join(work, `crowd${i}.bin`)
      fs.writeFileSync(file, randomBytes(100))
      await dest.put(putRequest(`${prefix}k${i}`, file))
    }
    // s3rver pages at 1000 keys; a page limit of 0 can never finish a non-empty listing.
    expect(await dest.listKeys!(prefix, 0)).toBeNull()
    const all = await dest.listKeys!(prefix, 1)
    dest.close()
    expect([...all!].sort()).toEqual([0, 1, 2].map((i) => `${prefix}k${i}`))
  })
})

describe('lean listing and credentials (no AWS SDK on the small-file path)', () => {
  it('lists keys with spaces, unicode and XML-special characters exactly as the SDK reads them', async () => {
    const dest = createDestination(s3Config(s3, { endpoint: proxy.url }))
    const prefix = `${s3.prefix}/odd keys/`
    const names = [
      'a b.bin',
      'café ☕/ünï.bin',
      `x&y<z>"q"'s'.bin`,
      '(1)!*~$@=;:,+.bin',
      'two  spaces.bin',
      '😀.bin',
    ]
    const file = path.join(work, 'odd.bin')
    fs.writeFileSync(file, randomBytes(100))
    for (const n of names) await dest.put(putRequest(prefix + n, file))
    proxy.resetCounters()
    const listed = await dest.listKeys!(prefix, 1)
    dest.close()
    expect(proxy.requests.map((r) => r.method)).toEqual(['GET'])
    expect([...listed!].sort()).toEqual(names.map((n) => prefix + n).sort())
    expect([...listed!].sort()).toEqual((await listKeys(s3, prefix)).sort())
  })

  // s3rver answers a continuation token with InternalError (to the SDK too): strict server only.
  it.runIf(Boolean(process.env.S3_TEST_ENDPOINT))(
    'follows continuation tokens past a 1000-key page',
    async () => {
      const dest = createDestination(s3Config(s3, { endpoint: proxy.url }))
      const prefix = `${s3.prefix}/paged/`
      const file = path.join(work, 'paged.bin')
      fs.writeFileSync(file, randomBytes(16))
      const wanted = Array.from(
        { length: 1003 },
        (_, i) => `${prefix}k é ${String(i).padStart(4, '0')}`,
      )
      const queue = [...wanted]
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let k = queue.shift(); k !== undefined; k = queue.shift())
            await dest.put(putRequest(k, file))
        }),
      )
      proxy.resetCounters()
      // One page is not enough for 1003 keys: the caller's budget says when to give up.
      expect(await dest.listKeys!(prefix, 1)).toBeNull()
      const all = await dest.listKeys!(prefix, 2)
      dest.close()
      expect([...all!].sort()).toEqual(wanted)
      const lists = proxy.requests.filter((r) => r.url.includes('list-type=2'))
      expect(lists).toHaveLength(3)
      expect(lists[2]!.url).toContain('continuation-token=')
    },
  )

  it('the CLI, with keys from the environment, uploads a 25-file batch and re-checks it with a fresh ledger without loading the SDK', async () => {
    const dir = path.join(work, 'cli25')
    fs.mkdirSync(dir)
    for (let i = 0; i < 25; i++)
      fs.writeFileSync(path.join(dir, `f ${i}.bin`), randomBytes(2048 + i))
    const watch = pathToFileURL(path.join(ROOT, 'tests/helpers/sdk-watch.mjs')).href
    const env = {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_PROFILE: '',
      NODE_OPTIONS: `--import=${watch}`,
    }
    const run = async (ledger: string): Promise<{ report: RunReport; stderr: string }> => {
      const res = await runCli(
        [
          'upload',
          dir,
          ...s3TargetFlags(s3, `${s3.prefix}/cli25`, proxy.url, path.join(work, ledger)),
          '--json',
        ],
        env,
      )
      expect(res.code).toBe(0)
      return { report: JSON.parse(res.stdout) as RunReport, stderr: res.stderr }
    }
    const first = await run('cli25-a')
    expect(first.report.summary.done).toBe(25)
    expect(first.report.summary.bytesUploaded).toBeGreaterThan(25 * 2048)
    expect(proxy.requests.filter((r) => r.url.includes('list-type=2'))).toHaveLength(1)
    expect(first.stderr).not.toContain('upshot-test-sdk-load:')

    proxy.resetCounters()
    const second = await run('cli25-b')
    expect(second.report.summary.done).toBe(25)
    expect(second.report.summary.bytesUploaded).toBe(0)
    expect(second.report.jobs.every((j) => j.deduplicated)).toBe(true)
    expect(proxy.bytesIn()).toBe(0)
    expect(proxy.requests.filter((r) => r.url.includes('list-type=2'))).toHaveLength(1)
    // Only the empty reference markers of a second data dir, on the lean path like the rest.
    const writes = proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'POST')
    expect(writes).toHaveLength(25)
    expect(writes.every((r) => r.url.includes('/.upshot/refs/'))).toBe(true)
    expect(second.stderr).not.toContain('upshot-test-sdk-load:')
  })

  it('the CLI without keys anywhere loads the SDK for its credential chain and fails as before', async () => {
    const file = path.join(work, 'nokeys.bin')
    fs.writeFileSync(file, randomBytes(100))
    const watch = pathToFileURL(path.join(ROOT, 'tests/helpers/sdk-watch.mjs')).href
    const res = await runCli(
      [
        'upload',
        file,
        ...s3TargetFlags(s3, `${s3.prefix}/nokeys`, proxy.url, path.join(work, 'nokeys-ledger')),
        '--json',
      ],
      {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        // No shared files to find, and no instance metadata service to wait for.
        HOME: work,
        AWS_CONFIG_FILE: path.join(work, 'none-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'none-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        NODE_OPTIONS: `--import=${watch}`,
      },
    )
    const report = JSON.parse(res.stdout) as RunReport
    expect(report.jobs[0]!.status).toBe('failed')
    expect(report.jobs[0]!.error?.code).toBe('INVALID_CREDENTIALS')
    expect(res.stderr).toContain('upshot-test-sdk-load: @aws-sdk/client-s3')
    expect(proxy.requests.filter((r) => r.url.includes('/nokeys/'))).toHaveLength(0)
  })
})

describe('uploads straight from the source', () => {
  it('refuses a large file edited mid-upload and leaves no object or open upload', async () => {
    const file = path.join(work, 'edited.bin')
    fs.writeFileSync(file, randomBytes(40 * MiB))
    const engine = createEngine({ dataDir: path.join(work, 'ledger-edit'), partConcurrency: 1 })
    try {
      const destination = s3Config(s3, { endpoint: proxy.url, prefix: `${s3.prefix}/edit` })
      const [id] = await engine.enqueue([file], { destination, preset: 'web' })
      proxy.setBandwidth(8 * MiB)
      const running = engine.run([id!])
      const until = Date.now() + 60_000
      while (proxy.bytesWhere(isUploadPart) < 2 * MiB && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20))
      // Same size, different bytes in the last part: only hashing what is sent can notice.
      const fd = fs.openSync(file, 'r+')
      fs.writeSync(fd, randomBytes(4096), 0, 4096, 39 * MiB)
      fs.closeSync(fd)
      const report = await running
      expect(report.jobs[0]!.status).toBe('failed')
      expect(report.jobs[0]!.error?.code).toBe('SOURCE_CHANGED')
      const key = engine.ledger.outputs(id!)[0]!.key
      expect(await getObjectInfo(s3, key)).toBeNull()
      if (s3.strict) expect(await listOpenUploads(s3, key)).toEqual([])
    } finally {
      await engine.close()
    }
  })

  it('refuses a small file whose bytes no longer match the recorded hash', async () => {
    const file = path.join(work, 'small-edited.bin')
    const before = randomBytes(64 * 1024)
    fs.writeFileSync(file, before)
    const st = fs.statSync(file)
    const expectation = { sha256: sha256(before), size: st.size, mtimeMs: st.mtimeMs }
    const dest = createDestination(s3Config(s3, { endpoint: proxy.url }))
    const ok = `${s3.prefix}/src/ok.bin`
    await dest.put(putRequest(ok, file, { source: expectation }))
    expect((await getObjectBytes(s3, ok)).equals(before)).toBe(true)

    fs.writeFileSync(file, randomBytes(64 * 1024))
    fs.utimesSync(file, st.atime, st.mtime) // even with the old mtime, the hash tells
    const bad = `${s3.prefix}/src/bad.bin`
    const err = await dest.put(putRequest(bad, file, { source: expectation })).catch((e) => e)
    dest.close()
    expect((err as UpshotError).code).toBe('SOURCE_CHANGED')
    expect(await getObjectInfo(s3, bad)).toBeNull()
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toHaveLength(1)
  })

  it('sends a small file as it was read and hashed, even if it is edited before its upload', async () => {
    const dir = path.join(work, 'held')
    fs.mkdirSync(dir, { recursive: true })
    const files = Array.from({ length: 24 }, (_, i) => {
      const file = path.join(dir, `f${i}.bin`)
      const body = randomBytes(32 * 1024 + i)
      fs.writeFileSync(file, body)
      return { file, body }
    })
    const engine = createEngine({ dataDir: path.join(work, 'ledger-held') })
    try {
      const destination = s3Config(s3, { endpoint: proxy.url, prefix: `${s3.prefix}/held` })
      const ids = await engine.enqueue(
        files.map((f) => f.file),
        { destination, preset: 'web' },
      )
      // The moment a file is hashed and processed (or handed straight on to its upload),
      // overwrite it (same size, new bytes): the object must still be the bytes the ledger's
      // hash describes, never a mix or the new ones.
      const edited = new Set<string>()
      engine.on((e) => {
        if (e.type !== 'job' || edited.has(e.id)) return
        if (e.state !== 'processed' && e.state !== 'uploading') return
        edited.add(e.id)
        const f = files.find((x) => x.file === e.source)!
        fs.writeFileSync(f.file, randomBytes(f.body.length))
      })
      proxy.resetCounters()
      const report = await engine.run(ids)
      expect(edited.size).toBe(files.length)
      expect(report.jobs.map((j) => j.status)).toEqual(files.map(() => 'done'))
      for (const [i, j] of report.jobs.entries()) {
        const key = j.outputs[0]!.key
        expect(j.sha256).toBe(sha256(files[i]!.body))
        expect(engine.ledger.job(j.id)!.sha256).toBe(sha256(files[i]!.body))
        expect((await getObjectBytes(s3, key)).equals(files[i]!.body)).toBe(true)
      }
      // Read once: one PUT per file and one listing for the batch; no file was sent twice.
      const puts = proxy.requests.filter((r) => r.method === 'PUT')
      expect(puts).toHaveLength(files.length)
      expect(proxy.bytesIn()).toBe(files.reduce((n, f) => n + f.body.length, 0))
    } finally {
      await engine.close()
    }
  })

  it('re-verifies the source when resuming: parts sent earlier are hashed again', async () => {
    const file = path.join(work, 'resumed.bin')
    const body = randomBytes(24 * MiB)
    fs.writeFileSync(file, body)
    const st = fs.statSync(file)
    const source = { sha256: sha256(body), size: st.size, mtimeMs: st.mtimeMs }
    const key = `${s3.prefix}/src/resumed.bin`
    const created: { uploadId: string; partSize: number }[] = []
    const parts: { partNumber: number; etag: string; size: number; checksum: string | null }[] = []
    const ctl = new AbortController()
    const dest1 = createDestination(s3Config(s3, { endpoint: proxy.url }), { partConcurrency: 1 })
    const stopped = await dest1
      .put(
        putRequest(key, file, {
          source,
          signal: ctl.signal,
          multipart: {
            onCreate: (uploadId, partSize) => created.push({ uploadId, partSize }),
            onPart: (p) => {
              parts.push(p)
              ctl.abort('pause')
            },
          },
        }),
      )
      .catch((e: unknown) => e)
    dest1.close()
    expect((stopped as UpshotError).code).toBe('CANCELED')
    expect(parts.map((p) => p.partNumber)).toEqual([1])

    // The first part (already on the server) is edited, with the size and mtime kept.
    const fd = fs.openSync(file, 'r+')
    fs.writeSync(fd, randomBytes(16), 0, 16, 100)
    fs.closeSync(fd)
    fs.utimesSync(file, st.atime, st.mtime)
    const dest2 = createDestination(s3Config(s3, { endpoint: proxy.url }))
    const err = await dest2
      .put(
        putRequest(key, file, {
          source,
          multipart: {
            resume: { ...created[0]!, parts },
            onCreate: () => undefined,
            onPart: () => undefined,
          },
        }),
      )
      .catch((e: unknown) => e)
    dest2.close()
    expect((err as UpshotError).code).toBe('SOURCE_CHANGED')
    expect(await getObjectInfo(s3, key)).toBeNull()
  })
})
