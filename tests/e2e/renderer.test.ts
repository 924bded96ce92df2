// The built renderer in Debian's Chromium, with a stand-in window.upshot: the placeholder renders,
// the CSP is the one from src/shared/csp.ts and actually blocks inline script, drops stay in the
// page, and a failed command shows its message.

import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppInfo, Result } from '../../src/shared/api'
import { RENDERER_CSP } from '../../src/shared/csp'
import { ensureBuilt, OUT, ROOT } from './helpers/build'
import { serveDirectory, type StaticServer } from './helpers/static-server'

// Debian's Chromium here; elsewhere point UPSHOT_CHROMIUM at any Chromium or Chrome binary.
const CHROMIUM = process.env.UPSHOT_CHROMIUM ?? '/usr/bin/chromium'
const hasChromium = fs.existsSync(CHROMIUM)
if (!hasChromium) {
  console.warn(`[e2e] renderer test skipped: no Chromium at ${CHROMIUM} (set UPSHOT_CHROMIUM).`)
}
const SCREENSHOT = path.join(ROOT, 'docs', 'screenshots', 'placeholder.png')
const VIEWPORT = { width: 1000, height: 720 }

describe.skipIf(!hasChromium)('the renderer placeholder in Chromium', () => {
  let server: StaticServer
  let browser: Browser

  beforeAll(async () => {
    ensureBuilt()
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  /** A page whose window.upshot.getAppInfo resolves to `result`, as the preload would. */
  async function openWith(result: Result<AppInfo>): Promise<Page> {
    const page = await browser.newPage({ viewport: VIEWPORT })
    await page.addInitScript((value) => {
      Object.defineProperty(window, 'upshot', {
        value: Object.freeze({
          getAppInfo: () => Promise.resolve(value),
          on: () => () => {},
        }),
      })
    }, result)
    await page.goto(server.url)
    return page
  }

  it('shows the drop zone with the version and data dir from the bridge', async () => {
    const page = await openWith({
      ok: true,
      value: { version: '9.9.9-test', dataDir: '/home/ann/.config/Upshot' },
    })
    await page.getByText('v9.9.9-test', { exact: true }).waitFor({ timeout: 10_000 })
    expect(await page.title()).toBe('Upshot')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Drop images here')
    expect(await page.locator('footer code').textContent()).toBe('/home/ann/.config/Upshot')

    // The icon came through the bundle and decoded (the CSP allows 'self' images).
    const iconWidth = await page.locator('header img').evaluate((img) => {
      const el = img as HTMLImageElement
      return el.complete ? el.naturalWidth : 0
    })
    expect(iconWidth).toBe(512)

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT })
    const shot = sharp(SCREENSHOT)
    const meta = await shot.metadata()
    expect([meta.width, meta.height]).toEqual([VIEWPORT.width, VIEWPORT.height])
    // Not a blank frame: the stylesheet loaded, so the panel and the page differ in colour.
    const { channels } = await shot.stats()
    expect(channels[0]!.stdev).toBeGreaterThan(5)
    await page.close()
  })

  it('carries the shared CSP in its meta tag, and the policy blocks inline script', async () => {
    const page = await openWith({ ok: true, value: { version: '1.0.0', dataDir: '/d' } })
    const meta = await page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content')
    expect(meta).toBe(RENDERER_CSP)

    const outcome = await page.evaluate(async () => {
      const violations: string[] = []
      document.addEventListener('securitypolicyviolation', (e) =>
        violations.push(e.violatedDirective),
      )
      const script = document.createElement('script')
      script.textContent = 'window.__inlineRan = true'
      document.head.append(script)
      await new Promise((resolve) => setTimeout(resolve, 50))
      return {
        ran: (window as { __inlineRan?: boolean }).__inlineRan === true,
        violations,
      }
    })
    expect(outcome.ran).toBe(false)
    expect(outcome.violations).toContain('script-src-elem')
    await page.close()
  })

  it('keeps dropped files in the page instead of navigating to them', async () => {
    const page = await openWith({ ok: true, value: { version: '1.0.0', dataDir: '/d' } })
    // dispatchEvent returns false when the page cancelled the default action, which for a real
    // drop is Chromium opening the file in place of the app.
    const cancelled = await page.locator('main').evaluate((zone) => {
      const data = new DataTransfer()
      data.items.add(new File(['x'], 'a.jpg', { type: 'image/jpeg' }))
      data.items.add(new File(['y'], 'b.png', { type: 'image/png' }))
      const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true })
      return !zone.dispatchEvent(drop)
    })
    expect(cancelled).toBe(true)
    expect(await page.getByRole('status').textContent()).toContain('2 files received')
    await page.close()
  })

  it('shows the message of a failed command instead of the data dir', async () => {
    const page = await openWith({
      ok: false,
      error: { code: 'CONFIG', message: 'The data directory is not writable.' },
    })
    await page.getByRole('alert').waitFor({ timeout: 10_000 })
    expect(await page.getByRole('alert').textContent()).toBe('The data directory is not writable.')
    expect(await page.getByTestId('version').textContent()).toBe('version unknown')
    await page.close()
  })
})
