import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobReport } from '../../src/shared/jobs'
import { CORPUS, runCliJson, s3TargetFlags } from '../helpers/cli'
import { startTestS3, type TestS3 } from '../helpers/s3server'

const PUBLIC = 'https://cdn.example.test/media'
const PHOTOS = [
  'exif-samples__jpg_gps_DSCN0010.jpg',
  'exif-samples__jpg_orientation_landscape_6.jpg',
  'exif-samples__jpg_orientation_landscape_3.jpg',
  'exif-samples__jpg_mobile_jolla.jpg',
  'exif-samples__jpg_Canon_40D.jpg',
  'sharp__with-alpha.png',
]
const hasExiftool = fs.existsSync('/usr/bin/exiftool')

let s3: TestS3
let work: string
let prefix: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-cli-s3-'))
  prefix = s3.prefix
})
afterAll(async () => {
  await s3?.stop()
  fs.rmSync(work, { recursive: true, force: true })
})

function args(dataDir: string): string[] {
  return [...s3TargetFlags(s3, prefix, s3.endpoint, dataDir), '--public-url', PUBLIC]
}

function env(): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_PROFILE: '',
  }
}

async function getBytes(key: string): Promise<Buffer> {
  const res = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
  return Buffer.from(await res.Body!.transformToByteArray())
}

describe('upshot upload to S3 (real photos)', () => {
  let jobs: JobReport[] = []
  const dataDir = (): string => path.join(work, 'data')

  it('uploads every photo; every output is on the server as the report says', async () => {
    const files = PHOTOS.map((f) => path.join(CORPUS, f))
    const { result, report } = await runCliJson(['upload', ...files, ...args(dataDir())], env())
    expect(result.stderr).not.toMatch(/at .*\.m?js:\d+/) // no stack traces
    expect(result.code).toBe(0)
    jobs = report.jobs
    expect(jobs.map((j) => j.status)).toEqual(PHOTOS.map(() => 'done'))
    expect(report.summary.bytesUploaded).toBe(
      jobs.flatMap((j) => j.outputs).reduce((n, o) => n + o.bytes, 0),
    )
    for (const o of jobs.flatMap((j) => j.outputs)) {
      expect(o.url.startsWith(PUBLIC + '/')).toBe(true)
      expect(o.key.startsWith(prefix + '/')).toBe(true)
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: o.key }))
      expect(head.ContentType).toBe(o.contentType)
      expect(head.ContentLength).toBe(o.bytes)
      expect(head.CacheControl).toBe('public, max-age=31536000, immutable')
    }
  })

  it('the thumb of a photo is exactly 320x180 and a 100 px image is never enlarged', async () => {
    const jolla = jobs.find((j) => j.source.endsWith('jolla.jpg'))!
    const thumb = jolla.outputs.find((o) => o.variant === 'thumb')!
    const meta = await sharp(await getBytes(thumb.key)).metadata()
    expect([meta.width, meta.height, meta.format]).toEqual([320, 180, 'webp'])
    const full = jolla.outputs.find((o) => o.variant === 'full')!
    expect([full.width, full.height]).toEqual([3264, 2448])

    const tiny = jobs.find((j) => j.source.endsWith('Canon_40D.jpg'))!
    for (const o of tiny.outputs) {
      const m = await sharp(await getBytes(o.key)).metadata()
      expect(m.width!).toBeLessThanOrEqual(100)
      expect(m.height!).toBeLessThanOrEqual(68)
    }
  })

  it('an EXIF-rotated photo comes out upright', async () => {
    // Stored 450x600 with orientation 6: shown (and published) as 600x450.
    const rotated = jobs.find((j) => j.source.endsWith('landscape_6.jpg'))!
    const full = rotated.outputs.find((o) => o.variant === 'full')!
    const bytes = await getBytes(full.key)
    const meta = await sharp(bytes).metadata()
    expect([meta.width, meta.height]).toEqual([600, 450])
    expect(meta.orientation ?? 1).toBe(1)
    // Pixels: the published image matches the source turned upright by sharp itself.
    const src = path.join(CORPUS, 'exif-samples__jpg_orientation_landscape_6.jpg')
    const expected = await sharp(src).rotate().resize(60, 45).greyscale().raw().toBuffer()
    const actual = await sharp(bytes).resize(60, 45).greyscale().raw().toBuffer()
    let diff = 0
    for (let i = 0; i < expected.length; i++) diff += Math.abs(expected[i]! - actual[i]!)
    expect(diff / expected.length).toBeLessThan(8)
  })

  it('no variant carries GPS or EXIF', async () => {
    const gps = jobs.find((j) => j.source.endsWith('DSCN0010.jpg'))!
    for (const o of gps.outputs) {
      const bytes = await getBytes(o.key)
      const meta = await sharp(bytes).metadata()
      expect(meta.exif).toBeUndefined()
      if (hasExiftool) {
        const file = path.join(work, `out-${o.variant}.webp`)
        fs.writeFileSync(file, bytes)
        const tags = execFileSync('/usr/bin/exiftool', ['-a', '-G1', '-s', file], {
          encoding: 'utf8',
        })
        // Lines about the file itself (name, size, dates on disk) are not metadata inside it.
        const inside = tags.split('\n').filter((l) => !/^\[(ExifTool|System|File)\]/.test(l))
        expect(inside.join('\n')).not.toMatch(/GPS/i)
        expect(inside.join('\n')).not.toMatch(/^\[(IFD0|ExifIFD|GPS|XMP[^\]]*)\]/m)
      }
    }
  })

  it('running the same command again sends 0 bytes', async () => {
    const files = PHOTOS.map((f) => path.join(CORPUS, f))
    const { result, report } = await runCliJson(['upload', ...files, ...args(dataDir())], env())
    expect(result.code).toBe(0)
    expect(report.summary.bytesUploaded).toBe(0)
    expect(report.jobs.every((j) => j.status === 'done' && j.deduplicated)).toBe(true)
    expect(report.jobs.map((j) => j.outputs.map((o) => o.url))).toEqual(
      jobs.map((j) => j.outputs.map((o) => o.url)),
    )
  })

  it('a fresh ledger (another computer) finds the objects in the bucket and sends 0 bytes', async () => {
    const files = PHOTOS.slice(0, 2).map((f) => path.join(CORPUS, f))
    const { result, report } = await runCliJson(
      ['upload', ...files, ...args(path.join(work, 'other-machine'))],
      env(),
    )
    expect(result.code).toBe(0)
    expect(report.summary.bytesUploaded).toBe(0)
    expect(report.jobs.every((j) => j.deduplicated)).toBe(true)
    const thumb = report.jobs[0]!.outputs.find((o) => o.variant === 'thumb')!
    expect([thumb.width, thumb.height]).toEqual([320, 180])
  })

  it('a missing bucket fails fast with a sentence naming the bucket', async () => {
    const started = Date.now()
    const { result, report } = await runCliJson(
      [
        'upload',
        path.join(CORPUS, PHOTOS[0]!),
        ...args(path.join(work, 'nobucket')).map((a) =>
          a === `s3://${s3.bucket}/${prefix}` ? 's3://no-such-bucket-upshot' : a,
        ),
      ],
      env(),
    )
    expect(result.code).toBe(1)
    expect(report.jobs[0]!.error!.code).toBe('NO_SUCH_BUCKET')
    expect(report.jobs[0]!.error!.message).toContain('no-such-bucket-upshot')
    expect(Date.now() - started).toBeLessThan(20_000)
  })
})
