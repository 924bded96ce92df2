// `upshot ui` holds cloud credentials behind a local web server, and any page the user visits can
// send requests to 127.0.0.1. Proven here with real requests to the real server (the built CLI):
// no cookie gets 401, a wrong Host (DNS rebinding) is refused, the link works once and not after
// a restart, state changes and WebSocket upgrades need the server's own Origin, no CORS header is
// ever sent, and a page from another local origin in a real browser can neither read anything
// nor send a file, though the user is signed in in that browser.

import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RENDERER_CSP_HEADER } from '../../src/shared/csp'
import { runCli } from '../helpers/cli'
import { startUi, type UiServer } from '../helpers/ui-server'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { ensureBuilt } from './helpers/build'

warnIfNoChromium('upshot ui security test')

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

function request(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: { Host: `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Trades the link's token for the session cookie, as a browser opening the link does. */
async function signIn(ui: UiServer): Promise<string> {
  const url = new URL(ui.link)
  const answer = await request(ui.port, { path: `/${url.search}` })
  expect(answer.status).toBe(303)
  const cookie = String(answer.headers['set-cookie']?.[0] ?? '')
  expect(cookie).toMatch(/HttpOnly/)
  expect(cookie).toMatch(/SameSite=Strict/)
  return cookie.split(';')[0]!
}

function upgrade(
  port: number,
  headers: Record<string, string>,
): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers })
    ws.on('open', () => {
      ws.close()
      resolve({ opened: true })
    })
    ws.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }))
    ws.on('error', () => resolve({ opened: false }))
  })
}

function incomingFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'incoming')
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)
}

describe('upshot ui against real requests', () => {
  let ui: UiServer
  let cookie: string

  beforeAll(async () => {
    ensureBuilt()
    ui = await startUi()
    cookie = await signIn(ui)
  })
  afterAll(async () => {
    await ui?.stop()
  })

  it('listens on 127.0.0.1 only', async () => {
    expect(ui.origin).toBe(`http://127.0.0.1:${ui.port}`)
    const refused = await new Promise<boolean>((resolve) => {
      // ::1 is another address: nothing answers there on this port.
      const req = http.get({ host: '::1', port: ui.port, path: '/' }, () => resolve(false))
      req.on('error', () => resolve(true))
    })
    expect(refused).toBe(true)
  })

  it('answers 401 to every request and upgrade without the cookie', async () => {
    for (const p of ['/', '/index.html', '/assets/x.js', '/api/files']) {
      expect((await request(ui.port, { path: p })).status, p).toBe(401)
    }
    const post = await request(ui.port, {
      method: 'POST',
      path: '/api/files',
      headers: { Origin: ui.origin, 'Content-Length': '3', 'X-Upshot-Name': 'a.jpg' },
      body: Buffer.from('abc'),
    })
    expect(post.status).toBe(401)
    expect(await upgrade(ui.port, { Origin: ui.origin })).toEqual({ opened: false, status: 401 })
    expect(await upgrade(ui.port, { Origin: ui.origin, Cookie: `${cookie}x` })).toEqual({
      opened: false,
      status: 401,
    })
    expect(incomingFiles(ui.dataDir)).toEqual([])
  })

  it('serves the page with the cookie, with the window’s CSP and no CORS header', async () => {
    const page = await request(ui.port, { headers: { Cookie: cookie } })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<div id="root">')
    expect(page.headers['content-security-policy']).toBe(RENDERER_CSP_HEADER)
    expect(page.headers['x-frame-options']).toBe('DENY')
    const cors = await request(ui.port, {
      headers: { Cookie: cookie, Origin: 'http://evil.example' },
    })
    expect(Object.keys(cors.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
  })

  it('refuses a Host that is not the address it printed (DNS rebinding)', async () => {
    for (const host of [`evil.example:${ui.port}`, `127.0.0.1:${ui.port + 1}`, 'localhost']) {
      const answer = await request(ui.port, { headers: { Host: host, Cookie: cookie } })
      expect(answer.status, host).toBe(403)
    }
    expect(
      await upgrade(ui.port, {
        Host: `evil.example:${ui.port}`,
        Origin: ui.origin,
        Cookie: cookie,
      }),
    ).toEqual({ opened: false, status: 403 })
    // localhost is an address of this server too.
    const local = await request(ui.port, {
      headers: { Host: `localhost:${ui.port}`, Cookie: cookie },
    })
    expect(local.status).toBe(200)
  })

  it('needs the server’s own Origin to send a file or open the WebSocket', async () => {
    const send = (origin: string | undefined) =>
      request(ui.port, {
        method: 'POST',
        path: '/api/files',
        headers: {
          Cookie: cookie,
          'Content-Length': '3',
          'X-Upshot-Name': 'a.jpg',
          ...(origin ? { Origin: origin } : {}),
        },
        body: Buffer.from('abc'),
      })
    for (const origin of [
      undefined,
      'null',
      `http://127.0.0.1:${ui.port + 1}`,
      'http://evil.example',
    ]) {
      expect((await send(origin)).status, String(origin)).toBe(403)
    }
    expect(incomingFiles(ui.dataDir)).toEqual([])
    expect(await upgrade(ui.port, { Cookie: cookie })).toEqual({ opened: false, status: 403 })
    expect(
      await upgrade(ui.port, { Cookie: cookie, Origin: `http://127.0.0.1:${ui.port + 1}` }),
    ).toEqual({ opened: false, status: 403 })
    expect(await upgrade(ui.port, { Cookie: cookie, Origin: ui.origin })).toEqual({ opened: true })
    const ok = await send(ui.origin)
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body).token).toMatch(/^upl_/)
    expect(incomingFiles(ui.dataDir)).toEqual(['a.jpg'])
  })

  it('bounds what it reads: WebSocket frames and file sizes', async () => {
    const big = await request(ui.port, {
      method: 'POST',
      path: '/api/files',
      headers: {
        Cookie: cookie,
        Origin: ui.origin,
        'Content-Length': String(51 * 1024 ** 3),
        'X-Upshot-Name': 'huge.jpg',
      },
    }).catch(() => ({ status: 413 }) as Answer)
    expect(big.status).toBe(413)
    const closed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ui.port}/api/ws`, {
        headers: { Cookie: cookie, Origin: ui.origin },
      })
      ws.on('open', () => ws.send('x'.repeat(2 * 1024 * 1024)))
      ws.on('close', (code) => resolve(code))
    })
    expect(closed).toBe(1009)
  })

  it('refuses commands that name paths or reach this computer’s dialogs', async () => {
    const answers = await new Promise<Record<string, { ok: boolean; error?: { code: string } }>>(
      (resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${ui.port}/api/ws`, {
          headers: { Cookie: cookie, Origin: ui.origin },
        })
        const got: Record<string, { ok: boolean; error?: { code: string } }> = {}
        const asks: [string, unknown[]][] = [
          ['addPaths', [['/etc/passwd']]],
          ['chooseAndAdd', ['files']],
          ['chooseSyncFolder', []],
          ['uploadClipboardImage', []],
          ['recentUploads', [5]],
          // The core-served chooser grants only what it listed to this server's tabs.
          ['chooseBrowsed', ['preview-photo', '/etc/hosts']],
          // A folder to upload is a token the chooser gave, never one made up.
          ['addChosenFolder', [`grant_${'A'.repeat(43)}`]],
          ['previewPreset', ['web', '/etc/hosts']],
          ['getAppInfo', []],
        ]
        ws.on('open', () =>
          asks.forEach(([cmd, args], i) =>
            ws.send(JSON.stringify({ t: 'request', id: i + 1, cmd, args })),
          ),
        )
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as { t: string; id: number; result: never }
          if (m.t !== 'response') return
          got[asks[m.id - 1]![0]] = m.result
          if (Object.keys(got).length === asks.length) {
            ws.close()
            resolve(got)
          }
        })
      },
    )
    for (const cmd of [
      'addPaths',
      'chooseAndAdd',
      'chooseSyncFolder',
      'uploadClipboardImage',
      'recentUploads',
      'chooseBrowsed',
      'addChosenFolder',
    ])
      expect(answers[cmd]?.error?.code, cmd).toBe('FORBIDDEN')
    // A photo to preview is a grant's token, never a path: the contract's validation refuses one.
    expect(answers.previewPreset?.error?.code).toBe('BAD_REQUEST')
    expect(answers.getAppInfo?.ok).toBe(true)
  })

  it('takes the link once, and neither the link nor the cookie after a restart', async () => {
    const again = await request(ui.port, { path: `/${new URL(ui.link).search}` })
    expect(again.status).toBe(401)
    expect(again.headers['set-cookie']).toBeUndefined()
    const { link } = ui
    await ui.stop()
    ui = await startUi({ dataDir: ui.dataDir, args: ['--port', String(ui.port)] })
    const oldLink = await request(ui.port, { path: `/${new URL(link).search}` })
    expect(oldLink.status).toBe(401)
    expect((await request(ui.port, { headers: { Cookie: cookie } })).status).toBe(401)
    expect(await upgrade(ui.port, { Cookie: cookie, Origin: ui.origin })).toEqual({
      opened: false,
      status: 401,
    })
    cookie = await signIn(ui)
    expect((await request(ui.port, { headers: { Cookie: cookie } })).status).toBe(200)
  })

  it('will not listen beyond loopback without TLS or --insecure-lan', async () => {
    const r = await runCli(['ui', '--no-open', '--host', '0.0.0.0', '--data-dir', ui.dataDir])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--tls-cert and --tls-key, or --insecure-lan/)
  })
})

describe.skipIf(!hasChromium)('a page from another local origin, in a real browser', () => {
  let ui: UiServer
  let browser: Browser
  let evil: http.Server
  let evilOrigin: string

  beforeAll(async () => {
    ensureBuilt()
    ui = await startUi()
    browser = await launchChromium()
    // Another local web server (a dev server, a hostile app): same site as 127.0.0.1:PORT.
    evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' })
      res.end('<!doctype html><title>evil</title>')
    })
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r))
    evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((r) => evil?.close(r))
    await ui?.stop()
  })

  it('cannot read the app, send a file or open the socket, though the user is signed in', async () => {
    const context = await browser.newContext()
    const app = await context.newPage()
    await app.goto(ui.link)
    await app.getByRole('tab', { name: 'Queue' }).waitFor()
    // The session cookie is in this browser now.
    expect((await context.cookies()).some((c) => c.httpOnly && c.sameSite === 'Strict')).toBe(true)

    const page = await context.newPage()
    await page.goto(evilOrigin)
    const outcome = await page.evaluate(async (target) => {
      const read = await fetch(`${target}/`, { credentials: 'include' })
        .then((r) => r.text())
        .then(
          (text) => `read:${text.length}`,
          (err: Error) => `blocked:${err.name}`,
        )
      // A no-cors POST is sent (the browser cannot stop it): the server must refuse it.
      await fetch(`${target}/api/files`, {
        method: 'POST',
        mode: 'no-cors',
        credentials: 'include',
        headers: { 'Content-Type': 'text/plain' },
        body: 'stolen upload',
      }).catch(() => {})
      const socket = await new Promise<string>((resolve) => {
        // window's own WebSocket (the name WebSocket is this file's import of ws).
        const ws = new window.WebSocket(`${target.replace('http', 'ws')}/api/ws`)
        ws.onopen = () => resolve('open')
        ws.onerror = () => resolve('refused')
      })
      return { read, socket }
    }, ui.origin)
    expect(outcome.read).toBe('blocked:TypeError')
    expect(outcome.socket).toBe('refused')
    expect(incomingFiles(ui.dataDir)).toEqual([])
    // The app itself, from its own origin, still works.
    expect(await app.evaluate(() => document.title)).toBe('Upshot')
    await context.close()
  })
})
