// AppService as a unit, in this process (the commands behind window.upshot, on the real engine,
// uploading to a real S3 server): queue, pause/cancel/retry, links on the clipboard, history,
// deletion, settings and what happens to a secret. It reaches into the engine and the settings
// model directly, which only an in-process test can; the app as a whole, over its channel, is
// tested on the real core process (core-process.test.ts and the Chromium suites).

import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueuePatch } from '../../src/shared/api'
import { formatLink } from '../../src/shared/links'
import { dispatchCommand } from '../../src/core/ipc-dispatch'
import { getObjectInfo, listKeys, startTestS3, type TestS3 } from '../helpers/s3server'
import {
  startInProcessApp as startTestApp,
  type InProcessApp as TestApp,
} from './helpers/in-process-app'
import { testBucketDestination } from './helpers/test-keychain'
import { CORPUS } from '../helpers/fixtures'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY'

let s3: TestS3
let work: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-appsvc-'))
})
afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

async function waitFor(what: string, cond: () => boolean, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function copy(name: string, as = name): string {
  const dir = fs.mkdtempSync(path.join(work, 'in-'))
  const file = path.join(dir, as)
  fs.copyFileSync(path.join(CORPUS, name), file)
  return file
}

function saveS3Destination(app: TestApp, secret = s3.secretAccessKey): string {
  const view = app.settings.saveDestination(
    testBucketDestination(s3, 'Test bucket', {
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: secret },
    }),
  )
  return view.destinations[0]!.id
}

function stateOf(app: TestApp, id: string): string | undefined {
  return app.service.getQueue().jobs.find((j) => j.id === id)?.state
}

describe('AppService on the real engine', () => {
  it('uploads, copies Markdown and <picture>, lists history, retries a failure, deletes', async () => {
    const app = startTestApp({ prefs: { autoCopy: true, linkFormat: 'markdown' } })
    try {
      saveS3Destination(app)
      app.service.start()
      const good = copy('exif-samples__jpg_gps_DSCN0010.jpg', 'Beach day.jpg')
      const broken = copy('sharp__truncated.jpg', 'broken.jpg')
      expect(await app.service.addPaths([good, broken])).toEqual({ added: 2 })
      const jobs = app.service.getQueue().jobs
      const goodId = jobs.find((j) => j.name === 'Beach day.jpg')!.id
      const badId = jobs.find((j) => j.name === 'broken.jpg')!.id
      expect(jobs.find((j) => j.id === goodId)!.destinationName).toBe('Test bucket')
      await waitFor(
        'both finished',
        () =>
          ['done', 'failed'].includes(stateOf(app, goodId) ?? '') &&
          stateOf(app, badId) === 'failed',
      )
      expect(stateOf(app, goodId)).toBe('done')

      // The failed row carries its code and one sentence.
      const bad = app.service.getQueue().jobs.find((j) => j.id === badId)!
      expect(bad.error?.code).toBe('CORRUPT_IMAGE')
      expect(bad.error?.message).toMatch(/\.$/)

      // Every output is on the server, and the batch's Markdown went to the clipboard.
      const [finished] = app.service.links.getFinished([goodId])
      expect(finished!.outputs.length).toBeGreaterThan(1)
      for (const o of finished!.outputs) {
        expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
      }
      await waitFor('auto-copy', () => app.clipboard.length === 1)
      const full = finished!.outputs.find((o) => o.variant === 'full')!
      expect(app.clipboard[0]).toBe(`![Beach day](${full.url})`)
      expect(app.notifications.at(-1)).toEqual({
        title: 'Some uploads failed',
        body: '1 file uploaded, 1 failed; links copied.',
      })

      const picture = await app.service.links.copyLinks([goodId], 'picture')
      expect(picture.text).toBe(
        formatLink('picture', { name: 'Beach day.jpg', outputs: finished!.outputs }),
      )
      expect(picture.text).toContain(`srcset="`)
      expect(picture.text).toContain(`${full.url} ${full.width}w`)
      expect(app.clipboard.at(-1)).toBe(picture.text)

      // Retry: the file is fixed on disk, the same job runs again and finishes.
      fs.copyFileSync(path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg'), bad.source)
      app.service.controls.retryJob(badId)
      expect(stateOf(app, badId)).toBe('queued')
      await waitFor('retried job done', () => stateOf(app, badId) === 'done')

      // History: both, newest first; search and status filters; usage per destination.
      const history = app.service.history.getHistory({})
      expect(history.total).toBe(2)
      expect(app.service.history.getHistory({ search: 'beach' }).items.map((i) => i.id)).toEqual([
        goodId,
      ])
      expect(app.service.history.getHistory({ status: 'failed' }).total).toBe(0)
      const [usage] = app.service.history.getUsage()
      expect(usage!.name).toBe('Test bucket')
      expect(usage!.files).toBe(2)
      expect(usage!.byFormat.map((f) => f.format)).toEqual(['webp'])

      // Delete: the objects leave the bucket and the ledger marks them.
      const keys = finished!.outputs.map((o) => o.key)
      const result = await app.service.history.deleteUploads([goodId])
      // No CDN settings: nothing to purge, and the result says nothing about it.
      expect(result).toEqual({
        deleted: keys.length,
        kept: 0,
        failures: [],
        purge: null,
        purgePending: false,
      })
      for (const key of keys) expect(await getObjectInfo(s3, key)).toBeNull()
      expect(app.service.history.getHistory({ status: 'deleted' }).items.map((i) => i.id)).toEqual([
        goodId,
      ])
      expect(app.service.history.getUsage()[0]!.files).toBe(1)
    } finally {
      await app.close()
    }
  })

  it('keeps the secret out of the settings file, the ledger, the page and the logs', async () => {
    const app = startTestApp()
    const logged: string[] = []
    const originals = { log: console.log, warn: console.warn, error: console.error }
    for (const k of ['log', 'warn', 'error'] as const) {
      console[k] = (...args: unknown[]) => logged.push(args.map(String).join(' '))
    }
    try {
      const id = saveS3Destination(app, SECRET)
      app.service.start()
      const view = app.service.getSettings()
      expect(view.destinations[0]).toMatchObject({ id, hasCredentials: true })
      // Uploading with it proves the stored (encrypted) key decrypts to the right one.
      const file = copy('sharp__4.webp')
      await app.service.addPaths([file])
      await waitFor('upload', () => app.service.getQueue().overall.idle)
      expect(app.service.getQueue().jobs[0]!.state).toBe('done')
      const test = await app.service.testDestination(id)
      expect(test.checks.filter((c) => !c.optional).every((c) => c.ok)).toBe(true)

      const ledgerBytes = ['ledger.sqlite', 'ledger.sqlite-wal']
        .map((f) => path.join(app.dataDir, f))
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f).toString('latin1'))
        .join('')
      expect(ledgerBytes.length).toBeGreaterThan(0)
      for (const [where, text] of [
        ['settings file', fs.readFileSync(app.settingsFile, 'utf8')],
        ['ledger', ledgerBytes],
        ['page', JSON.stringify(view) + app.wire() + JSON.stringify(test)],
        ['logs', logged.join('\n')],
      ] as const) {
        expect(text.includes(SECRET), `${where} holds the secret`).toBe(false)
        expect(text.includes(SECRET.slice(8, 24)), `${where} holds part of the secret`).toBe(false)
      }
    } finally {
      Object.assign(console, originals)
      await app.close()
    }
  })

  it("never sends a saved destination's keys to an endpoint other than the saved one", async () => {
    // A stand-in for a server the keys must never reach: it records every request and what
    // credentials it carried (signed header, presigned query).
    const seen: { method: string; url: string; auth: string }[] = []
    const recorder = http.createServer((req, res) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization ?? '',
      })
      req.resume()
      res.writeHead(403, { 'content-type': 'application/xml' })
      res.end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>')
    })
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r))
    const elsewhere = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`
    const carriesStoredKey = (): boolean =>
      seen.some((r) => r.auth.includes(s3.accessKeyId) || r.url.includes(s3.accessKeyId))
    const app = startTestApp()
    try {
      const id = saveS3Destination(app)
      const saved = testBucketDestination(s3, 'Test bucket', { id })
      delete saved.credentials
      // The form, edited by the page: the saved id, another endpoint, no keys typed.
      const moved = { ...saved, endpoint: elsewhere }
      const handlers = app.service.handlers()
      const refused = await dispatchCommand(
        'testDestination',
        handlers,
        { senderUrl: 'file:///app/index.html', args: [moved] },
        () => true,
      )
      expect(refused).toMatchObject({
        ok: false,
        error: { code: 'CONFIG', message: /saved keys are only used with the endpoint/ },
      })
      // Another region or bucket, same thing; saving it so is refused too.
      await expect(app.service.testDestination({ ...saved, region: 'eu-west-3' })).rejects.toThrow(
        /saved keys are only used/,
      )
      expect(() => app.settings.saveDestination(moved)).toThrow(/saved keys are only used/)
      expect(app.settings.resolve(id).config).toMatchObject({ endpoint: s3.endpoint })
      expect(seen).toEqual([])

      // The same destination as saved still tests with its stored keys.
      const same = await app.service.testDestination(saved)
      expect(same.checks.find((c) => c.label === 'Credentials accepted')?.ok).toBe(true)

      // New keys typed for the new endpoint: they go there, and only they.
      const typed = { accessKeyId: 'AKIATYPEDFORNEWHOST', secretAccessKey: 'typed-secret' }
      await app.service.testDestination({ ...moved, credentials: typed })
      expect(seen.length).toBeGreaterThan(0)
      expect(seen.some((r) => r.auth.includes(typed.accessKeyId))).toBe(true)
      app.settings.saveDestination({ ...moved, credentials: typed })
      await app.service.testDestination(id)
      expect(carriesStoredKey()).toBe(false)
    } finally {
      await app.close()
      await new Promise((r) => recorder.close(r))
    }
  })

  it('pauses, resumes and cancels single jobs; pause all holds everything', async () => {
    const app = startTestApp({ prefs: { concurrency: 1 } })
    try {
      saveS3Destination(app)
      app.service.start()
      app.service.controls.pauseAll()
      const files = [
        'sharp__4.webp',
        'sharp__with-alpha.png',
        'exif-samples__jpg_Canon_40D.jpg',
      ].map((f) => copy(f))
      await app.service.addPaths(files)
      const [a, b, c] = app.service.getQueue().jobs.map((j) => j.id)
      app.service.controls.pauseJob(a!)
      await app.service.controls.cancelJob(b!)
      expect(stateOf(app, a!)).toBe('paused')
      expect(stateOf(app, b!)).toBe('canceled')
      app.service.controls.resumeAll()
      await waitFor('c done', () => stateOf(app, c!) === 'done')
      expect(stateOf(app, a!)).toBe('paused')
      expect(app.service.ledgerEngine.ledger.job(a!)!.state).toBe('queued')
      // The pause is in the ledger: the engine will not claim the job, whoever runs it.
      expect(app.service.ledgerEngine.isJobPaused(a!)).toBe(true)
      await app.service.ledgerEngine.run([a!])
      expect(app.service.ledgerEngine.ledger.job(a!)!.state).toBe('queued')
      app.service.controls.resumeJob(a!)
      await waitFor('a done', () => stateOf(app, a!) === 'done')
      // A canceled job can be tried again.
      app.service.controls.retryJob(b!)
      await waitFor('b done', () => stateOf(app, b!) === 'done')
      const keys = await listKeys(s3)
      expect(keys.length).toBeGreaterThanOrEqual(12)
      app.service.controls.clearFinished()
      expect(app.service.getQueue().jobs).toHaveLength(0)
    } finally {
      await app.close()
    }
  })

  it('keeps a paused job paused across a restart of the app, while the others finish', async () => {
    const first = startTestApp({ prefs: { concurrency: 1 } })
    const dataDir = first.dataDir
    let second: ReturnType<typeof startTestApp> | null = null
    try {
      // The built-in local folder: a second app on the same data dir reads the same settings.
      first.service.start()
      first.service.controls.pauseAll()
      await first.service.addPaths([copy('sharp__4.webp'), copy('exif-samples__jpg_Canon_40D.jpg')])
      const [a, b] = first.service.getQueue().jobs.map((j) => j.id)
      first.service.controls.pauseJob(a!)
      first.service.controls.resumeAll()
      await waitFor('b done', () => stateOf(first, b!) === 'done')
      expect(stateOf(first, a!)).toBe('paused')
      await first.close()

      second = startTestApp({ dataDir })
      second.service.start()
      expect(stateOf(second, a!)).toBe('paused')
      await new Promise((r) => setTimeout(r, 500))
      expect(second.service.ledgerEngine.ledger.job(a!)!.state).toBe('queued')
      second.service.controls.resumeJob(a!)
      await waitFor('a done', () => stateOf(second!, a!) === 'done')
    } finally {
      await first.close()
      await second?.close()
    }
  })

  it('sends 2,000 new rows in a few coalesced patches, page by page, not one message per job', async () => {
    const app = startTestApp()
    try {
      app.service.start()
      app.service.controls.pauseAll()
      await new Promise((r) => setTimeout(r, 300)) // the pause's own patch goes first
      const dir = path.join(work, 'many')
      fs.mkdirSync(dir)
      for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(dir, `f${i}.txt`), `file ${i}\n`)
      const patches: QueuePatch[] = []
      app.listen((name, payload) => {
        if (name === 'queue') patches.push(payload as QueuePatch)
      })
      expect(await app.service.addPaths([dir])).toEqual({ added: 2000 })
      await waitFor('the listing to end', () => patches.some((p) => !p.overall.adding))
      // Three pages (100, 1,000, 900) plus "adding" on and off: a handful of patches at most,
      // every row in exactly one of them.
      expect(patches.length).toBeLessThanOrEqual(5)
      const ids = patches.flatMap((p) => p.added)
      expect(ids).toHaveLength(2000)
      expect(new Set(ids).size).toBe(2000)
      expect(patches.find((p) => p.added.length > 0)!.overall.adding).toBe(true)
      const last = patches.at(-1)!
      expect(last.overall.counts.queued).toBe(2000)
      expect(last.overall.adding).toBe(false)
      expect(last.paused).toBe(true)
    } finally {
      await app.close()
    }
  })

  it('uploads the clipboard image and opens only https links', async () => {
    const app = startTestApp()
    try {
      app.service.start()
      app.clipboardImage = {
        data: fs.readFileSync(path.join(CORPUS, 'sharp__with-alpha.png')),
        mime: 'image/png',
      }
      expect(await app.service.uploadClipboardImage()).toEqual({ added: 1 })
      await waitFor('clipboard upload', () => app.service.getQueue().overall.idle)
      const job = app.service.getQueue().jobs[0]!
      expect(job.state).toBe('done')
      expect(job.name).toMatch(/^clipboard-\d{4}-\d{2}-\d{2}-[0-9a-f]{12}\.png$/)
      // Uploaded to the built-in local folder: the variants are files there.
      const [f] = app.service.links.getFinished([job.id])
      for (const o of f!.outputs) {
        expect(fs.statSync(path.join(app.dataDir, 'uploads', ...o.key.split('/'))).size).toBe(
          o.bytes,
        )
      }
      app.clipboardImage = null
      await expect(app.service.uploadClipboardImage()).rejects.toThrow(/no image/)

      await app.service.openLink('https://cdn.example.com/a.webp')
      await expect(app.service.openLink('file:///etc/passwd')).rejects.toThrow(/https/)
      await expect(app.service.openLink('javascript:alert(1)')).rejects.toThrow(/https/)
      expect(app.opened).toEqual(['https://cdn.example.com/a.webp'])
    } finally {
      await app.close()
    }
  })

  it('a private destination: copied links are fresh presigned URLs that fetch the bytes', async () => {
    const app = startTestApp({ prefs: { linkFormat: 'url' } })
    try {
      app.settings.saveDestination(
        testBucketDestination(s3, 'Private bucket', {
          prefix: `${s3.prefix}/private-app`,
          private: true,
          expiresIn: 300,
        }),
      )
      app.service.start()
      await app.service.addPaths([copy('sharp__with-alpha.png')])
      await waitFor('private upload', () => app.service.getQueue().overall.idle)
      const job = app.service.getQueue().jobs[0]!
      expect(job.state).toBe('done')
      const copied = await app.service.links.copyLinks([job.id], 'url')
      const url = new URL(copied.text.trim().split('\n')[0]!)
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300')
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/)
      const res = await fetch(url)
      expect(res.status).toBe(200)
      const key = decodeURIComponent(url.pathname).replace(`/${s3.bucket}/`, '')
      expect((await res.arrayBuffer()).byteLength).toBe((await getObjectInfo(s3, key))!.size)
    } finally {
      await app.close()
    }
  })

  it('lists destinations saved with `upshot dest` and takes one over', async () => {
    const app = startTestApp()
    try {
      const { Ledger } = await import('../../src/engine/ledger')
      const ledger = Ledger.open(app.dataDir)
      ledger.saveDestination('s3:https://s3.us-west-004.backblazeb2.com:my-b2/', 'b2 photos', {
        provider: 'b2',
        bucket: 'my-b2',
        region: 'us-west-004',
      })
      ledger.close()
      const view = app.service.getSettings()
      expect(view.shared).toEqual([expect.objectContaining({ name: 'b2 photos', kind: 'b2' })])
      const taken = await app.service.handlers().saveDestination(view.shared![0]!.input)
      expect(taken.destinations.map((d) => [d.name, d.kind, d.region])).toEqual([
        ['b2 photos', 'b2', 'us-west-004'],
      ])
      expect(taken.shared).toEqual([])
      const config = app.settings.resolve(taken.destinations[0]!.id).config
      expect(config).toMatchObject({ endpoint: 'https://s3.us-west-004.backblazeb2.com' })
    } finally {
      await app.close()
    }
  })
})
