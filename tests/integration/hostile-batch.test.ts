// Issue 17's acceptance: one `upshot upload` (a real process) of real photos mixed with files
// crafted to cost minutes and gigabytes (tests/helpers/bombs.ts), into s3rver. Every file ends
// in a terminal state within the time bound; the photos are done; each hostile file fails with
// its own code and one sentence, or is made harmless (drawn at the capped size, renamed inert);
// and the peak memory of the CLI with its SVG renderer stays within the documented budget.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import { buildBombSet, type BombCase } from '../helpers/bombs'
import { CORPUS, s3TargetFlags, startCli } from '../helpers/cli'
import { watchTreeMemory } from '../helpers/proc-memory'
import { getObjectBytes, getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'

/** docs/ARCHITECTURE.md, "Hostile input": the process and its renderer, with `--memory 512M`. */
const IMAGE_MEMORY = 512 * 1024 ** 2
const BASE_MEMORY = 256 * 1024 ** 2
const HELD_SMALL_FILES = 64 * 1024 ** 2
const PEAK_RSS_BUDGET = BASE_MEMORY + IMAGE_MEMORY + HELD_SMALL_FILES
/** Every file terminal within this: the SVG renderer's 60 s wall limit, twice, and slack. */
const BATCH_DEADLINE_MS = 240_000

const PHOTOS = [
  'exif-samples__jpg_mobile_jolla.jpg',
  'exif-samples__jpg_gps_DSCN0010.jpg',
  'exif-samples__jpg_orientation_portrait_6.jpg',
  'exif-samples__jpg_Canon_40D.jpg',
  'sharp__4.webp',
  'sharp__with-alpha.png',
  'sharp__animated-loop-3.gif',
  'exif-samples__heic_samplefilehub.heif',
]

let s3: TestS3
let work: string
let bombs: BombCase[]
let secret: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-bombs-'))
  // The local file the SVGs try to pull into their pictures: solid red.
  secret = path.join(work, 'secret.png')
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f00' } })
    .png()
    .toFile(secret)
  bombs = await buildBombSet(path.join(work, 'in', 'bombs'), secret)
  fs.mkdirSync(path.join(work, 'in', 'photos'))
  for (const p of PHOTOS) fs.copyFileSync(path.join(CORPUS, p), path.join(work, 'in', 'photos', p))
})

afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

/** Share of clearly red pixels in an image. */
async function redShare(bytes: Buffer): Promise<number> {
  const { data, info } = await sharp(bytes)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  let red = 0
  for (let i = 0; i < data.length; i += info.channels)
    if (data[i]! > 200 && data[i + 1]! < 60 && data[i + 2]! < 60) red++
  return red / (info.width * info.height)
}

describe('a batch of photos and hostile files', () => {
  it('ends in bounded time and memory: photos done, each hostile file failed with its code or made harmless', async () => {
    const started = Date.now()
    const { child, done } = startCli(
      [
        'upload',
        path.join(work, 'in'),
        ...s3TargetFlags(s3, s3.prefix, s3.endpoint, path.join(work, 'data')),
        '--memory',
        '512M',
        '--json',
      ],
      { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
      BATCH_DEADLINE_MS,
    )
    const memory = watchTreeMemory(child.pid!)
    const result = await done
    const peak = memory.stop()
    const seconds = (Date.now() - started) / 1000
    const report = JSON.parse(result.stdout) as RunReport
    console.log(
      `hostile batch: ${report.jobs.length} files in ${seconds.toFixed(1)} s, peak RSS ` +
        `${Math.round(peak.bytes / 1024 ** 2)} MB (CLI ${Math.round(peak.main / 1024 ** 2)} MB, ` +
        `${peak.processes} processes)\n` +
        report.jobs
          .map((j) => `  ${j.status.padEnd(6)} ${path.basename(j.source)} ${j.error?.code ?? ''}`)
          .join('\n'),
    )
    expect(result.signal).toBeNull()
    expect(result.code).toBe(1) // hostile files failed; no crash
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(Date.now() - started).toBeLessThan(BATCH_DEADLINE_MS)
    expect(peak.bytes).toBeLessThan(PEAK_RSS_BUDGET)
    expect(report.jobs).toHaveLength(PHOTOS.length + bombs.length)

    const bySource = new Map(report.jobs.map((j) => [j.source, j]))
    for (const p of PHOTOS) {
      const j = bySource.get(path.join(work, 'in', 'photos', p))!
      expect(j.status, p).toBe('done')
      expect(j.outputs.length, p).toBe(4)
    }
    for (const c of bombs) {
      const j = bySource.get(c.file)
      expect(j, c.what).toBeDefined()
      expect(j!.status, c.what).toBe(c.status)
      if (c.code) {
        expect(j!.error?.code, c.what).toBe(c.code)
        // One plain sentence: capital, full stop, no line breaks or stack frames.
        expect(j!.error!.message, c.what).toMatch(/^[A-Z][^\n]*[.]$/)
        expect(j!.error!.message, c.what).not.toMatch(/ at .*:\d+|Error:|vips|glib/)
        continue
      }
      for (const o of j!.outputs) {
        const bytes = await getObjectBytes(s3, o.key)
        expect(bytes.length, c.what).toBe(o.bytes)
        if (c.keyEnds) {
          // Kept as it is, under an inert name and type: never served as a page or a script.
          expect(o.key.endsWith(c.keyEnds), `${c.what}: ${o.key}`).toBe(true)
          expect((await getObjectInfo(s3, o.key))?.contentType, c.what).toMatch(/^text\/plain/)
          expect(bytes.equals(fs.readFileSync(c.file)), c.what).toBe(true)
          continue
        }
        expect(o.contentType, c.what).not.toBe('image/svg+xml')
        expect(Math.max(o.width!, o.height!), c.what).toBeLessThanOrEqual(c.maxSide!)
        // The local file the SVG referenced is not in the picture.
        expect(await redShare(bytes), c.what).toBeLessThan(0.01)
      }
      if (c.maxSide === 2048) {
        const full = j!.outputs.find((o) => o.variant === 'full')!
        expect(Math.max(full.width!, full.height!), c.what).toBe(2048)
      }
    }
  })
})
