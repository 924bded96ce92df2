import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { UpshotError } from '../../src/shared/jobs'
import { ByteBudget } from '../../src/engine/storage/budget'
import { expectedMultipartEtag, digestOf } from '../../src/engine/storage/digest'
import { hashWorkerOnline, wholeDigest } from '../../src/engine/storage/hash-worker'
import { isRetryable, toUpshotError } from '../../src/engine/storage/errors'
import {
  choosePartSize,
  partCount,
  partRange,
  partsInFlight,
  S3_MAX_PARTS,
} from '../../src/engine/storage/limits'
import { headerSafeMetadata } from '../../src/engine/storage/metadata'
import { backoffDelay, withRetry } from '../../src/engine/storage/retry'
import { createThrottle } from '../../src/engine/storage/throttle'
import { s3ObjectUrl } from '../../src/engine/storage/urls'
import { createDestination } from '../../src/engine/storage'
import type { S3DestinationConfig } from '../../src/engine/types'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

const base: S3DestinationConfig = {
  kind: 's3',
  region: 'eu-west-1',
  bucket: 'media',
  prefix: 'img',
  pathStyle: false,
  checksum: 'WHEN_SUPPORTED',
}

/** Errors shaped the way the AWS SDK and Node throw them. */
function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } })
}
function netError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code })
}

describe('part plan', () => {
  it('uses 8 MiB parts until 10,000 parts are not enough, then grows in whole MiB', () => {
    expect(choosePartSize(40 * MiB)).toBe(8 * MiB)
    expect(choosePartSize(2 * GiB)).toBe(8 * MiB)
    expect(partCount(40 * MiB, 8 * MiB)).toBe(5)
    const size = 100 * GiB
    const ps = choosePartSize(size)
    expect(ps).toBe(11 * MiB)
    expect(partCount(size, ps)).toBeLessThanOrEqual(S3_MAX_PARTS)
    const huge = 5 * 1024 * GiB
    expect(partCount(huge, choosePartSize(huge))).toBeLessThanOrEqual(S3_MAX_PARTS)
  })

  it('gives equal parts but the last, and caps in-flight bytes at 32 MiB', () => {
    expect(partRange(20 * MiB, 8 * MiB, 1)).toEqual({ start: 0, end: 8 * MiB })
    expect(partRange(20 * MiB, 8 * MiB, 3)).toEqual({ start: 16 * MiB, end: 20 * MiB })
    expect(partsInFlight(8 * MiB, 4)).toBe(4)
    expect(partsInFlight(8 * MiB, 16)).toBe(4)
    expect(partsInFlight(16 * MiB, 4)).toBe(2)
    expect(partsInFlight(64 * MiB, 4)).toBe(1)
  })
})

describe('digests', () => {
  it('predicts the multipart ETag from part MD5s, and gives up on non-MD5 part ETags', () => {
    const a = Buffer.from('first part')
    const b = Buffer.from('second part')
    const ma = createHash('md5').update(a).digest()
    const mb = createHash('md5').update(b).digest()
    const want =
      createHash('md5')
        .update(Buffer.concat([ma, mb]))
        .digest('hex') + '-2'
    expect(expectedMultipartEtag([`"${ma.toString('hex')}"`, mb.toString('hex')])).toBe(want)
    expect(expectedMultipartEtag([ma.toString('hex'), 'not-an-md5'])).toBeNull()
  })

  it('computes MD5 and the big-endian CRC32 S3 expects', () => {
    const d = digestOf(Buffer.from('123456789'), true)
    expect(d.md5Hex).toBe('25f9e794323b453885f5181f1b624d0b')
    // CRC32 check value of "123456789" is 0xCBF43926.
    expect(Buffer.from(d.crc32Base64!, 'base64').toString('hex')).toBe('cbf43926')
    expect(digestOf(Buffer.from('x'), false).crc32Base64).toBeNull()
  })
})

describe('small files hashed on the hashing thread', () => {
  it('gives the SHA-256 and MD5 of exactly the bytes read, and the bytes back intact', async () => {
    const content = randomBytes(70_001)
    const buf = Buffer.allocUnsafeSlow(content.length + 1) // one spare byte, as a snapshot reads
    content.copy(buf)
    await hashWorkerOnline()
    const whole = await wholeDigest(buf, content.length)
    expect(buf.buffer.byteLength).toBe(0) // moved to the thread: the main thread did not hash it
    expect(whole.bytes.equals(content)).toBe(true)
    expect(whole.sha256).toBe(createHash('sha256').update(content).digest('hex'))
    expect(whole.digest).toEqual(digestOf(content, false))
  })

  it('hashes on the main thread a buffer it cannot move (a slice of the shared pool)', async () => {
    const content = Buffer.from('a few bytes of a tiny file')
    const whole = await wholeDigest(content, content.length - 1)
    expect(content.length).toBeGreaterThan(0)
    expect(whole.sha256).toBe(
      createHash('sha256')
        .update(content.subarray(0, content.length - 1))
        .digest('hex'),
    )
    expect(whole.digest.md5Hex).toBe(
      createHash('md5')
        .update(content.subarray(0, content.length - 1))
        .digest('hex'),
    )
  })
})

describe('metadata and URLs', () => {
  it('percent-encodes non-ASCII metadata values and normalises keys', () => {
    expect(headerSafeMetadata({ 'Upshot-Source-Name': 'Straße ☕.jpg', plain: 'a b' })).toEqual({
      'upshot-source-name': 'Stra%C3%9Fe %E2%98%95.jpg',
      plain: 'a b',
    })
  })

  it('encodes each key segment in links', () => {
    const key = 'img/a b/#1?x%y 🎉.webp'
    expect(s3ObjectUrl({ ...base, publicUrl: 'https://cdn.example.com/' }, key)).toBe(
      'https://cdn.example.com/img/a%20b/%231%3Fx%25y%20%F0%9F%8E%89.webp',
    )
    expect(s3ObjectUrl(base, 'img/a b.png')).toBe(
      'https://media.s3.eu-west-1.amazonaws.com/img/a%20b.png',
    )
    expect(s3ObjectUrl({ ...base, bucket: 'my.site' }, 'k.png')).toBe(
      'https://s3.eu-west-1.amazonaws.com/my.site/k.png',
    )
    expect(
      s3ObjectUrl({ ...base, endpoint: 'http://127.0.0.1:9000/', pathStyle: true }, 'k.png'),
    ).toBe('http://127.0.0.1:9000/media/k.png')
    expect(s3ObjectUrl({ ...base, endpoint: 'https://acc.r2.example.com' }, 'k.png')).toBe(
      'https://media.acc.r2.example.com/k.png',
    )
  })

  it('names destinations by store, bucket and prefix', () => {
    const aws = createDestination(base)
    const other = createDestination({ ...base, endpoint: 'http://127.0.0.1:9000/' })
    expect(aws.id).toBe('s3:aws:media/img')
    expect(other.id).toBe('s3:http://127.0.0.1:9000:media/img')
    aws.close()
    other.close()
    expect(createDestination({ kind: 'local', dir: '/srv/www', prefix: 'p' }).id).toBe(
      'file:/srv/www/p',
    )
  })
})

describe('errors and retries', () => {
  it('retries throttling, 5xx and dropped connections, never auth or missing things', () => {
    for (const e of [
      s3Error('SlowDown', 503),
      s3Error('InternalError', 500),
      s3Error('TooManyRequests', 429),
      s3Error('RequestTimeout', 400),
      netError('ECONNRESET'),
      netError('EPIPE'),
      netError('ETIMEDOUT'),
      new Error('socket hang up'),
    ]) {
      expect(isRetryable(e), e.message).toBe(true)
    }
    for (const e of [
      s3Error('AccessDenied', 403),
      s3Error('InvalidAccessKeyId', 403),
      s3Error('SignatureDoesNotMatch', 403),
      s3Error('NoSuchBucket', 404),
      s3Error('InvalidBucketName', 400),
      s3Error('NoSuchKey', 404),
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
    ]) {
      expect(isRetryable(e), e.message).toBe(false)
    }
  })

  it('maps failures to codes with one plain sentence', () => {
    const ctx = { bucket: 'media', where: 'http://127.0.0.1:9000' }
    const nb = toUpshotError(s3Error('NoSuchBucket', 404), ctx)
    expect(nb.code).toBe('NO_SUCH_BUCKET')
    expect(nb.message).toBe(
      'The bucket "media" does not exist at http://127.0.0.1:9000; check the bucket name and endpoint.',
    )
    expect(toUpshotError(s3Error('SignatureDoesNotMatch', 403), ctx).code).toBe(
      'INVALID_CREDENTIALS',
    )
    expect(toUpshotError(s3Error('AccessDenied', 403), ctx).code).toBe('ACCESS_DENIED')
    expect(toUpshotError(s3Error('RequestTimeTooSkewed', 403), ctx).code).toBe('CLOCK_SKEW')
    const net = toUpshotError(netError('ECONNREFUSED'), ctx)
    expect([net.code, net.retryable]).toEqual(['NETWORK', true])
    const busy = toUpshotError(s3Error('SlowDown', 503), ctx)
    expect([busy.code, busy.retryable]).toEqual(['SERVER_ERROR', true])
  })

  it('backs off with full jitter, growing and capped', () => {
    expect(backoffDelay(1, 250, 20_000, () => 0)).toBe(0)
    expect([1, 2, 3, 8, 20].map((a) => backoffDelay(a, 250, 20_000, () => 0.999999))).toEqual([
      249, 499, 999, 19_999, 19_999,
    ])
  })

  it('retries a failing call alone, stops at non-retryable errors and on abort', async () => {
    let calls = 0
    const ok = await withRetry(
      async () => {
        calls++
        if (calls < 3) throw s3Error('SlowDown', 503)
        return 'done'
      },
      { maxAttempts: 5, baseDelayMs: 1 },
    )
    expect([ok, calls]).toEqual(['done', 3])

    calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw s3Error('AccessDenied', 403)
        },
        { maxAttempts: 5, baseDelayMs: 1 },
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' })
    expect(calls).toBe(1)

    calls = 0
    const ctl = new AbortController()
    const err = await withRetry(
      async () => {
        calls++
        ctl.abort('pause')
        throw netError('ECONNRESET')
      },
      { maxAttempts: 5, baseDelayMs: 1, signal: ctl.signal },
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpshotError)
    expect((err as UpshotError).code).toBe('CANCELED')
    expect(calls).toBe(1)
  })
})

describe('throttle and budget', () => {
  it('holds shared traffic to the rate after the burst', async () => {
    const t = createThrottle(2 * MiB)
    const t0 = Date.now()
    // Two uploads sharing it: 1.5 MiB in 64 KiB slices, 0.5 MiB of burst.
    await Promise.all(
      [0, 1].map(async () => {
        for (let i = 0; i < 12; i++) await t.take(64 * 1024)
      }),
    )
    const s = (Date.now() - t0) / 1000
    expect(s).toBeGreaterThan(0.4)
    expect(s).toBeLessThan(1.5)
    const free = createThrottle(0)
    const t1 = Date.now()
    for (let i = 0; i < 100; i++) await free.take(10 * MiB)
    expect(Date.now() - t1).toBeLessThan(50)
  })

  it('makes a request wait until its bytes fit the budget', async () => {
    const b = new ByteBudget(32 * MiB)
    const r1 = await b.acquire(20 * MiB)
    let second = false
    const p = b.acquire(20 * MiB).then((r) => {
      second = true
      return r
    })
    await new Promise((r) => setTimeout(r, 20))
    expect(second).toBe(false)
    r1()
    const r2 = await p
    expect(second).toBe(true)
    r2()
    const big = await b.acquire(100 * MiB) // larger than the budget: takes all of it
    big()
  })
})
