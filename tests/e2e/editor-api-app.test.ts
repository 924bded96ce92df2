// The editor API served by the app (Settings -> Editors), in Chromium on the real core process
// and a real S3 server: turned on, its upload URL copied by the core (the page never holds the
// key), an editor's upload landing in the bucket and the history, requests without the key or
// from a web page refused, a port taken by another program said so, and turned off again.

import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS } from '../helpers/fixtures'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startTestApp, testBucketDestination, until, type TestApp } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { saveScreenshot } from './helpers/shots'
import { serveDirectory, type StaticServer } from './helpers/static-server'

warnIfNoChromium('editor API in the app test')
const PHOTO = path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg')

async function freePort(): Promise<number> {
  const s = http.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  const text = await r.text()
  let json: Record<string, unknown> | null = null
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // not JSON: the status says enough
  }
  return { status: r.status, json }
}

describe.skipIf(!hasChromium)('the editor API in the app, on the real core', () => {
  let s3: TestS3
  let server: StaticServer
  let browser: Browser
  let app: TestApp
  let bridged: BridgedPage
  let page: Page
  let work: string
  let port: number
  let uploadUrl = ''

  beforeAll(async () => {
    ensureBuilt()
    s3 = await startTestS3()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-e2e-editor-app-'))
    app = await startTestApp({ dataDir: path.join(work, 'data') })
    await app.call('saveDestination', testBucketDestination(s3, 'Notes images'))
    port = await freePort()
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
    bridged = await openBridgedPage(browser, server.url, app, {
      paths: {},
      viewport: { width: 1100, height: 900 },
    })
    page = bridged.page
    await page.getByRole('tab', { name: 'Settings' }).click()
  }, 300_000)

  afterAll(async () => {
    bridged?.detach()
    await browser?.close()
    await server?.close()
    await app?.close()
    await s3?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  const status = () => page.getByTestId('editor-api-status')

  it('turns on at the chosen port, and the core copies the upload URL the page never sees', async () => {
    const portField = page.getByRole('spinbutton', { name: 'Port' })
    await portField.fill(String(port))
    await portField.blur()
    await until('the port to be saved', async () => {
      const view = await app.call('getSettings')
      return view.preferences.editorApiPort === port
    })
    await page.getByLabel('Serve the editor API (PicGo-compatible) while Upshot runs').check()
    await status().getByText(`Listening on 127.0.0.1:${port}.`).waitFor()
    await page.getByRole('button', { name: 'Copy upload URL' }).click()
    await until('the URL on the clipboard', () => app.clipboard.length > 0)
    uploadUrl = app.clipboard.at(-1)!
    expect(uploadUrl).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/upload\\?key=[\\w-]{43}$`),
    )
    const key = new URL(uploadUrl).searchParams.get('key')!
    // Never sent to the page, never in the settings file in the clear.
    expect(app.wire()).not.toContain(key)
    expect(await page.content()).not.toContain(key)
    expect(fs.readFileSync(path.join(work, 'data', 'settings.json'), 'utf8')).not.toContain(key)
    await saveScreenshot(page, 'settings-editor-api')
  })

  it('uploads what an editor sends to the default destination, into the queue and the history', async () => {
    const r = await post(uploadUrl, { list: [PHOTO] })
    expect(r.status).toBe(200)
    expect(r.json?.success).toBe(true)
    const url = (r.json?.result as string[])[0]!
    expect(url).toContain(`/${s3.prefix}/`)
    const key = decodeURIComponent(url.slice(url.indexOf(`${s3.prefix}/`)))
    const info = await getObjectInfo(s3, key)
    expect(info?.contentType).toBe('image/webp')
    expect(info?.size).toBeGreaterThan(1000)
    const history = await app.call('getHistory', { limit: 10 })
    const item = history.items.find((i) => i.source === PHOTO)
    expect(item?.status).toBe('done')
    expect(item?.destinationName).toBe('Notes images')
    // The window shows the editor's upload in its queue, done, like a drop.
    const queued = (await app.call('getQueue')).jobs.filter((j) => j.source === PHOTO)
    expect(queued.map((j) => j.state)).toEqual(['done'])
    await page.getByRole('tab', { name: 'Queue' }).click()
    await page
      .locator(`[data-testid="queue-row"][data-name="${path.basename(PHOTO)}"][data-state="done"]`)
      .waitFor()
    await page.getByRole('tab', { name: 'Settings' }).click()
  })

  it('refuses a request without the key and one from a web page', async () => {
    const bare = uploadUrl.replace(/\?key=.*$/, '')
    expect((await post(bare, { list: [PHOTO] })).status).toBe(401)
    expect(
      (await post(uploadUrl, { list: [PHOTO] }, { Origin: 'https://evil.example' })).status,
    ).toBe(403)
  })

  it('refuses another Host name (DNS rebinding) and sends no CORS headers', async () => {
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        uploadUrl,
        {
          method: 'POST',
          headers: { Host: `evil.example:${port}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode!)
        },
      )
      req.on('error', reject)
      req.end(JSON.stringify({ list: [PHOTO] }))
    })
    expect(rebound).toBe(403)
    const preflight = await fetch(uploadUrl, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    })
    expect(preflight.status).toBe(403)
    const beat = await fetch(`http://127.0.0.1:${port}/heartbeat`, {
      method: 'POST',
      headers: { Origin: 'app://obsidian.md' },
    })
    expect(beat.status).toBe(200)
    for (const res of [preflight, beat]) {
      expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([])
    }
  })

  it('says which program holds a taken port, then listens again when the port is free', async () => {
    const holder = http.createServer((_req, res) => res.end('not upshot'))
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
    const taken = (holder.address() as AddressInfo).port
    try {
      const portField = page.getByRole('spinbutton', { name: 'Port' })
      await portField.fill(String(taken))
      await portField.blur()
      await status()
        .getByText(
          `Port ${taken} is taken by another program; stop it, or choose another port in Settings`,
          { exact: false },
        )
        .waitFor()
      expect(await page.getByRole('button', { name: 'Copy upload URL' }).count()).toBe(0)
    } finally {
      await new Promise<void>((r) => holder.close(() => r()))
    }
    const portField = page.getByRole('spinbutton', { name: 'Port' })
    await portField.fill(String(port))
    await portField.blur()
    await status().getByText(`Listening on 127.0.0.1:${port}.`).waitFor()
  })

  it('a new key makes the old URL fail; turned off, nothing listens', async () => {
    await page.getByRole('button', { name: 'New key' }).click()
    // The server restarts with the new key: refused connections in between are not the answer.
    await until(
      'the new key to take',
      async () => (await post(uploadUrl, { list: [] }).catch(() => null))?.status === 401,
    )
    await page.getByLabel('Serve the editor API (PicGo-compatible) while Upshot runs').uncheck()
    await status().getByText('Off.').waitFor()
    await expect(fetch(`http://127.0.0.1:${port}/heartbeat`, { method: 'POST' })).rejects.toThrow()
  })
})
