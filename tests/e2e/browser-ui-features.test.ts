// The rest of the window's features, in Chromium against `upshot ui` itself (the built CLI, real
// HTTP, no test bridge): Add folder (a real folder chooser, webkitdirectory), a pasted image,
// deleting from the bucket, the connection test, a preset's preview on a photo and a sync folder,
// both chosen in the core-served chooser (paths on the computer that runs Upshot).

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS } from '../helpers/fixtures'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startUi, type UiServer } from '../helpers/ui-server'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { ensureBuilt } from './helpers/build'
import { saveScreenshot } from './helpers/shots'
import { testBucketDestination } from './helpers/test-keychain'

warnIfNoChromium('upshot ui features test')

const PHOTO = path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg')

interface Finished {
  outputs: { key: string; bytes: number }[]
}
interface QueueJob {
  id: string
  name: string
  source: string
  state: string
}

/** A request over a WebSocket of the page's own origin, as the app's code sends it. */
async function ask<T>(page: Page, cmd: string, args: unknown[] = []): Promise<T> {
  return page.evaluate(
    ([c, a]) =>
      new Promise<T>((resolve, reject) => {
        const ws = new window.WebSocket(`ws://${location.host}/api/ws`)
        ws.onopen = () => ws.send(JSON.stringify({ t: 'request', id: 1, cmd: c, args: a }))
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data)) as {
            t: string
            result: { ok: boolean; value?: unknown }
          }
          if (m.t !== 'response') return
          ws.close()
          if (m.result.ok) resolve(m.result.value as T)
          else reject(new Error(JSON.stringify(m.result)))
        }
      }),
    [cmd, args] as const,
  )
}

describe.skipIf(!hasChromium)('the window’s features in a browser tab of upshot ui', () => {
  let s3: TestS3
  let ui: UiServer
  let browser: Browser
  let page: Page
  let work: string
  let album: string

  beforeAll(async () => {
    ensureBuilt()
    s3 = await startTestS3()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-ui-features-'))
    // A folder on "the computer that runs Upshot", with a subfolder.
    album = path.join(work, 'Album')
    fs.mkdirSync(path.join(album, 'Day two'), { recursive: true })
    fs.copyFileSync(PHOTO, path.join(album, 'castle.jpg'))
    fs.copyFileSync(
      path.join(CORPUS, 'exif-samples__jpg_mobile_jolla.jpg'),
      path.join(album, 'Day two', 'market.jpg'),
    )
    ui = await startUi({ dataDir: path.join(work, 'data') })
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1100, height: 740 } })
    page = await context.newPage()
    await page.goto(ui.link)
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
    await ask(page, 'saveDestination', [testBucketDestination(s3, 'Blog images')])
    await page.reload()
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    await ui?.stop()
    await s3?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  const waitForDone = (n: number): Promise<unknown> =>
    page.waitForFunction(
      (count) =>
        document.querySelectorAll('[data-testid="queue-row"][data-state="done"]').length === count,
      n,
      { timeout: 90_000 },
    )

  async function expectOnServer(name: string): Promise<void> {
    const job = (await ask<{ jobs: QueueJob[] }>(page, 'getQueue')).jobs.find(
      (j) => j.name === name && j.state === 'done',
    )
    expect(job, name).toBeDefined()
    const [finished] = await ask<Finished[]>(page, 'getFinished', [[job!.id]])
    expect(finished!.outputs.length).toBeGreaterThan(0)
    for (const o of finished!.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
  }

  it('uploads a whole folder chosen with Add folder, subfolders included, read in place', async () => {
    await page.getByRole('button', { name: 'Add folder' }).first().click()
    const chooser = page.getByTestId('path-chooser')
    await chooser.getByRole('heading', { name: 'Add a folder' }).waitFor()
    await chooser.getByLabel('Path').fill(work)
    await chooser.getByRole('button', { name: 'Go', exact: true }).click()
    await chooser.getByRole('button', { name: 'Album' }).click()
    // The folder's own images are shown (which folder is it?), not picked one by one.
    expect(await chooser.getByRole('button', { name: 'castle.jpg' }).isDisabled()).toBe(true)
    await saveScreenshot(page, 'browser-add-folder')
    await chooser.getByRole('button', { name: 'Add this folder' }).click()
    await waitForDone(2)
    const rows = await page
      .locator('[data-testid="queue-row"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))
    expect(rows.sort()).toEqual(['castle.jpg', 'market.jpg'])
    await expectOnServer('market.jpg')
    // The core read the folder where it is: nothing was sent, so nothing was staged.
    const jobs = (await ask<{ jobs: QueueJob[] }>(page, 'getQueue')).jobs
    expect(jobs.map((j) => j.source).sort()).toEqual([
      path.join(fs.realpathSync(album), 'Day two', 'market.jpg'),
      path.join(fs.realpathSync(album), 'castle.jpg'),
    ])
  })

  it('sends a folder from the browser instead, and removes the copies once uploaded', async () => {
    const other = path.join(work, 'Sent album')
    fs.mkdirSync(other)
    // Bytes of its own: a copy of castle.jpg would share its objects (and its delete below).
    await sharp({ create: { width: 96, height: 64, channels: 3, background: '#336699' } })
      .jpeg()
      .toFile(path.join(other, 'gate.jpg'))
    await page.getByRole('button', { name: 'Add folder' }).first().click()
    const [picker] = await Promise.all([
      page.waitForEvent('filechooser'),
      page
        .getByTestId('path-chooser')
        .getByRole('button', { name: 'Send from this browser…' })
        .click(),
    ])
    await picker.setFiles(other)
    await waitForDone(3)
    await expectOnServer('gate.jpg')
    // The folder the file came in travelled with it (and was removed with it once done).
    await expect
      .poll(() => fs.readdirSync(path.join(ui.dataDir, 'incoming')).length, { timeout: 10_000 })
      .toBe(0)
  })

  it('uploads an image pasted into the page', async () => {
    const bytes = fs.readFileSync(path.join(CORPUS, 'sharp__with-alpha.png')).toString('base64')
    await page.evaluate((b64) => {
      const data = new DataTransfer()
      const png = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      data.items.add(new File([png], 'Screenshot.png', { type: 'image/png' }))
      document.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      )
    }, bytes)
    await waitForDone(4)
    await expectOnServer('Screenshot.png')
  })

  it('sends a large photo with its progress on screen, whole, and uploads it', async () => {
    const big = path.join(work, 'Panorama.jpg')
    await sharp({
      create: {
        width: 4000,
        height: 3000,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 50 },
      },
    })
      .jpeg({ quality: 98 })
      .toFile(big)
    const size = fs.statSync(big).size
    expect(size).toBeGreaterThan(10 * 1024 ** 2)
    // Every percentage the bar shows while the bytes travel.
    await page.evaluate(() => {
      const seen: number[] = []
      ;(window as unknown as { seen: number[] }).seen = seen
      new MutationObserver(() => {
        const bar = document.querySelector<HTMLProgressElement>('[data-testid="transfer"] progress')
        if (bar && seen[seen.length - 1] !== bar.value) seen.push(bar.value)
      }).observe(document.body, { subtree: true, childList: true, attributes: true })
    })
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Add files' }).first().click(),
    ])
    await chooser.setFiles(big)
    await waitForDone(5)
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen)
    expect(seen.length).toBeGreaterThan(0)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(await page.getByTestId('transfer').count()).toBe(0)
    await expectOnServer('Panorama.jpg')
  })

  it('deletes an upload from the bucket from the history', async () => {
    const job = (await ask<{ jobs: QueueJob[] }>(page, 'getQueue')).jobs.find(
      (j) => j.name === 'castle.jpg',
    )!
    const [finished] = await ask<Finished[]>(page, 'getFinished', [[job.id]])
    const keys = finished!.outputs.map((o) => o.key)
    for (const key of keys) expect(await getObjectInfo(s3, key)).not.toBeNull()
    await page.getByRole('tab', { name: 'History' }).click()
    await page.getByText('5 of 5 uploads').waitFor()
    await page
      .getByTestId('history-row')
      .getByRole('button', { name: 'Delete from bucket: castle.jpg' })
      .click()
    const dialog = page.getByRole('dialog', { name: 'Delete 1 upload from the bucket?' })
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await page.getByText(`Deleted ${keys.length} objects.`).waitFor()
    for (const key of keys) expect(await getObjectInfo(s3, key)).toBeNull()
  })

  it('tests the destination’s connection from the settings', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    const dest = page.getByTestId('destination')
    await dest.getByRole('button', { name: 'Test connection' }).click()
    const report = page.getByTestId('connection-report')
    await report.getByText('Everything works.').waitFor({ timeout: 30_000 })
    expect(await report.textContent()).toContain('Write an object')
  })

  it('previews a preset on a photo chosen in the core’s folder browser', async () => {
    await ask(page, 'savePreset', [
      {
        name: 'Small',
        variants: [
          { name: 'thumb', fit: 'cover', width: 320, height: 180, formats: ['webp'], quality: 80 },
        ],
        watermark: null,
      },
      null,
    ])
    await page.reload()
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'Preview Small on a photo' }).click()
    const chooser = page.getByRole('dialog', { name: 'Choose a photo to preview' })
    // It starts at the home folder of the computer that runs Upshot.
    await expect.poll(() => chooser.getByLabel('Path').inputValue()).toBe(os.homedir())
    await chooser.getByLabel('Path').fill(album)
    await chooser.getByRole('button', { name: 'Go' }).click()
    const entries = chooser.getByRole('list', { name: 'Folder contents' }).getByRole('button')
    await entries.filter({ hasText: 'castle.jpg' }).waitFor()
    expect((await entries.allTextContents()).map((s) => s.trim())).toEqual([
      'Day two',
      'castle.jpg',
    ])
    await saveScreenshot(page, 'browser-chooser')
    await entries.filter({ hasText: 'castle.jpg' }).click()
    const preview = page.getByRole('region', { name: /^Small on / })
    await preview.waitFor({ timeout: 60_000 })
    const shown = await preview
      .getByTestId('preset-preview-variant')
      .locator('img')
      .evaluateAll((imgs) =>
        imgs.map((i) => [
          (i as HTMLImageElement).naturalWidth,
          (i as HTMLImageElement).naturalHeight,
        ]),
      )
    expect(shown).toEqual([[320, 180]])
  })

  it('syncs a folder of the computer that runs Upshot, chosen in the folder browser', async () => {
    await page.getByRole('tab', { name: 'Sync' }).click()
    await page.getByRole('button', { name: 'Sync a folder' }).click()
    const form = page.getByRole('form', { name: 'New sync pair' })
    await form.getByRole('button', { name: 'Choose…' }).click()
    const chooser = page.getByRole('dialog', { name: 'Choose a folder to sync' })
    await chooser.getByLabel('Path').fill(album)
    await chooser.getByRole('button', { name: 'Go' }).click()
    const entries = chooser.getByRole('list', { name: 'Folder contents' }).getByRole('button')
    await entries.filter({ hasText: 'Day two' }).waitFor()
    // Only folders are shown when a folder is wanted.
    expect((await entries.allTextContents()).map((s) => s.trim())).toEqual(['Day two'])
    await chooser.getByRole('button', { name: 'Choose this folder' }).click()
    await form.getByTestId('sync-folder').getByText(album).waitFor()
    await form.getByLabel('Destination').selectOption({ label: 'Blog images' })
    await form.getByRole('button', { name: 'Add pair' }).click()
    const card = page.getByTestId('sync-pair')
    await card.getByRole('button', { name: 'Preview' }).click()
    await page
      .getByRole('region', { name: 'Plan for Album' })
      .getByRole('button', { name: 'Run now' })
      .click()
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="sync-pair"]')?.getAttribute('data-up-to-date') ===
        'true',
      undefined,
      { timeout: 90_000 },
    )
    expect(await card.getByTestId('sync-counts').textContent()).toMatch(/^2 files online/)
  })
})
