// The whole app in Chromium against `upshot ui` itself (the built CLI as a real process), over
// real HTTP and a real WebSocket, with no test bridge: the page builds its own window.upshot. A
// user adds photos through "Add files" (a real file chooser) and by a drop, sees the rows finish,
// copies Markdown and <picture> (the browser's clipboard) whose links resolve on the S3 server,
// finds the uploads in the history, retries a failed file, and types keys that never come back.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS } from '../helpers/fixtures'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startUi, type UiServer } from '../helpers/ui-server'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { ensureBuilt } from './helpers/build'
import { saveScreenshot } from './helpers/shots'
import { testBucketDestination } from './helpers/test-keychain'

warnIfNoChromium('upshot ui e2e test')
const VIEWPORT = { width: 1100, height: 740 }

const PICKED: [file: string, as: string][] = [
  ['bench/exif-samples__jpg_hdr_iphone_hdr_YES.jpg', 'Harbour at dusk.jpg'],
  ['exif-samples__jpg_mobile_jolla.jpg', 'Market street.jpg'],
  ['sharp__with-alpha.png', 'Logo with alpha.png'],
]

/** A request over the page's own WebSocket, as the app's code sends it. */
async function ask(page: Page, cmd: string, args: unknown[]): Promise<unknown> {
  return page.evaluate(
    ([c, a]) =>
      new Promise((resolve, reject) => {
        const ws = new window.WebSocket(`ws://${location.host}/api/ws`)
        ws.onopen = () => ws.send(JSON.stringify({ t: 'request', id: 1, cmd: c, args: a }))
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data)) as {
            t: string
            result: { ok: boolean; value?: unknown }
          }
          if (m.t !== 'response') return
          ws.close()
          if (m.result.ok) resolve(m.result.value)
          else reject(new Error(JSON.stringify(m.result)))
        }
      }),
    [cmd, args] as const,
  )
}

describe.skipIf(!hasChromium)('upshot ui in Chromium', () => {
  let s3: TestS3
  let ui: UiServer
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let work: string

  beforeAll(async () => {
    ensureBuilt()
    s3 = await startTestS3()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-ui-e2e-'))
    for (const [file, as] of PICKED) fs.copyFileSync(path.join(CORPUS, file), path.join(work, as))
    ui = await startUi({ dataDir: path.join(work, 'data') })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light' })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.origin })
    page = await context.newPage()
    await page.goto(ui.link)
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
    await ask(page, 'saveDestination', [testBucketDestination(s3, 'Blog images')])
    await ask(page, 'savePreferences', [{ linkFormat: 'markdown' }])
    // The page reads the settings afresh (the session cookie stays).
    await page.reload()
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    await ui?.stop()
    await s3?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  const rows = (state: string) =>
    page.locator(`[data-testid="queue-row"][data-state="${state}"]`).count()

  it('knows it runs in a browser, and hides what only the window does', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByTestId('window-only').waitFor()
    expect(await page.getByText('Open Upshot at login').count()).toBe(0)
    expect(await page.getByTestId('secret-store').textContent()).toMatch(
      /secret\.key, a file only your user can read/,
    )
    // The key typed through the socket is stored, sealed, and never comes back to the page.
    const settings = fs.readFileSync(path.join(ui.dataDir, 'settings.json'), 'utf8')
    expect(settings).toContain('upshot-file:v1:')
    expect(settings).not.toContain(s3.secretAccessKey)
    expect(await page.content()).not.toContain(s3.secretAccessKey)
    expect(fs.statSync(path.join(ui.dataDir, 'secret.key')).mode & 0o777).toBe(0o600)
    await page.getByTestId('destination').getByText('Keys stored, encrypted').waitFor()
    await page.getByTestId('secret-store').scrollIntoViewIfNeeded()
    await saveScreenshot(page, 'browser-settings')
    await page.getByRole('tab', { name: 'Settings' }).scrollIntoViewIfNeeded()
    await page.getByRole('tab', { name: 'Queue' }).click()
  })

  it('uploads photos chosen with Add files: they travel to the core and finish', async () => {
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Add files' }).first().click(),
    ])
    expect(chooser.isMultiple()).toBe(true)
    await chooser.setFiles(PICKED.map(([, as]) => path.join(work, as)))
    await page
      .waitForFunction(
        () =>
          document.querySelectorAll('[data-testid="queue-row"][data-state="done"]').length === 3,
        undefined,
        { timeout: 90_000 },
      )
      .catch(async (err: unknown) => {
        const states = await page
          .locator('[data-testid="queue-row"]')
          .evaluateAll((els) =>
            els.map(
              (e) =>
                `${e.getAttribute('data-name')}:${e.getAttribute('data-state')}:${e.textContent}`,
            ),
          )
        throw new Error(`${String(err)}\n${states.join('\n')}\n${ui.output()}`)
      })
    const names = await page
      .locator('[data-testid="queue-row"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))
    expect(names.sort()).toEqual(PICKED.map(([, as]) => as).sort())
    await saveScreenshot(page, 'browser-queue')
    // Staged bytes leave the data dir once their upload is done.
    await expect
      .poll(() => fs.readdirSync(path.join(ui.dataDir, 'incoming')).length, { timeout: 10_000 })
      .toBe(0)
  })

  it('uploads dropped files, and shows a broken file’s sentence', async () => {
    const photo = fs.readFileSync(path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg'))
    const broken = fs.readFileSync(path.join(CORPUS, 'sharp__truncated.jpg'))
    await page.evaluate(
      ([a, b]) => {
        const bytes = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
        const data = new DataTransfer()
        data.items.add(new File([bytes(a)], 'Castle gate.jpg', { type: 'image/jpeg' }))
        data.items.add(new File([bytes(b)], 'Broken download.jpg', { type: 'image/jpeg' }))
        document.body.dispatchEvent(
          new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
        )
      },
      [photo.toString('base64'), broken.toString('base64')] as const,
    )
    const brokenRow = page.locator('[data-testid="queue-row"][data-name="Broken download.jpg"]')
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="queue-row"][data-state="done"]').length === 4 &&
        document.querySelectorAll('[data-testid="queue-row"][data-state="failed"]').length === 1,
      undefined,
      { timeout: 90_000 },
    )
    expect(await brokenRow.getByRole('note').textContent()).toMatch(/damaged|truncated|incomplete/i)
  })

  it('copies Markdown and <picture> to the browser’s clipboard, with links that resolve', async () => {
    await page.getByRole('tab', { name: /Results/ }).click()
    await page.getByTestId('result-row').first().waitFor()
    await page.getByRole('button', { name: 'Select all' }).click()
    await page.getByRole('button', { name: /^Copy \d+ links$/ }).click()
    await page.getByText(/Copied Markdown for 4 files/).waitFor()
    const markdown = await page.evaluate(() => navigator.clipboard.readText())
    expect(markdown.split('\n')).toHaveLength(4)
    expect(markdown).toMatch(/^!\[Harbour at dusk\]\(http:\/\/127\.0\.0\.1:\d+\/\S+\)$/m)
    await page.getByRole('button', { name: 'Select none' }).click()
    await page.getByTestId('result-row').first().getByRole('button').click()
    const detail = page.getByTestId('result-detail')
    // The file is named as it was sent, not by the core's staging copy.
    expect(await detail.locator('.detail__source').textContent()).toMatch(
      /^Sent from a browser: (Harbour at dusk|Market street|Logo with alpha|Castle gate)\.(jpg|png)$/,
    )
    await detail.getByRole('button', { name: 'Copy HTML <picture>' }).click()
    await page.getByText(/Copied HTML <picture> for 1 file/).waitFor()
    const picture = await page.evaluate(() => navigator.clipboard.readText())
    expect(picture).toMatch(/^<picture>\n/)
    const urls = [
      ...markdown.matchAll(/\((http[^)]+)\)/g),
      ...picture.matchAll(/(http[^" ,]+)/g),
    ].map((m) => m[1]!)
    expect(urls.length).toBeGreaterThan(4)
    for (const url of urls) {
      const key = decodeURIComponent(new URL(url).pathname.split('/').slice(2).join('/'))
      expect(await getObjectInfo(s3, key), url).not.toBeNull()
      const res = await fetch(url)
      expect(res.status, url).toBe(200)
    }
    await saveScreenshot(page, 'browser-results')
  })

  it('finds the uploads in the history', async () => {
    await page.getByRole('tab', { name: 'History' }).click()
    await page.getByText('5 of 5 uploads').waitFor()
    await page.getByRole('searchbox', { name: 'Search by name' }).fill('harbour')
    await page.getByText('1 of 1 upload').waitFor()
    expect(await page.getByTestId('history-row').first().textContent()).toContain(
      'Harbour at dusk.jpg',
    )
    await page.getByRole('searchbox', { name: 'Search by name' }).fill('')
    await page.getByText('5 of 5 uploads').waitFor()
    await saveScreenshot(page, 'browser-history')
  })

  it('retries a failed file once its destination is fixed', async () => {
    const missing = `${s3.bucket}-later`
    const view = (await ask(page, 'saveDestination', [
      testBucketDestination(s3, 'Later bucket', { bucket: missing }),
    ])) as { destinations: { id: string; name: string }[] }
    const later = view.destinations.find((d) => d.name === 'Later bucket')!
    await ask(page, 'setDefaultDestination', [later.id])
    await page.getByRole('tab', { name: 'Queue' }).click()
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Add files' }).first().click(),
    ])
    await chooser.setFiles([path.join(work, 'Market street.jpg')])
    const row = page.locator(
      '[data-testid="queue-row"][data-name="Market street.jpg"][data-state="failed"]',
    )
    await row.waitFor({ timeout: 60_000 })
    expect(await row.getByRole('note').textContent()).toMatch(/bucket/i)
    await s3.client.send(new CreateBucketCommand({ Bucket: missing }))
    // The first test's row of the same name is done already: wait for both, and for the retried
    // row to leave the failed ones (only the broken download stays failed).
    await row.getByRole('button', { name: 'Retry Market street.jpg' }).click()
    await page.waitForFunction(
      () =>
        document.querySelectorAll(
          '[data-testid="queue-row"][data-name="Market street.jpg"][data-state="done"]',
        ).length === 2,
      undefined,
      { timeout: 60_000 },
    )
    expect(await rows('failed')).toBe(1)
    // Retry used the bytes the browser sent before, and then let them go: only the broken
    // download's copy stays (kept for its own Retry).
    const staged = () =>
      fs
        .readdirSync(path.join(ui.dataDir, 'incoming'), { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name)
    await expect.poll(staged, { timeout: 10_000 }).toEqual(['Broken download.jpg'])
  })
})
