// Launches the built app in a real Electron wherever a binary exists. This machine has none
// (Electron 45 downloads it on first run, and it is offline), so here the suite skips and says why.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ROOT } from './helpers/build'
import { findDisplay, findElectronBinary, type Display } from './helpers/electron'

const electron = findElectronBinary()
if (!electron.ok) console.warn(`[e2e] Electron smoke test skipped: ${electron.reason}.`)

describe.skipIf(!electron.ok)('the Electron app', () => {
  const version = (
    JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version
  let dataDir: string
  let display: Display | undefined
  let app: ElectronApplication
  let page: Page

  beforeAll(async () => {
    if (!electron.ok) return
    ensureBuilt()
    const found = await findDisplay()
    if (!('env' in found)) throw new Error(`cannot show a window: ${found.reason}`)
    display = found
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-e2e-'))
    app = await _electron.launch({
      executablePath: electron.path,
      // Chromium refuses to start its sandbox as root (containers, CI); the renderer keeps
      // Electron's `sandbox: true` (no Node in the page) either way.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ROOT],
      env: { ...(process.env as Record<string, string>), ...display.env, UPSHOT_DATA_DIR: dataDir },
      timeout: 60_000,
    })
    page = await app.firstWindow()
    await page.waitForLoadState('domcontentloaded')
  })

  afterAll(async () => {
    await app?.close()
    display?.stop()
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('opens one window titled Upshot whose page has the bridge and no Node', async () => {
    expect(await page.title()).toBe('Upshot')
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1)
    const globals = await page.evaluate(() => ({
      upshot: typeof window.upshot,
      getAppInfo: typeof window.upshot?.getAppInfo,
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
    }))
    expect(globals).toEqual({
      upshot: 'object',
      getAppInfo: 'function',
      require: 'undefined',
      process: 'undefined',
    })
  })

  it('opens no new windows and does not navigate away from the app', async () => {
    const appUrl = page.url()
    // setWindowOpenHandler denies: window.open returns null and no second window appears.
    expect(await page.evaluate(() => window.open('https://example.com') === null)).toBe(true)
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1)
    // will-navigate is prevented: the page stays the app's own.
    await page.evaluate(() => {
      window.location.href = 'https://example.com/'
    })
    await page.waitForTimeout(500)
    expect(page.url()).toBe(appUrl)
  })

  it('answers getAppInfo through IPC and shows the empty queue', async () => {
    const result = await page.evaluate(() => window.upshot.getAppInfo())
    expect(result).toEqual({ ok: true, value: { version, dataDir, platform: process.platform } })
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor({ timeout: 10_000 })
    const queue = await page.evaluate(() => window.upshot.getQueue())
    expect(queue).toMatchObject({ ok: true, value: { jobs: [], paused: false } })
    // The page cannot reach addPaths itself: paths only come from File objects via the preload.
    expect(await page.evaluate(() => 'addPaths' in window.upshot)).toBe(false)
  })
})
