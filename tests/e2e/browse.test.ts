// The Browse view in Chromium, on the real core process and a real S3 server: a destination's
// folders by `/`, 1,200 objects under one folder listed page by page in a virtualised list, a
// search by name prefix, an upload of this app with its thumbnail and "In history", the orphans
// another data dir uploaded (found, counted, adopted), and a delete after the confirmation
// that removes the object from the server.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { CORPUS } from '../helpers/fixtures'
import sharp from 'sharp'
import {
  getObjectBytes,
  getObjectInfo,
  listKeys,
  startTestS3,
  type TestS3,
} from '../helpers/s3server'
import { startTestApp, testBucketDestination, until, type TestApp } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { saveScreenshot } from './helpers/shots'
import { serveDirectory, type StaticServer } from './helpers/static-server'

warnIfNoChromium('browse view test')
const VIEWPORT = { width: 1100, height: 760 }
const MANY = 1200

describe.skipIf(!hasChromium)('the Browse view, on the real core', () => {
  let s3: TestS3
  let server: StaticServer
  let browser: Browser
  let app: TestApp
  let bridged: BridgedPage
  let page: Page
  let work: string
  let ownKeys: string[] = []
  let smallestKey = ''
  let orphanKeys: string[] = []

  beforeAll(async () => {
    ensureBuilt()
    s3 = await startTestS3()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-e2e-browse-'))
    app = await startTestApp({ dataDir: path.join(work, 'data') })
    await app.call('saveDestination', testBucketDestination(s3, 'Blog images'))
    // 1,200 objects in one folder (not Upshot's key shape: not orphans).
    let next = 0
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < MANY) {
          const i = next++
          await s3.client.send(
            new PutObjectCommand({
              Bucket: s3.bucket,
              Key: `${s3.prefix}/many/item-${String(i).padStart(5, '0')}.txt`,
              Body: `item ${i}`,
            }),
          )
        }
      }),
    )
    // A photo uploaded by this app...
    const own = path.join(work, 'castle.jpg')
    fs.copyFileSync(path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg'), own)
    expect(await app.call('addPaths', [own])).toEqual({ added: 1 })
    await until('the upload to finish', async () => (await app.queue()).overall.idle)
    const finished = await app.call(
      'getFinished',
      (await app.queue()).jobs.map((j) => j.id),
    )
    ownKeys = finished.flatMap((f) => f.outputs.map((o) => o.key))
    expect(ownKeys.length).toBeGreaterThan(1)
    smallestKey = [...finished[0]!.outputs].sort((a, b) => a.bytes - b.bytes)[0]!.key
    // Browse's thumbnails come from the bucket: the photo on this computer is gone.
    fs.rmSync(own)
    // ...and one from another data dir: orphans to this one.
    const other = path.join(work, 'market.jpg')
    fs.copyFileSync(path.join(CORPUS, 'exif-samples__jpg_mobile_jolla.jpg'), other)
    const up = await runCli(
      [
        'upload',
        other,
        '--to',
        `s3://${s3.bucket}/${s3.prefix}`,
        '--endpoint',
        s3.endpoint,
        '--region',
        s3.region,
        '--path-style',
        '--data-dir',
        path.join(work, 'other'),
        '--json',
      ],
      {
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_PROFILE: '',
      },
    )
    expect(up.code, up.stderr).toBe(0)
    orphanKeys = (
      JSON.parse(up.stdout) as { jobs: { outputs: { key: string }[] }[] }
    ).jobs[0]!.outputs.map((o) => o.key)
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
    bridged = await openBridgedPage(browser, server.url, app, { paths: {}, viewport: VIEWPORT })
    page = bridged.page
  }, 300_000)

  afterAll(async () => {
    bridged?.detach()
    await browser?.close()
    await server?.close()
    await app?.close()
    await s3?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  const list = () => page.getByRole('list', { name: 'Browse the bucket' })
  const count = () => page.getByTestId('browse-count')

  it('shows the folders by / and pages through 1,200 objects in a virtualised list', async () => {
    await page.getByRole('tab', { name: 'Browse' }).click()
    await page.getByLabel('Destination').selectOption({ label: 'Blog images' })
    const ownDir = ownKeys[0]!.split('/').at(-2)!
    await list().getByRole('button', { name: ownDir }).waitFor()
    await list().getByRole('button', { name: 'many' }).click()
    await page.getByText('500 objects, 0 folders, more below').waitFor()
    // Scrolled to the end, page after page, until the listing ends.
    for (let i = 0; i < 10 && !(await count().textContent())?.startsWith('1,200 objects'); i++) {
      await list().evaluate((el) => el.scrollTo(0, el.scrollHeight))
      await page.waitForTimeout(300)
    }
    expect(await count().textContent()).toBe('1,200 objects, 0 folders')
    // Only the rows in view are in the page.
    const rows = await list().getByRole('listitem').count()
    expect(rows).toBeGreaterThan(5)
    expect(rows).toBeLessThan(40)
    // The last page's rows were added below: at the end now, the last object is there.
    await list().evaluate((el) => el.scrollTo(0, el.scrollHeight))
    await list().getByText('item-01199.txt').waitFor()
  })

  it('searches by name prefix', async () => {
    await page.getByLabel('Names starting with…').fill('item-0011')
    await page.getByText('10 objects, 0 folders').waitFor()
    const names = await list().locator('.vlist__name').allTextContents()
    expect(names).toEqual(Array.from({ length: 10 }, (_, i) => `item-0011${i}.txt`))
    await page.getByLabel('Names starting with…').fill('')
  })

  it('shows an upload of this app with its thumbnail, and its folder by /', async () => {
    await page
      .getByRole('button', { name: `${s3.prefix}` })
      .first()
      .click()
    const dir = ownKeys[0]!.split('/').at(-2)!
    await list().getByRole('button', { name: dir }).click()
    await page.getByText(`${ownKeys.length} objects, 0 folders`).waitFor()
    expect(await list().getByText('In history').count()).toBe(ownKeys.length)
    // The thumbnail is a real picture (a data: URL the core made from the smallest variant in
    // the bucket, the local photo being gone), not the placeholder icon.
    await list().locator('img').first().waitFor()
    const src = (await list().locator('img').first().getAttribute('src')) ?? ''
    expect(src).toMatch(/^data:image\/webp;base64,/)
    const thumb = sharp(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64'))
    const variant = sharp(await getObjectBytes(s3, smallestKey))
    const meta = await variant.metadata()
    const scale = Math.min(96 / meta.width!, 96 / meta.height!, 1)
    const info = await thumb.metadata()
    expect([info.width, info.height]).toEqual([
      Math.round(meta.width! * scale),
      Math.round(meta.height! * scale),
    ])
    // Its colours are the variant's: mean of each channel within a few levels.
    const [a, b] = await Promise.all([
      thumb.stats(),
      variant.clone().resize(info.width, info.height, { fit: 'fill' }).stats(),
    ])
    for (let c = 0; c < 3; c++)
      expect(Math.abs(a.channels[c]!.mean - b.channels[c]!.mean)).toBeLessThan(6)
  })

  it('finds the orphans another data dir uploaded, with their total size, and adopts one upload', async () => {
    await page.getByRole('button', { name: 'Find orphans' }).click()
    await page.getByText(new RegExp(`^${orphanKeys.length} orphans \\(`)).waitFor()
    expect(await count().textContent()).toContain(
      'This store cannot list unfinished multipart uploads.',
    )
    const shown = (await list().locator('.vlist__name').allTextContents()).sort()
    expect(shown).toEqual(orphanKeys.map((k) => k.slice(s3.prefix.length + 1)).sort())
    await saveScreenshot(page, 'browse-orphans')
    for (const k of orphanKeys) await page.getByLabel(`Select ${k.split('/').at(-1)}`).check()
    await page.getByRole('button', { name: 'Adopt into history' }).click()
    await page.getByText('0 orphans').first().waitFor()
    const history = await app.call('getHistory', { limit: 10 })
    expect(history.items.map((i) => path.basename(i.source)).sort()).toEqual([
      'castle.jpg',
      'market.jpg',
    ])
  })

  it("deletes an upload's objects after the confirmation, from the server too", async () => {
    // From the orphans back to the folder the view was in: the app's own upload.
    await page.getByRole('button', { name: '← Back to the folder' }).click()
    await page.getByText(`${ownKeys.length} objects, 0 folders`).waitFor()
    const dir = ownKeys[0]!.split('/').at(-2)!
    const first = ownKeys[0]!.split('/').at(-1)!
    await page.getByLabel(`Select ${first}`).check()
    await page.getByRole('button', { name: 'Delete' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete 1 object?' })
    await dialog.waitFor()
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await page.getByText(`Deleted ${ownKeys.length} objects.`).waitFor()
    for (const k of ownKeys) expect(await getObjectInfo(s3, k)).toBeNull()
    expect((await listKeys(s3, s3.prefix)).filter((k) => k.includes(`/${dir}/`))).toEqual([])
  })
})
