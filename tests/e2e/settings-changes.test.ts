// A destination's settings changed while the app runs take effect without a restart: fixed keys
// for retries and new files, a new public URL and "private" for the next uploads' links. The
// real core (AppService + engine) against a real S3 server that checks the access key.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DestinationInput } from '../../src/shared/api'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { CORPUS } from '../helpers/fixtures'
import {
  startInProcessApp as startTestApp,
  type InProcessApp as TestApp,
} from './helpers/in-process-app'
import { testBucketDestination } from './helpers/test-keychain'
import { until } from '../helpers/until'

let s3: TestS3
let work: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-settings-changes-'))
})
afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

function copy(name: string, as = name): string {
  const dir = fs.mkdtempSync(path.join(work, 'in-'))
  const file = path.join(dir, as)
  fs.copyFileSync(path.join(CORPUS, name), file)
  return file
}

function jobOf(app: TestApp, source: string): { id: string; state: string; code?: string } {
  const j = app.service.getQueue().jobs.find((x) => x.source === source)
  if (!j) throw new Error(`no job for ${source}`)
  return { id: j.id, state: j.state, ...(j.error ? { code: j.error.code } : {}) }
}

/** Saves through the window's command, as the settings form does. */
async function save(app: TestApp, input: DestinationInput): Promise<string> {
  const view = await app.service.handlers().saveDestination(input)
  return view.destinations.find((d) => d.name === input.name)!.id
}

describe('changed destination settings apply at once', () => {
  it('fixed keys: the failed file is retried and a new file uploads, without a restart', async () => {
    const app = startTestApp()
    try {
      const wrong = testBucketDestination(s3, 'Keys', {
        prefix: `${s3.prefix}/keys`,
        credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'wrong' },
      })
      const id = await save(app, wrong)
      app.service.start()
      const first = copy('sharp__4.webp')
      await app.service.addPaths([first])
      await until('the wrong keys refused', () => jobOf(app, first).state === 'failed')
      expect(jobOf(app, first).code).toBe('INVALID_CREDENTIALS')

      const fixed = await save(app, {
        ...wrong,
        id,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      })
      expect(fixed).toBe(id)
      const test = await app.service.testDestination(id)
      expect(test.checks.filter((c) => !c.optional).every((c) => c.ok)).toBe(true)

      app.service.controls.retryJob(jobOf(app, first).id)
      await until('the retry', () => ['done', 'failed'].includes(jobOf(app, first).state))
      expect(jobOf(app, first)).toMatchObject({ state: 'done' })
      const second = copy('exif-samples__jpg_Canon_40D.jpg')
      await app.service.addPaths([second])
      await until('the new file', () => ['done', 'failed'].includes(jobOf(app, second).state))
      expect(jobOf(app, second)).toMatchObject({ state: 'done' })
      for (const f of app.service.links.getFinished([
        jobOf(app, first).id,
        jobOf(app, second).id,
      ])) {
        for (const o of f.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
      }
    } finally {
      await app.close()
    }
  })

  it('a new public URL and "private": the next uploads link to them, earlier ones keep theirs', async () => {
    const app = startTestApp({ prefs: { linkFormat: 'url' } })
    try {
      const input = testBucketDestination(s3, 'Links', {
        prefix: `${s3.prefix}/links`,
        publicUrl: 'https://cdn-one.example.test',
      })
      const id = await save(app, input)
      app.service.start()
      const before = copy('sharp__with-alpha.png')
      await app.service.addPaths([before])
      await until('first upload', () => jobOf(app, before).state === 'done')
      const [old] = app.service.links.getFinished([jobOf(app, before).id])
      expect(old!.outputs.every((o) => o.url.startsWith('https://cdn-one.example.test/'))).toBe(
        true,
      )

      await save(app, { ...input, id, publicUrl: 'https://cdn-two.example.test' })
      const after = copy('exif-samples__jpg_gps_DSCN0010.jpg')
      // The same photo as the first, under another name: reused from the ledger, new links.
      const again = copy('sharp__with-alpha.png', 'alpha again.png')
      await app.service.addPaths([after, again])
      await until('second batch', () =>
        [after, again].every((f) => ['done', 'failed'].includes(jobOf(app, f).state)),
      )
      const [a, b] = app.service.links.getFinished([jobOf(app, after).id, jobOf(app, again).id])
      for (const f of [a!, b!]) {
        expect(f.outputs.length).toBeGreaterThan(0)
        for (const o of f.outputs) expect(o.url).toMatch(/^https:\/\/cdn-two\.example\.test\//)
      }
      expect(app.service.ledgerEngine.ledger.job(jobOf(app, again).id)!.deduplicated).toBe(1)
      // The first upload's recorded links are what it handed out: unchanged.
      const [kept] = app.service.links.getFinished([jobOf(app, before).id])
      expect(kept!.outputs.map((o) => o.url)).toEqual(old!.outputs.map((o) => o.url))

      // Private from now on: the links copied for a new upload are presigned and fetch the bytes.
      await save(app, { ...input, id, publicUrl: '', private: true, expiresIn: 600 })
      const secret = copy('exif-samples__jpg_Canon_40D.jpg', 'private.jpg')
      await app.service.addPaths([secret])
      await until('private upload', () => jobOf(app, secret).state === 'done')
      const copied = await app.service.links.copyLinks([jobOf(app, secret).id], 'url')
      const url = new URL(copied.text.trim().split('\n')[0]!)
      expect(url.searchParams.get('X-Amz-Expires')).toBe('600')
      const res = await fetch(url)
      expect(res.status).toBe(200)
      const key = decodeURIComponent(url.pathname).replace(`/${s3.bucket}/`, '')
      expect((await res.arrayBuffer()).byteLength).toBe((await getObjectInfo(s3, key))!.size)
    } finally {
      await app.close()
    }
  })
})
