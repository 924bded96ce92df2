// AppService as a unit (in this process, on the real engine and ledger): the core runs its jobs
// through the engine's one long-lived run loop (engine/scheduler/run-loop.ts), not one
// engine.run per job. A queued job that has not started costs its ledger row, its queue-model
// row and an id in the loop's array: measured on the JS heap with a forced GC over 20,000 jobs.
// Pause one, cancel one, retry a failure and pause all are checked on the ledger and on the
// bytes a real S3 server holds.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startInProcessApp, type InProcessApp } from './helpers/in-process-app'
import { testBucketDestination } from './helpers/test-keychain'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

let s3: TestS3
let work: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-runloop-'))
})
afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

async function waitFor(what: string, cond: () => boolean, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

/** `count` small text files in 100 folders (a drop of a photo library's size, without pixels). */
function writeNotes(root: string, count: number): void {
  for (let d = 0; d < 100; d++) {
    const dir = path.join(root, `day-${d}`)
    fs.mkdirSync(dir, { recursive: true })
    for (let i = d; i < count; i += 100)
      fs.writeFileSync(path.join(dir, `note-${String(i).padStart(5, '0')}.txt`), `note ${i}\n`)
  }
}

/** Distinct small JPEGs (no two dedup into one object). */
async function writePhotos(dir: string, count: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true })
  const files: string[] = []
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `photo-${String(i).padStart(2, '0')}.jpg`)
    await sharp({
      create: {
        width: 96,
        height: 64,
        channels: 3,
        background: { r: i * 7, g: 255 - i * 5, b: 90 },
      },
    })
      .jpeg()
      .toFile(file)
    files.push(file)
  }
  return files
}

function ledgerState(app: InProcessApp, id: string): string | undefined {
  return app.service.ledgerEngine.ledger.job(id)?.state
}

function outputKeys(app: InProcessApp, id: string): { key: string; bytes: number }[] {
  return app.service.ledgerEngine.ledger.db
    .prepare('SELECT key, bytes FROM outputs WHERE job_id = ?')
    .all(id) as { key: string; bytes: number }[]
}

describe('the core runs its queue through one run loop', () => {
  it('holds 20,000 queued jobs as ledger rows and queue rows: bounded drives, under 1.5 KiB of heap a job', async () => {
    const n = 20_000
    const root = path.join(work, 'notes')
    writeNotes(root, n)
    const app = startInProcessApp({ dataDir: path.join(work, 'many') })
    try {
      app.service.start()
      app.service.controls.pauseAll() // held: this is about what waiting jobs cost, not about sending them
      const loop = app.service.ledgerEngine.runLoop()
      const before = heapUsed()
      expect(await app.service.addPaths([root])).toEqual({ added: n })
      const after = heapUsed()
      const perJob = (after - before) / n
      console.info(
        `[measure] ${n} queued jobs held: heap ${(before / 2 ** 20).toFixed(1)} -> ` +
          `${(after / 2 ** 20).toFixed(1)} MiB (${perJob.toFixed(0)} B a job), ` +
          `${loop.running} driven at once, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
      )
      // One run per job held ~19 KiB of heap each (measured: its promise chain, AbortController,
      // a mirror poller and a timer); the loop holds an id.
      expect(perJob).toBeLessThan(1536)
      // Every job is the loop's to run, but only a slot's worth is driven: the rest wait as ids.
      expect(loop.size).toBe(n)
      expect(loop.running).toBeGreaterThan(0)
      expect(loop.running).toBeLessThanOrEqual(4 * os.availableParallelism() + 8 + 6)
      expect(app.service.getQueue().overall.counts.queued).toBe(n)
    } finally {
      await app.close()
    }
  }, 300_000)

  it('pauses one waiting job, cancels one, retries a failure and pauses all, on a real S3 server', async () => {
    const app = startInProcessApp({ prefs: { concurrency: 2 }, dataDir: path.join(work, 's3') })
    try {
      app.settings.saveDestination(
        testBucketDestination(s3, 'Test bucket', {
          credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        }),
      )
      app.service.start()
      app.service.controls.pauseAll()
      // More jobs than the loop drives at once: the last ones wait their turn as ids.
      const files = await writePhotos(path.join(work, 'photos'), 40)
      await app.service.addPaths(files)
      const ids = app.service.getQueue().jobs.map((j) => j.id)
      expect(ids).toHaveLength(40)
      const paused = ids[37]!
      const canceled = ids[38]!
      const missing = ids[39]!
      app.service.controls.pauseJob(paused)
      await app.service.controls.cancelJob(canceled)
      // Its file goes before its turn comes: it fails (NOT_FOUND); put back, a retry uploads it.
      const missingFile = files[39]!
      const kept = fs.readFileSync(missingFile)
      fs.rmSync(missingFile)

      app.service.controls.resumeAll()
      const others = ids.slice(0, 37)
      await waitFor('the others to finish', () =>
        [...others, missing].every((id) => ['done', 'failed'].includes(ledgerState(app, id)!)),
      )
      for (const id of others) expect(ledgerState(app, id)).toBe('done')
      expect(ledgerState(app, missing)).toBe('failed')
      expect(ledgerState(app, paused)).toBe('queued')
      expect(app.service.ledgerEngine.isJobPaused(paused)).toBe(true)
      expect(ledgerState(app, canceled)).toBe('canceled')
      expect(outputKeys(app, paused)).toEqual([])
      expect(outputKeys(app, canceled)).toEqual([])
      // Every output of a finished job is in the bucket with the ledger's bytes.
      for (const id of others) {
        const outputs = outputKeys(app, id)
        expect(outputs.length).toBeGreaterThan(0)
        for (const o of outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
      }

      fs.writeFileSync(missingFile, kept)
      app.service.controls.retryJob(missing)
      app.service.controls.resumeJob(paused)
      // Pause all while they run: every claim goes back to the ledger, nothing stays owned.
      app.service.controls.pauseAll()
      await waitFor(
        'the claims to go back',
        () =>
          (
            app.service.ledgerEngine.ledger.db
              .prepare('SELECT COUNT(*) AS n FROM jobs WHERE owner IS NOT NULL')
              .get() as { n: number }
          ).n === 0,
      )
      app.service.controls.resumeAll()
      await waitFor('the retried and resumed jobs', () =>
        [missing, paused].every((id) => ledgerState(app, id) === 'done'),
      )
      for (const id of [missing, paused]) {
        const outputs = outputKeys(app, id)
        expect(outputs.length).toBeGreaterThan(0)
        for (const o of outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
      }
      expect(ledgerState(app, canceled)).toBe('canceled')
      // Nothing left for the loop: the engine may be made anew (a concurrency change) now.
      await waitFor('the loop to be idle', () => app.service.ledgerEngine.runLoop().size === 0)
    } finally {
      await app.close()
    }
  }, 300_000)

  it('makes the engine anew for a new concurrency only once the loop has nothing left', async () => {
    const app = startInProcessApp({ prefs: { concurrency: 2 }, dataDir: path.join(work, 'swap') })
    try {
      app.service.start()
      app.service.controls.pauseAll()
      const files = await writePhotos(path.join(work, 'swap-photos'), 20)
      await app.service.addPaths(files)
      const first = app.service.ledgerEngine
      expect(first.runLoop().size).toBe(20)
      // Jobs wait in the loop: the engine (and its slots) stays.
      app.service.savePreferences({ concurrency: 3 })
      expect(app.service.ledgerEngine).toBe(first)
      app.service.controls.resumeAll()
      const ids = app.service.getQueue().jobs.map((j) => j.id)
      await waitFor('every job done', () => ids.every((id) => ledgerState(app, id) === 'done'))
      // The batch is over: the next quiet moment makes the new engine, with an empty loop.
      await waitFor('the new engine', () => app.service.ledgerEngine !== first)
      const second = app.service.ledgerEngine
      expect(second.runLoop().size).toBe(0)
      expect(ids.every((id) => second.ledger.job(id)?.state === 'done')).toBe(true)
      // And it runs what comes next.
      const more = await writePhotos(path.join(work, 'swap-more'), 3)
      await app.service.addPaths(more)
      const next = app.service
        .getQueue()
        .jobs.map((j) => j.id)
        .filter((id) => !ids.includes(id))
      await waitFor('the next jobs', () => next.every((id) => ledgerState(app, id) === 'done'))
    } finally {
      await app.close()
    }
  }, 300_000)
})
