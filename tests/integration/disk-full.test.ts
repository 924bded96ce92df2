// Disk full while staging: the staging folder sits on a 3 MiB tmpfs. The job that does not fit
// fails with DISK_FULL and one sentence, nothing of it reaches the bucket, the rest of the batch
// finishes, and the staging folder is left empty.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/engine'
import type { RunReport } from '../../src/shared/jobs'
import { CORPUS, runCliJson, s3TargetFlags } from '../helpers/cli'
import { listKeys, s3Config, startTestS3, type TestS3 } from '../helpers/s3server'

/** Mounting needs root (CI and this machine run as root) and a kernel that lets us. */
function tryMountTmpfs(dir: string): string | null {
  if (process.getuid?.() !== 0) return 'not running as root, so no tmpfs can be mounted'
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'pipe' })
    return null
  } catch (err) {
    return `mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}`
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-diskfull-'))
const staging = path.join(work, 'staging')
fs.mkdirSync(staging)
const whyNot = tryMountTmpfs(staging)
if (whyNot) console.log(`disk-full tests skipped: ${whyNot}`)

let s3: TestS3

beforeAll(async () => {
  s3 = await startTestS3()
})

afterAll(async () => {
  await s3?.stop()
  if (!whyNot) execFileSync('umount', [staging], { stdio: 'pipe' })
  fs.rmSync(work, { recursive: true, force: true })
})

const PHOTOS = [
  'exif-samples__jpg_gps_DSCN0010.jpg',
  'exif-samples__jpg_Canon_40D.jpg',
  'sharp__with-alpha.png',
]

function copyIn(dir: string, names: readonly string[]): string[] {
  fs.mkdirSync(dir, { recursive: true })
  return names.map((n) => {
    const to = path.join(dir, path.basename(n))
    fs.copyFileSync(path.join(CORPUS, n), to)
    return to
  })
}

describe.skipIf(whyNot !== null)(`disk full while staging (${whyNot ?? 'tmpfs of 3 MiB'})`, () => {
  it('fails only the file that does not fit, uploads nothing of it, and leaves staging empty', async () => {
    const input = path.join(work, 'batch')
    const photos = copyIn(input, PHOTOS)
    // Noise does not compress: its full-size WebP alone is larger than the 3 MiB disk. (Files
    // that are not images are uploaded from the source and never staged.)
    const big = path.join(input, 'too big.png')
    const side = 3000
    await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(big)
    const prefix = `${s3.prefix}/engine`
    // One file processed at a time: the photos never stage while the big file fills the disk.
    const engine = createEngine({
      dataDir: path.join(work, 'data'),
      stagingDir: staging,
      processConcurrency: 1,
    })
    let report: RunReport
    try {
      const ids = await engine.enqueue([input], {
        destination: s3Config(s3, { prefix }),
        preset: 'web',
      })
      report = await engine.run(ids)
    } finally {
      await engine.close()
    }
    const bigJob = report.jobs.find((j) => j.source === big)!
    expect(bigJob.status).toBe('failed')
    expect(bigJob.error?.code).toBe('DISK_FULL')
    expect(bigJob.error?.message).toMatch(
      /^The disk holding the staging folder .* is full; free some space and resume\.$/,
    )
    expect(bigJob.outputs).toEqual([])
    for (const p of photos) {
      expect(report.jobs.find((j) => j.source === p)?.status, p).toBe('done')
    }
    // The bucket holds the photos' variants and nothing else.
    const keys = await listKeys(s3, `${prefix}/`)
    const photoKeys = report.jobs
      .filter((j) => j.status === 'done')
      .flatMap((j) => j.outputs.map((o) => o.key))
    expect(keys.sort()).toEqual(photoKeys.sort())
    expect(keys.some((k) => k.includes('too-big'))).toBe(false)
    expect(fs.readdirSync(staging)).toEqual([])
  })

  it('an image whose variants do not fit fails the same way through the CLI (UPSHOT_STAGING_DIR)', async () => {
    // Leave about 64 KiB: the source is read into memory, its variants do not fit.
    const filler = path.join(staging, 'filler')
    const free = (): number => {
      const st = fs.statfsSync(staging)
      return st.bavail * st.bsize
    }
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 64 * 1024)))
    const [photo] = copyIn(path.join(work, 'cli'), ['exif-samples__jpg_mobile_jolla.jpg'])
    const prefix = `${s3.prefix}/cli`
    try {
      const { result, report } = await runCliJson(
        [
          'upload',
          photo!,
          ...s3TargetFlags(s3, prefix, s3.endpoint, path.join(work, 'cli-data')),
          '--preset',
          'png',
        ],
        {
          UPSHOT_STAGING_DIR: staging,
          AWS_ACCESS_KEY_ID: s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
          AWS_PROFILE: '',
        },
      )
      expect(result.code).toBe(1)
      expect(report.jobs).toHaveLength(1)
      expect(report.jobs[0]!.status).toBe('failed')
      expect(report.jobs[0]!.error?.code).toBe('DISK_FULL')
      expect(result.stderr).not.toMatch(/\n\s+at /)
      expect(await listKeys(s3, `${prefix}/`)).toEqual([])
      expect(fs.readdirSync(staging)).toEqual(['filler'])
    } finally {
      fs.rmSync(filler, { force: true })
    }
  })
})
