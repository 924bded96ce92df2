// 10,000 files in the queue: the real core process records them and sends them as a few
// coalesced patches over its channel, and the window keeps only the rows on screen in its DOM. Frame times while
// scrolling are printed (a measurement for the report), not asserted.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueuePatch } from '../../src/shared/api'
import { startTestApp, type TestApp } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { serveDirectory, type StaticServer } from './helpers/static-server'

warnIfNoChromium('queue scale test')
const COUNT = 10_000

describe.skipIf(!hasChromium)('a queue of 10,000 files', () => {
  let browser: Browser
  let server: StaticServer
  let app: TestApp
  let bridged: BridgedPage
  let work: string

  beforeAll(async () => {
    ensureBuilt()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-scale-'))
    const dir = path.join(work, 'many')
    fs.mkdirSync(dir)
    for (let i = 0; i < COUNT; i++) {
      fs.writeFileSync(path.join(dir, `note-${String(i).padStart(5, '0')}.txt`), `note ${i}\n`)
    }
    app = await startTestApp({ dataDir: path.join(work, 'data') })
    // Held: this test is about the window, not about sending 10,000 files.
    await app.call('pauseAll')
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
    bridged = await openBridgedPage(browser, server.url, app, {
      paths: { many: dir },
      viewport: { width: 1000, height: 720 },
    })
  })

  afterAll(async () => {
    bridged?.detach()
    await browser?.close()
    await server?.close()
    await app?.close()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  it('arrives as a few patches and renders only the visible rows', async () => {
    const page = bridged.page
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
    const patches: QueuePatch[] = []
    let firstPatchAt = 0
    app.listen((name, payload) => {
      if (name !== 'queue') return
      firstPatchAt ||= Date.now()
      patches.push(payload as QueuePatch)
    })
    const started = Date.now()
    // A dropped folder: one File whose path is the folder.
    await page.evaluate(() => {
      const data = new DataTransfer()
      data.items.add(new File([''], 'many'))
      document.body.dispatchEvent(
        new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
      )
    })
    await page
      .getByText(`0 of ${COUNT.toLocaleString('en-US')} files done`)
      .waitFor({ timeout: 60_000 })
    const shownAt = Date.now()
    expect(patches.reduce((n, p) => n + p.upserts.length, 0)).toBe(COUNT)
    expect(patches.length).toBeLessThanOrEqual(3)

    const rows = page.getByTestId('queue-row')
    expect(await rows.count()).toBeLessThan(40)
    expect(await rows.first().getAttribute('data-name')).toBe('note-00000.txt')

    // Scroll through the whole list, measuring frames on the way.
    const frames = await page.evaluate(async () => {
      const list = document.querySelector('[data-testid="queue-list"]')!
      const times: number[] = []
      let last = performance.now()
      for (let i = 0; i < 120; i++) {
        list.scrollTop = (list.scrollHeight * i) / 119
        await new Promise(requestAnimationFrame)
        const now = performance.now()
        times.push(now - last)
        last = now
      }
      times.sort((a, b) => a - b)
      return { median: times[60]!, p95: times[114]!, max: times[119]! }
    })
    await page.locator('[data-testid="queue-row"][data-name="note-09999.txt"]').waitFor()
    expect(await rows.count()).toBeLessThan(40)
    console.info(
      `[measure] ${COUNT} files: first patch ${firstPatchAt - started} ms after the drop, rows shown ` +
        `${shownAt - firstPatchAt} ms later (core process -> host -> test bridge), ${patches.length} patch(es); ` +
        `scroll frames median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(1)} ms`,
    )
  })
})
