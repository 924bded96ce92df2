// A web page the user happens to visit must not be able to use `upshot serve`: not with fetch
// (simple or not, cors or no-cors), not with a cross-site form (the JSON-in-text/plain trick),
// not to read an answer, even when the page knows the key. Real Chromium, a real `upshot serve`
// process uploading to a real s3rver; the ledger and the bucket are checked afterwards, and the
// same request without a browser (no Origin) is shown to upload, so the refusals are the Origin
// check's doing.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CORPUS } from '../helpers/fixtures'
import { listKeys, startTestS3, type TestS3 } from '../helpers/s3server'
import { startServe, type RunningServe } from '../helpers/serve'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'

warnIfNoChromium('editor API from a web page')

const PHOTO = path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg')

describe.skipIf(!hasChromium)('upshot serve, called by a page from another origin', () => {
  let s3: TestS3
  let serve: RunningServe
  let browser: Browser
  let page: http.Server
  let pageOrigin: string
  let work: string
  let dataDir: string

  beforeAll(async () => {
    s3 = await startTestS3()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-editor-browser-'))
    dataDir = path.join(work, 'data')
    serve = await startServe(
      [
        '--to',
        `s3://${s3.bucket}/${s3.prefix}`,
        '--endpoint',
        s3.endpoint,
        '--region',
        s3.region,
        '--path-style',
        '--data-dir',
        dataDir,
      ],
      { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
    )
    // The attacker's page: any origin but the allowlisted app://obsidian.md.
    page = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>evil</title>')
    })
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
    pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => page?.close(resolve))
    await serve?.stop()
    await s3?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  function count(text: string, re: RegExp): number {
    return [...text.matchAll(re)].length
  }

  function jobCount(): number {
    const file = path.join(dataDir, 'ledger.sqlite')
    if (!fs.existsSync(file)) return 0
    const db = new Database(file, { readonly: true })
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n
    } finally {
      db.close()
    }
  }

  it('cannot upload or read an answer with fetch, even knowing the key', async () => {
    const tab = await browser.newPage()
    await tab.goto(`${pageOrigin}/`)
    expect(await tab.title()).toBe('evil')
    const outcome = await tab.evaluate(
      async ({ uploadUrl, heartbeatUrl, photo }) => {
        const body = JSON.stringify({ list: [photo] })
        const tries: Record<string, string> = {}
        const attempt = async (name: string, run: () => Promise<Response>): Promise<void> => {
          try {
            const res = await run()
            tries[name] = `${res.type} ${res.status} ${await res.text()}`
          } catch (err) {
            tries[name] = `threw ${(err as Error).name}`
          }
        }
        // A "simple" request: no preflight, the browser sends it and hides the answer.
        await attempt('simple', () =>
          fetch(uploadUrl, { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } }),
        )
        // no-cors: sent blind, answer opaque.
        await attempt('no-cors', () =>
          fetch(uploadUrl, {
            method: 'POST',
            mode: 'no-cors',
            body,
            headers: { 'Content-Type': 'text/plain' },
          }),
        )
        // application/json: a preflight (OPTIONS) the server does not grant.
        await attempt('json', () =>
          fetch(uploadUrl, {
            method: 'POST',
            body,
            headers: { 'Content-Type': 'application/json' },
          }),
        )
        // Multipart with an image, as PicGo clients send it.
        await attempt('multipart', async () => {
          const form = new FormData()
          form.append('files', new Blob([new Uint8Array([0xff, 0xd8, 0xff])]), 'x.jpg')
          return fetch(uploadUrl, { method: 'POST', body: form })
        })
        // Reading the heartbeat (no key needed) is refused too: no CORS header.
        await attempt('heartbeat', () => fetch(heartbeatUrl, { method: 'POST' }))
        return tries
      },
      { uploadUrl: serve.info.uploadUrl, heartbeatUrl: serve.info.heartbeatUrl, photo: PHOTO },
    )
    // The page learns nothing: every answer is an error or opaque.
    for (const seen of Object.values(outcome)) expect(seen).toMatch(/^(threw TypeError|opaque 0 )$/)
    expect(Object.keys(outcome)).toHaveLength(5)
    // And the server refused each request it received, by its Origin (the log names the status).
    // (Waiting for the log lines: they cross a pipe after the answers left.)
    await vi.waitFor(
      () => {
        const log = serve.stderr()
        expect(count(log, / POST \/upload 403 /g)).toBe(3)
        expect(count(log, / OPTIONS \/upload 403 /g)).toBe(1)
        expect(count(log, / POST \/heartbeat 403 /g)).toBe(1)
      },
      { timeout: 10_000 },
    )
    expect(jobCount()).toBe(0)
    expect(await listKeys(s3)).toEqual([])
    await tab.close()
  })

  it('cannot upload with a cross-site form post (JSON smuggled in text/plain)', async () => {
    const tab = await browser.newPage()
    await tab.goto(`${pageOrigin}/`)
    // The classic trick: a text/plain form whose one field builds a JSON body.
    const answer = tab.waitForResponse((r) => r.url().startsWith(serve.origin))
    await tab.evaluate(
      ({ uploadUrl, photo }) => {
        const form = document.createElement('form')
        form.method = 'POST'
        form.action = uploadUrl
        form.enctype = 'text/plain'
        const input = document.createElement('input')
        input.name = `{"list":["${photo}"],"x":"`
        input.value = '"}'
        form.append(input)
        document.body.append(form)
        form.submit()
      },
      { uploadUrl: serve.info.uploadUrl, photo: PHOTO },
    )
    const res = await answer
    expect(res.status()).toBe(403)
    expect(await res.json()).toMatchObject({ success: false })
    expect(jobCount()).toBe(0)
    expect(await listKeys(s3)).toEqual([])
    await tab.close()
  })

  it('the same upload without a browser Origin goes through (the refusals were the Origin check)', async () => {
    const res = await fetch(serve.info.uploadUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ list: [PHOTO] }),
    })
    expect(res.status).toBe(200)
    expect(jobCount()).toBe(1)
    expect((await listKeys(s3)).some((k) => k.endsWith('-full.webp'))).toBe(true)
  })
})
