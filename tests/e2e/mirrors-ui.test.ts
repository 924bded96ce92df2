// Mirrors in the window (Debian's Chromium, on the real core process): the user picks a mirror
// in the destination form, the list says so, and an upload goes to both local s3rvers. The
// mirror's server is down when the files are dropped: the rows are done with their links from
// the primary at once and say the mirror failed and is retried; when the server returns the
// rows say "mirrored", the results show the mirror's URL, and both buckets hold the same bytes.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getObjectBytes, listKeys, startTestS3 } from '../helpers/s3server'
import { CORPUS } from '../helpers/fixtures'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { startTestApp, type TestApp, testBucketDestination } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { saveScreenshot } from './helpers/shots'
import { serveDirectory, type StaticServer } from './helpers/static-server'

warnIfNoChromium('mirrors UI test')

type Server = Awaited<ReturnType<typeof startTestS3>>
const DROPPED: [file: string, as: string][] = [
  ['exif-samples__jpg_gps_DSCN0010.jpg', 'Castle gate.jpg'],
  ['sharp__with-alpha.png', 'Logo with alpha.png'],
]

describe.skipIf(!hasChromium)('mirrors in the window, on the real core', () => {
  let primary: Server
  let mirror: Server
  let server: StaticServer
  let browser: Browser
  let app: TestApp
  let bridged: BridgedPage
  let page: Page
  let work: string
  const paths: Record<string, string> = {}

  beforeAll(async () => {
    ensureBuilt()
    ;[primary, mirror] = await Promise.all([
      startTestS3({ local: true }),
      startTestS3({ local: true }),
    ])
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mirrors-ui-'))
    for (const [file, as] of DROPPED) {
      paths[as] = path.join(work, as)
      fs.copyFileSync(path.join(CORPUS, file), paths[as])
    }
    app = await startTestApp({ dataDir: path.join(work, 'data'), prefs: { concurrency: 2 } })
    // Objects keep their key on a mirror (prefix included): the same prefix on both.
    await app.call(
      'saveDestination',
      testBucketDestination(mirror, 'Backup bucket', { prefix: primary.prefix }),
    )
    const view = await app.call('saveDestination', testBucketDestination(primary, 'Blog images'))
    await app.call(
      'setDefaultDestination',
      view.destinations.find((d) => d.name === 'Blog images')!.id,
    )
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
    bridged = await openBridgedPage(browser, server.url, app, {
      paths,
      viewport: { width: 1100, height: 740 },
    })
    page = bridged.page
  })

  afterAll(async () => {
    bridged?.detach()
    await browser?.close()
    await server?.close()
    await app?.close()
    await Promise.all([primary?.stop(), mirror?.stop()])
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  it('picks a mirror in the destination form, and the list says so', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    const main = page.getByTestId('destination').filter({ hasText: 'Blog images' })
    await main.getByRole('button', { name: 'Edit Blog images' }).click()
    const fields = page.getByTestId('mirror-fields')
    // Only the other destination is offered: a destination is never its own mirror.
    expect(await fields.getByRole('checkbox').count()).toBe(1)
    await fields.getByLabel('Backup bucket').check()
    await fields.scrollIntoViewIfNeeded()
    await saveScreenshot(page, 'settings-mirror-form')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await main.getByTestId('destination-mirrors').getByText('Mirrors to: Backup bucket').waitFor()
    // The mirror is now named by another destination: removing it is refused with the reason.
    const backup = page.getByTestId('destination').filter({ hasText: 'Backup bucket' }).first()
    await backup.getByRole('button', { name: 'Remove Backup bucket' }).click()
    await page.getByText(/"Backup bucket" is a mirror of "Blog images"/).waitFor()
    expect(await page.getByTestId('destination').count()).toBe(2)
  })

  it('an upload is done from the primary while the mirror is down, and says the mirror is retried', async () => {
    await mirror.kill()
    await page.getByRole('tab', { name: 'Queue' }).click()
    await page.evaluate(async (names) => {
      const data = new DataTransfer()
      for (const name of names) data.items.add(new File(['x'], name, { type: 'image/jpeg' }))
      document.body.dispatchEvent(
        new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
      )
    }, Object.keys(paths))
    // Done, links ready, and the mirror's failure said with its reason.
    await page.waitForFunction(
      (n) =>
        [...document.querySelectorAll('[data-testid="queue-row"][data-state="done"]')].filter((r) =>
          /mirror failed, retrying links ready; Backup bucket: .+/.test(r.textContent ?? ''),
        ).length === n,
      DROPPED.length,
      { timeout: 90_000 },
    )
    const status = page.getByTestId('mirror-status').first()
    expect(await status.getAttribute('data-state')).toBe('pending')
    await saveScreenshot(page, 'queue-mirror-retrying')
    // The primary holds every object already: its links work now.
    const onPrimary = await listKeys(primary)
    expect(onPrimary.length).toBeGreaterThanOrEqual(DROPPED.length)
    const jobs = (await app.queue()).jobs
    expect(jobs.every((j) => j.state === 'done' && j.mirror?.state === 'pending')).toBe(true)
    expect(jobs[0]!.mirror!.error!.message.length).toBeGreaterThan(0)
    // The history says the mirror's copy is not there yet, and offers no link to it.
    await page.getByRole('tab', { name: 'History' }).click()
    const waiting = page.getByTestId('history-row').first().getByTestId('history-mirrors')
    const button = waiting.getByRole('button', { name: /^Backup bucket: copy/ })
    expect(await button.isDisabled()).toBe(true)
    await page.getByRole('tab', { name: 'Queue' }).click()
  })

  it('catches up when the mirror returns, and the results show its URL', async () => {
    mirror = await startTestS3({
      revive: {
        port: mirror.port,
        directory: mirror.directory,
        bucket: mirror.bucket,
        prefix: mirror.prefix,
      },
    })
    await page.waitForFunction(
      (n) =>
        document.querySelectorAll('[data-testid="mirror-status"][data-state="done"]').length === n,
      DROPPED.length,
      { timeout: 120_000 },
    )
    expect(await page.getByTestId('mirror-status').first().textContent()).toContain(
      'copied to Backup bucket',
    )

    await page.getByRole('tab', { name: /Results/ }).click()
    await page.getByTestId('result-row').first().waitFor()
    const links = page.getByTestId('mirror-links')
    await links.waitFor()
    const url = (await links.getByTestId('mirror-url').first().textContent())!.trim()
    expect(url.startsWith(mirror.endpoint)).toBe(true)
    expect(await links.getByText('copied').count()).toBeGreaterThan(0)
    await links.scrollIntoViewIfNeeded()
    // Copied through the core, as every link is (the window's page has no clipboard of its own).
    await links.getByRole('button', { name: 'Copy the link on Backup bucket' }).click()
    await page.getByText('Copied the link on Backup bucket').waitFor()
    expect(app.clipboard.at(-1)).toBe(url)
    const fallback = await fetch(url)
    expect(fallback.status).toBe(200)
    await saveScreenshot(page, 'results-mirror-links')

    // The same objects, byte for byte, on both servers.
    const keys = (await listKeys(primary)).sort()
    expect((await listKeys(mirror, primary.prefix)).sort()).toEqual(keys)
    for (const k of keys) {
      const [a, b] = await Promise.all([getObjectBytes(primary, k), getObjectBytes(mirror, k)])
      expect(b.equals(a), k).toBe(true)
    }

    // The history offers the same fallback for each upload: the mirror's URL, copied by the core.
    await page.getByRole('tab', { name: 'History' }).click()
    const row = page.getByTestId('history-row').first()
    const onMirror = row.getByRole('button', { name: 'Copy the link on Backup bucket' })
    await onMirror.click()
    await page.getByText('Copied the link on Backup bucket').waitFor()
    const copied = app.clipboard.at(-1)!
    expect(copied.startsWith(mirror.endpoint)).toBe(true)
    const fromMirror = await fetch(copied)
    expect(fromMirror.status).toBe(200)
    const key = decodeURIComponent(new URL(copied).pathname.split('/').slice(2).join('/'))
    expect(
      Buffer.from(await fromMirror.arrayBuffer()).equals(await getObjectBytes(primary, key)),
    ).toBe(true)
    await saveScreenshot(page, 'history-mirror-links')
  })
})
