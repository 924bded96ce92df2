// SIGKILL at random moments, many times in a row, `upshot resume` after each: at the end every
// file is uploaded exactly once, byte for byte, no multipart upload is left open and the ledger
// is sound. The seed is printed; CRASH_LOOP_SEED=<n> replays a run's kill moments.
import Database from 'better-sqlite3'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import { CORPUS, startCli, s3TargetFlags } from '../helpers/cli'
import type { TestProxy } from '../helpers/proxy'
import { getObjectBytes, listKeys, listOpenUploads, type TestS3 } from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy } from '../helpers/s3proxy'

const MiB = 1024 * 1024
const PHOTOS = [
  'exif-samples__jpg_gps_DSCN0010.jpg',
  'exif-samples__jpg_orientation_landscape_3.jpg',
  'exif-samples__jpg_orientation_landscape_6.jpg',
  'exif-samples__jpg_orientation_portrait_6.jpg',
  'exif-samples__jpg_Canon_40D.jpg',
  'exif-samples__jpg_mobile_jolla.jpg',
  'sharp__4.webp',
  'sharp__with-alpha.png',
  'bench/exif-samples__jpg_hdr_canon_hdr_NO.jpg',
  'bench/exif-samples__jpg_tests_67-0_length_string.jpg',
]
const LARGE = [22 * MiB, 29 * MiB + 12345, 36 * MiB + 7]
const TEXTS = 5

/** mulberry32: a small seeded generator, so a failing run's kill moments can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex')
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

let s3: TestS3
let proxy: TestProxy
let work: string

beforeAll(async () => {
  ;({ s3, proxy, work } = await startS3Proxy('upshot-crash-loop-'))
})
afterAll(() => stopS3Proxy({ s3, proxy, work }))

describe('crash loop: SIGKILL at random moments, resume after each', () => {
  it('ends with every file uploaded once, byte-identical, nothing left open', async () => {
    const seed = Number(process.env.CRASH_LOOP_SEED ?? Date.now() % 2 ** 31)
    console.log(`crash-loop seed: ${seed} (CRASH_LOOP_SEED=${seed} replays it)`)
    const rand = seeded(seed)

    const input = path.join(work, 'batch')
    fs.mkdirSync(input)
    const sources = new Map<string, string>() // absolute path -> sha256 of its bytes
    for (const name of PHOTOS) {
      const to = path.join(input, path.basename(name))
      fs.copyFileSync(path.join(CORPUS, name), to)
      sources.set(to, sha256(fs.readFileSync(to)))
    }
    LARGE.forEach((size, i) => {
      const buf = randomBytes(size)
      const to = path.join(input, `archive ${i + 1}.bin`)
      fs.writeFileSync(to, buf)
      sources.set(to, sha256(buf))
    })
    for (let i = 0; i < TEXTS; i++) {
      const buf = Buffer.from(`note ${i}\n${randomBytes(200 + i * 50).toString('base64')}\n`)
      const to = path.join(input, `note-${i}.txt`)
      fs.writeFileSync(to, buf)
      sources.set(to, sha256(buf))
    }

    const dataDir = path.join(work, 'data')
    const ledgerFile = path.join(dataDir, 'ledger.sqlite')
    const env = {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_PROFILE: '',
    }
    const upload = [
      'upload',
      input,
      ...s3TargetFlags(s3, `${s3.prefix}`, proxy.url, dataDir),
      '--json',
    ]
    const resume = ['resume', '--data-dir', dataDir, '--json']
    const jobCount = (): number => {
      try {
        const db = new Database(ledgerFile, { readonly: true, fileMustExist: true })
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n
        } finally {
          db.close()
        }
      } catch {
        return 0
      }
    }

    // A slow link, so kills land while parts are on the wire: three kills in four wait until
    // this run has begun sending, then a random moment; the rest strike at a random moment from
    // the start (opening the ledger, hashing, making variants).
    proxy.setBandwidth(8 * MiB)
    const kills = 6 + Math.floor(rand() * 5) // 6-10
    let midUpload = 0
    let finishedEarly = 0
    for (let round = 0; round < kills; round++) {
      const run = startCli(round === 0 ? upload : resume, env)
      let ended = false
      void run.done.then(() => (ended = true))
      if (round === 0) {
        // The batch must be in the ledger before the first kill, or there is nothing to resume.
        const until = Date.now() + 30_000
        while (jobCount() < sources.size && Date.now() < until) await sleep(20)
      }
      const sentBefore = proxy.bytesIn()
      const afterBytes = rand() < 0.75
      if (afterBytes) {
        const until = Date.now() + 20_000
        while (!ended && proxy.bytesIn() === sentBefore && Date.now() < until) await sleep(20)
      }
      const delay = Math.floor(rand() * (afterBytes ? 1500 : 2000))
      const outcome = await Promise.race([run.done, sleep(delay).then(() => null)])
      const sent = proxy.bytesIn() - sentBefore
      if (outcome === null) {
        run.child.kill('SIGKILL')
        const res = await run.done
        expect(res.signal).toBe('SIGKILL')
        if (sent > 0) midUpload++
      } else {
        finishedEarly++ // this run got to the end before its kill moment
      }
      console.log(
        `round ${round + 1}/${kills}: ${outcome === null ? 'killed' : 'finished'} ${delay} ms after ${afterBytes ? 'its first bytes' : 'start'}; ${(sent / MiB).toFixed(1)} MiB this round, ${(proxy.bytesIn() / MiB).toFixed(1)} MiB in all`,
      )
    }
    // Most kills hit an upload in flight (unless the batch was all sent before they ran out).
    expect(midUpload + finishedEarly).toBeGreaterThanOrEqual(3)

    proxy.setBandwidth(0)
    const last = await startCli(resume, env).done
    expect(last.stderr).not.toMatch(/\n\s+at /)
    expect(last.code).toBe(0)
    const lastReport = JSON.parse(last.stdout) as RunReport
    expect(lastReport.jobs.every((j) => j.status === 'done')).toBe(true)

    const db = new Database(ledgerFile, { readonly: true })
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      // Every file exactly one job, and it is done.
      const jobs = db.prepare('SELECT id, source, state, sha256 FROM jobs').all() as {
        id: string
        source: string
        state: string
        sha256: string
      }[]
      expect(jobs.map((j) => j.source).sort()).toEqual([...sources.keys()].sort())
      for (const j of jobs) {
        expect(j.state, j.source).toBe('done')
        expect(j.sha256, j.source).toBe(sources.get(j.source))
      }
      // One outputs row per key: nothing was recorded as uploaded twice.
      const outputs = db
        .prepare(
          `SELECT o.job_id, o.variant, o.key, o.bytes, o.width, o.height, o.state, b.etag
             FROM outputs o JOIN objects b ON b.key = o.key`,
        )
        .all() as {
        job_id: string
        variant: string
        key: string
        bytes: number
        width: number | null
        height: number | null
        state: string
        etag: string | null
      }[]
      expect(new Set(outputs.map((o) => o.key)).size).toBe(outputs.length)
      const outputRows = (db.prepare('SELECT COUNT(*) AS n FROM outputs').get() as { n: number }).n
      expect(outputs).toHaveLength(outputRows)
      expect(
        (db.prepare('SELECT COUNT(*) AS n FROM multipart_uploads').get() as { n: number }).n,
      ).toBe(0)

      // The bucket holds exactly those objects, each with the bytes the ledger says.
      expect((await listKeys(s3, `${s3.prefix}/`)).sort()).toEqual(outputs.map((o) => o.key).sort())
      const jobOf = new Map(jobs.map((j) => [j.id, j]))
      for (const o of outputs) {
        expect(o.state).toBe('uploaded')
        const body = await getObjectBytes(s3, o.key)
        expect(body.length, o.key).toBe(o.bytes)
        if (o.variant === 'original') {
          // Not an image: the object is the source itself.
          expect(sha256(body), o.key).toBe(jobOf.get(o.job_id)!.sha256)
        } else {
          // A variant: the ETag recorded at upload is the MD5 of the staged bytes (checked with
          // Content-MD5 on the way in), and the image decodes at the size the report gave.
          expect(md5(body), o.key).toBe(o.etag)
          const meta = await sharp(body).metadata()
          expect([meta.width, meta.height], o.key).toEqual([o.width, o.height])
        }
      }
    } finally {
      db.close()
    }

    const open = await listOpenUploads(s3, `${s3.prefix}/`)
    if (s3.strict) expect(open).toEqual([])
    else expect(open).toBeNull() // s3rver has no ListMultipartUploads
  }, 170_000)
})
