// Mirrors in the app, as a unit of AppService (in this process, on the real engine): a saved
// destination names a mirror on a second local s3rver; an upload from the app and a sync pass
// land byte-identical objects on both, the queue says when the mirror copies are done, and the
// results carry the mirror's URL beside the primary's link. The window's side is in
// tests/e2e/mirrors-ui.test.ts, on the real core process.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getObjectBytes, listKeys, startTestS3, type TestS3 } from '../helpers/s3server'
import { CORPUS } from '../helpers/fixtures'
import { until } from '../helpers/until'
import { primaryOutput } from '../../src/shared/links'
import { startInProcessApp, type InProcessApp } from './helpers/in-process-app'
import { testBucketDestination } from './helpers/test-keychain'

let primary: TestS3
let mirror: TestS3
let work: string
let app: InProcessApp

beforeAll(async () => {
  // Both local: the mirror's bucket is a second, separate server.
  ;[primary, mirror] = await Promise.all([
    startTestS3({ local: true }),
    startTestS3({ local: true }),
  ])
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mirror-app-'))
  app = startInProcessApp({ dataDir: path.join(work, 'data'), syncSettleMs: 200 })
  const mirrorId = app.settings
    // Objects keep their key on the mirror (prefix included): the same prefix keeps it readable.
    .saveDestination(testBucketDestination(mirror, 'Backup', { prefix: primary.prefix }))
    .destinations.find((d) => d.name === 'Backup')!.id
  const view = app.settings.saveDestination(
    testBucketDestination(primary, 'Main', { mirrors: [mirrorId] }),
  )
  app.settings.setDefaultDestination(view.destinations.find((d) => d.name === 'Main')!.id)
})
afterAll(async () => {
  await app?.close()
  await Promise.all([primary?.stop(), mirror?.stop()])
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

/** The keys under the destinations' prefix on a server. */
async function relativeKeys(s3: TestS3): Promise<string[]> {
  return (await listKeys(s3, primary.prefix)).sort()
}

async function expectSameObjects(rel: readonly string[]): Promise<void> {
  for (const k of rel) {
    const [a, b] = await Promise.all([getObjectBytes(primary, k), getObjectBytes(mirror, k)])
    expect(b.length).toBeGreaterThan(0)
    expect(b.equals(a), `${k} differs between primary and mirror`).toBe(true)
  }
}

describe('mirrors in the app (AppService)', () => {
  it('an app upload lands the same objects on the primary and its mirror, and says so', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'drop-'))
    for (const name of ['exif-samples__jpg_Canon_40D.jpg', 'sharp__with-alpha.png'])
      fs.copyFileSync(path.join(CORPUS, name), path.join(dir, name))
    await app.service.addPaths([dir])
    const jobs = () => app.service.getQueue().jobs
    await until('both jobs done and mirrored', () => {
      const js = jobs()
      return js.length === 2 && js.every((j) => j.state === 'done' && j.mirror?.state === 'done')
    })
    for (const j of jobs())
      expect(j.mirror).toEqual({ state: 'done', mirrors: ['Backup'], error: null })

    const onPrimary = await relativeKeys(primary)
    expect(onPrimary.length).toBeGreaterThanOrEqual(2)
    expect(await relativeKeys(mirror)).toEqual(onPrimary)
    await expectSameObjects(onPrimary)

    // Links from the primary; each output carries the mirror's URL for the same key.
    const files = app.service.links.getFinished(jobs().map((j) => j.id))
    expect(files).toHaveLength(2)
    for (const o of files.flatMap((f) => f.outputs)) {
      expect(o.url.startsWith(primary.endpoint)).toBe(true)
      expect(o.mirrors).toEqual([
        { mirror: 'Backup', url: expect.stringContaining(mirror.endpoint), state: 'done' },
      ])
      expect(o.mirrors![0]!.url.endsWith(o.key)).toBe(true)
      const fallback = await fetch(o.mirrors![0]!.url)
      expect(fallback.status).toBe(200)
      expect(Buffer.from(await fallback.arrayBuffer()).length).toBe(o.bytes)
    }

    // Copying "as on the mirror" gives the mirror's URLs in the chosen format.
    const copied = await app.service.links.copyLinks([files[0]!.id], 'url', 'Backup')
    const main = primaryOutput(files[0]!.outputs)!
    expect(copied.text).toBe(main.mirrors![0]!.url)
    expect(app.clipboard.at(-1)).toBe(main.mirrors![0]!.url)
  })

  it('signs a private mirror’s fallback links, which then fetch the same bytes', async () => {
    const backup = app.settings.view().destinations.find((d) => d.name === 'Backup')!
    app.settings.saveDestination(
      testBucketDestination(mirror, 'Backup', {
        id: backup.id,
        prefix: primary.prefix,
        private: true,
        expiresIn: 600,
      }),
    )
    const ids = app.service
      .getQueue()
      .jobs.filter((j) => j.state === 'done')
      .map((j) => j.id)
    const files = await app.service.links.getFinishedWithFreshLinks(ids)
    const outputs = files.flatMap((f) => f.outputs)
    expect(outputs.length).toBeGreaterThan(0)
    for (const o of outputs) {
      const url = new URL(o.mirrors![0]!.url)
      expect(url.origin).toBe(new URL(mirror.endpoint).origin)
      expect(url.searchParams.get('X-Amz-Expires')).toBe('600')
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/)
      const got = await fetch(url)
      expect(got.status).toBe(200)
      expect(Buffer.from(await got.arrayBuffer()).length).toBe(o.bytes)
    }
    // The primary's links stay as they were (public).
    expect(outputs.every((o) => !o.url.includes('X-Amz-Signature'))).toBe(true)
  })

  it('a sync pass to that destination mirrors every object too', async () => {
    const folder = fs.mkdtempSync(path.join(work, 'synced-'))
    fs.copyFileSync(
      path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg'),
      path.join(folder, 'gps.jpg'),
    )
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'synced and mirrored\n'.repeat(50))
    const before = new Set(await relativeKeys(primary))
    const mainId = app.settings.view().destinations.find((d) => d.name === 'Main')!.id
    const pair = await app.service.sync.add(folder, {
      destinationId: mainId,
      preset: 'web',
      include: [],
      exclude: [],
    })
    await app.service.sync.run(pair.id)
    let added: string[] = []
    await until('the pass on the primary and its copies on the mirror', async () => {
      added = (await relativeKeys(primary)).filter((k) => !before.has(k))
      if (added.length < 2) return false
      const onMirror = new Set(await relativeKeys(mirror))
      return added.every((k) => onMirror.has(k))
    })
    expect(added.some((k) => k.endsWith('.txt'))).toBe(true)
    await expectSameObjects(added)
    expect((await relativeKeys(mirror)).sort()).toEqual((await relativeKeys(primary)).sort())
  })
})
