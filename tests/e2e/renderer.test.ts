// The built renderer in Debian's Chromium, driving the real core process: window.upshot is the
// preload's own API, its commands relayed over the core's private channel as Electron's main
// process relays them (helpers/bridge.ts); the core uploads to a local S3 server through a
// throttling proxy. What a user sees is checked: dropped files become
// rows that progress and finish, the copied Markdown and <picture> are right, the history lists
// the uploads and deletes them from the bucket, a broken file shows its sentence and retries,
// the settings never show a secret, and the CSP holds throughout. Screenshots of each view go
// to docs/screenshots/.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RENDERER_CSP } from '../../src/shared/csp'
import { formatLink, formatLinks } from '../../src/shared/links'
import { startProxy, type TestProxy } from '../helpers/proxy'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startTestApp, type TestApp, testBucketDestination } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { saveScreenshot } from './helpers/shots'
import { serveDirectory, type StaticServer } from './helpers/static-server'
import { CORPUS } from '../helpers/fixtures'

warnIfNoChromium('renderer test')
const VIEWPORT = { width: 1100, height: 740 }
const SECRET = 'Sx9kQ2mR7vTzL4pW8nB3yH6cJ1fD5gK0aE-secret'

/** Photos a user might drop; the last one is a truncated JPEG that must fail clearly. */
const DROPPED: [file: string, as: string][] = [
  ['bench/exif-samples__jpg_hdr_iphone_hdr_YES.jpg', 'Harbour at dusk.jpg'],
  ['exif-samples__jpg_mobile_jolla.jpg', 'Market street.jpg'],
  ['bench/exif-samples__jpg_hdr_canon_hdr_NO.jpg', 'Garden wall.jpg'],
  ['exif-samples__jpg_gps_DSCN0010.jpg', 'Castle gate.jpg'],
  ['bench/exif-samples__jpg_tests_36-memory_error.jpg', 'Old bridge.jpg'],
  ['exif-samples__jpg_orientation_portrait_6.jpg', 'Portrait.jpg'],
  ['sharp__with-alpha.png', 'Logo with alpha.png'],
  ['sharp__4.webp', 'Sketch.webp'],
  ['sharp__truncated.jpg', 'Broken download.jpg'],
]
const BROKEN = 'Broken download.jpg'

describe.skipIf(!hasChromium)('the desktop app window in Chromium, on the real core', () => {
  let s3: TestS3
  let proxy: TestProxy
  let server: StaticServer
  let browser: Browser
  let app: TestApp
  let bridged: BridgedPage
  let page: Page
  let work: string
  const paths: Record<string, string> = {}

  beforeAll(async () => {
    ensureBuilt()
    s3 = await startTestS3()
    proxy = await startProxy(s3.endpoint)
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-e2e-'))
    const photos = path.join(work, 'Photos')
    fs.mkdirSync(photos)
    for (const [file, as] of DROPPED) {
      paths[as] = path.join(photos, as)
      fs.copyFileSync(path.join(CORPUS, file), paths[as])
    }
    app = await startTestApp({
      dataDir: path.join(work, 'data'),
      prefs: { concurrency: 2, linkFormat: 'markdown' },
      // Long enough to see the window say so when the core is killed.
      supervisor: { restartDelaysMs: [1500] },
    })
    await app.call(
      'saveDestination',
      testBucketDestination(s3, 'Blog images', { endpoint: proxy.url }),
    )
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
    bridged = await openBridgedPage(browser, server.url, app, { paths, viewport: VIEWPORT })
    page = bridged.page
  })

  afterAll(async () => {
    bridged?.detach()
    await browser?.close()
    await server?.close()
    await app?.close()
    await proxy?.close()
    await s3?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  async function shot(name: string): Promise<void> {
    await saveScreenshot(page, name)
  }

  function rowsIn(state: string): Promise<number> {
    return page.locator(`[data-testid="queue-row"][data-state="${state}"]`).count()
  }

  it('carries the shared CSP, which blocks inline script', async () => {
    const meta = await page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content')
    expect(meta).toBe(RENDERER_CSP)
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script')
      script.textContent = 'window.__inlineRan = true'
      document.head.append(script)
      await new Promise((resolve) => setTimeout(resolve, 50))
      return (window as { __inlineRan?: boolean }).__inlineRan === true
    })
    expect(ran).toBe(false)
    // Refused by both copies of the policy: the response header (as the app:// handler sends
    // it) and the meta tag.
    expect(await bridged.cspViolations()).toEqual(['script-src-elem', 'script-src-elem'])
    await page.evaluate(() => {
      ;(window as unknown as { __cspViolations: string[] }).__cspViolations.length = 0
    })
  })

  it('starts empty, inviting a drop', async () => {
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
    expect(await page.title()).toBe('Upshot')
    expect(await page.getByRole('tab', { name: 'Queue' }).getAttribute('aria-selected')).toBe(
      'true',
    )
    await shot('empty')
  })

  it('uploads dropped files: rows progress with speed, then finish', async () => {
    // Slow link: the queue is caught mid-upload.
    proxy.setBandwidth(350 * 1024)
    const notCanceled = await page.evaluate(async (names) => {
      const data = new DataTransfer()
      for (const name of names) data.items.add(new File(['x'], name, { type: 'image/jpeg' }))
      const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true })
      return document.body.dispatchEvent(drop)
    }, Object.keys(paths))
    // The page took the drop (a real drop would otherwise open the file in place of the app).
    expect(notCanceled).toBe(false)
    await page.locator('[data-testid="queue-row"]').first().waitFor()
    await page.waitForFunction(
      () => {
        const rows = [
          ...document.querySelectorAll('[data-testid="queue-row"][data-state="uploading"]'),
        ]
        return (
          rows.some((r) => /\/s/.test(r.textContent ?? '')) &&
          document.querySelectorAll('[data-testid="queue-row"][data-state="done"]').length >= 1
        )
      },
      undefined,
      { timeout: 90_000 },
    )
    expect(await page.getByTestId('overall-count').textContent()).toMatch(/of 9 files done/)
    await shot('queue-mid-upload')

    proxy.setBandwidth(0)
    await page.waitForFunction(
      () =>
        document.querySelectorAll(
          '[data-testid="queue-row"][data-state="done"], [data-testid="queue-row"][data-state="failed"]',
        ).length === 9,
      undefined,
      { timeout: 120_000 },
    )
    expect(await rowsIn('done')).toBe(8)
    expect(await rowsIn('failed')).toBe(1)
  })

  it('shows a broken file’s sentence, and retries it once it is fixed', async () => {
    const row = page.locator(`[data-testid="queue-row"][data-name="${BROKEN}"]`)
    expect(await row.getAttribute('data-state')).toBe('failed')
    const error = (await app.queue()).jobs.find((j) => j.name === BROKEN)!.error!
    expect(error.code).toBe('CORRUPT_IMAGE')
    expect(await row.getByRole('note').textContent()).toBe(error.message)
    await row.scrollIntoViewIfNeeded()
    await shot('error')

    fs.copyFileSync(
      path.join(CORPUS, 'exif-samples__jpg_orientation_landscape_3.jpg'),
      paths[BROKEN]!,
    )
    await row.getByRole('button', { name: `Retry ${BROKEN}` }).click()
    await page.waitForFunction(
      (name) =>
        document
          .querySelector(`[data-testid="queue-row"][data-name="${name}"]`)
          ?.getAttribute('data-state') === 'done',
      BROKEN,
      { timeout: 60_000 },
    )
    expect(await rowsIn('done')).toBe(9)
  })

  it('shows each result’s variants and copies the right Markdown and <picture>', async () => {
    await page.getByRole('tab', { name: /Results/ }).click()
    await page.getByTestId('result-row').first().waitFor()
    const ids = (await app.queue()).jobs.map((j) => j.id)
    const files = await app.call('getFinished', ids)
    const first = files[0]!

    const detail = page.getByTestId('result-detail')
    await detail.getByRole('heading', { name: first.name }).waitFor()
    expect(await detail.locator('table tbody tr').count()).toBe(first.outputs.length)
    const item = { name: first.name, outputs: first.outputs }
    expect(await detail.locator('pre[data-format="markdown"]').textContent()).toBe(
      formatLink('markdown', item),
    )
    await detail.getByRole('button', { name: 'Copy HTML <picture>' }).click()
    await page.getByText(/Copied HTML <picture> for 1 file/).waitFor()
    const picture = app.clipboard.at(-1)!
    expect(picture).toBe(formatLink('picture', item))
    expect(picture).toMatch(
      /^<picture>\n {2}<img src="http:\/\/127\.0\.0\.1:\d+\/[^"]+-full\.webp" srcset="[^"]+ \d+w(, [^"]+ \d+w)*" sizes="100vw" width="\d+" height="\d+" alt="Harbour at dusk" loading="lazy" decoding="async">\n<\/picture>$/,
    )
    // Every URL in it is an object that is really on the server, with the size the ledger says.
    for (const o of first.outputs.filter((o) => picture.includes(o.url))) {
      expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
    }

    // Several at once: one Markdown line per file, in queue order.
    await page.getByRole('button', { name: 'Select all' }).click()
    await page.getByRole('button', { name: 'Copy 9 links' }).click()
    await page.getByText(/Copied Markdown for 9 files/).waitFor()
    expect(app.clipboard.at(-1)).toBe(
      formatLinks(
        'markdown',
        files.map((f) => ({ name: f.name, outputs: f.outputs })),
      ),
    )
    await page.getByRole('button', { name: 'Select none' }).click()
    await page.getByTestId('result-row').nth(1).getByRole('button').click()
    await detail.getByRole('heading', { name: files[1]!.name }).waitFor()
    await shot('results')
  })

  it('lists the uploads in the history, filters them, and deletes one from the bucket', async () => {
    await page.getByRole('tab', { name: 'History' }).click()
    const rows = page.getByTestId('history-row')
    await page.getByText('9 of 9 uploads').waitFor()
    expect(await rows.count()).toBe(9)
    expect(await page.getByRole('region', { name: 'Per destination' }).textContent()).toContain(
      'Blog images',
    )
    await shot('history')

    await page.getByRole('searchbox', { name: 'Search by name' }).fill('castle')
    await page.getByText('1 of 1 upload').waitFor()
    const castle = (await app.queue()).jobs.find((j) => j.name === 'Castle gate.jpg')!
    const keys = (await app.call('getFinished', [castle.id]))[0]!.outputs.map((o) => o.key)
    await rows.first().getByRole('button', { name: 'Delete from bucket: Castle gate.jpg' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete 1 upload from the bucket?' })
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await page.getByText(`Deleted ${keys.length} objects.`).waitFor()
    await page.locator('[data-testid="history-row"][data-status="deleted"]').waitFor()
    for (const key of keys) expect(await getObjectInfo(s3, key)).toBeNull()
    await page.getByRole('searchbox', { name: 'Search by name' }).fill('')
    await page.getByText('9 of 9 uploads').waitFor()
  })

  it('shows settings with the destination, never its secret, and tests the connection', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    const dest = page.getByTestId('destination')
    await dest.getByText('Blog images').waitFor()
    expect(await dest.textContent()).toContain('Keys stored, encrypted')
    await dest.getByRole('button', { name: 'Test connection' }).click()
    const report = page.getByTestId('connection-report')
    await report.getByText('Everything works.').waitFor({ timeout: 30_000 })
    expect(await report.textContent()).toContain('Write an object')
    await shot('settings')

    // Cleanup answers next to the destination: on s3rver, that the store cannot list them.
    await dest.getByRole('button', { name: 'Clean up unfinished uploads' }).click()
    const cleanup = page.getByTestId('cleanup-report')
    await cleanup
      .getByText(
        s3.strict
          ? /nothing to clean up|unfinished uploads? aborted/
          : /does not support listing unfinished multipart uploads/,
      )
      .waitFor({ timeout: 30_000 })

    // A new secret typed into the form goes to the core and never comes back: not to the page,
    // not into the settings file (encrypted by the host), not into the core's log.
    await dest.getByRole('button', { name: 'Edit Blog images' }).click()
    // Plain http:// to another machine: the form says what travels unencrypted, as it is typed;
    // loopback (the test server) draws no warning.
    const endpoint = page.getByLabel('Endpoint URL')
    const original = await endpoint.inputValue()
    const warning = page.getByText(/^Plain http:\/\/ to another computer: the access key ID/)
    expect(await warning.count()).toBe(0)
    await endpoint.fill('http://192.0.2.10:9000')
    await warning.waitFor()
    expect(await endpoint.getAttribute('aria-describedby')).toContain(
      (await warning.getAttribute('id'))!,
    )
    await endpoint.fill(original)
    await warning.waitFor({ state: 'detached' })
    await page.getByLabel('Secret access key').fill(SECRET)
    await page.getByLabel('Access key ID').fill(s3.accessKeyId)
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved.').waitFor()
    const everything = (await page.content()) + app.wire() + app.logs.join('\n')
    expect(everything).not.toContain(SECRET)
    expect(fs.readFileSync(app.settingsFile, 'utf8')).not.toContain(SECRET)
  })

  it('is keyboard-usable: tabs move with the arrow keys and every button has a name', async () => {
    await page.getByRole('tab', { name: 'Settings' }).focus()
    await page.keyboard.press('ArrowLeft')
    expect(await page.getByRole('tab', { name: 'Sync' }).getAttribute('aria-selected')).toBe('true')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Sync')
    for (const name of ['Queue', 'Results', 'History', 'Sync', 'Settings']) {
      await page.getByRole('tab', { name: new RegExp(`^${name}`) }).click()
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('button, input, select')]
          .filter((el) => {
            const label =
              el.getAttribute('aria-label') ??
              (el as HTMLInputElement).labels?.[0]?.textContent ??
              el.textContent
            return !label?.trim()
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      )
      expect(unnamed, name).toEqual([])
    }
    expect(await bridged.cspViolations()).toEqual([])
  })

  it('follows the theme setting, and fits the smallest window without sideways scrolling', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('radio', { name: 'Dark' }).check()
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    expect((await app.call('getSettings')).preferences.theme).toBe('dark')
    expect(app.applied?.theme).toBe('dark')
    await page.getByRole('tab', { name: /^Results/ }).click()
    await page.getByTestId('result-row').first().waitFor()
    await shot('results-dark')

    // The window's minimum size (src/main/window.ts).
    await page.setViewportSize({ width: 560, height: 420 })
    for (const name of ['Queue', 'Results', 'History', 'Sync', 'Settings']) {
      await page.getByRole('tab', { name: new RegExp(`^${name}`) }).click()
      await page.waitForTimeout(100)
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      )
      expect(overflow, name).toBeLessThanOrEqual(0)
      if (name === 'Queue') await shot('small-window')
    }
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('radio', { name: 'System' }).check()
    await page.setViewportSize(VIEWPORT)
  })

  it('uploads an image pasted with Ctrl+V (read from the clipboard by the host, for the core)', async () => {
    app.clipboardImage = {
      data: fs.readFileSync(path.join(CORPUS, 'sharp__with-alpha.png')),
      mime: 'image/png',
    }
    await page.getByRole('tab', { name: /^Queue/ }).click()
    // What Chromium hands the page for a copied bitmap: an image item with no path on disk.
    await page.evaluate(() => {
      const data = new DataTransfer()
      data.items.add(
        new File([new Uint8Array([137, 80, 78, 71])], 'image.png', { type: 'image/png' }),
      )
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
    })
    const row = page.locator('[data-testid="queue-row"][data-name^="clipboard-"]')
    await row.waitFor()
    await page.waitForFunction(
      () =>
        document
          .querySelector('[data-testid="queue-row"][data-name^="clipboard-"]')
          ?.getAttribute('data-state') === 'done',
      undefined,
      { timeout: 60_000 },
    )
    expect(await row.getAttribute('data-name')).toMatch(
      /^clipboard-\d{4}-\d{2}-\d{2}-[0-9a-f]{12}\.png$/,
    )
  })

  it('says when the engine stops unexpectedly, and shows the same queue when it is back', async () => {
    await page.getByRole('tab', { name: /^Queue/ }).click()
    const rows = page.locator('[data-testid="queue-row"]')
    const before = await rows.count()
    expect(before).toBe(10)
    process.kill(app.supervisor.pid!, 'SIGKILL')
    const banner = page.getByTestId('core-banner')
    await banner.waitFor({ timeout: 15_000 })
    expect(await banner.getAttribute('role')).toBe('status')
    expect(await banner.textContent()).toMatch(/stopped unexpectedly and is starting again/)
    await shot('engine-restarting')
    await page.getByText('Upshot’s engine is running again').waitFor({ timeout: 30_000 })
    await banner.waitFor({ state: 'detached' })
    // The new core shows what the old one showed, and answers the page's commands.
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="queue-row"][data-state="done"]').length === 10,
      undefined,
      { timeout: 30_000 },
    )
    await page.getByRole('tab', { name: 'History' }).click()
    await page.getByText('10 of 10 uploads').waitFor()
    expect(await bridged.cspViolations()).toEqual([])
  })
})
