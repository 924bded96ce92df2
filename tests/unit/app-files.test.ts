// app://upshot/ -> out/renderer (src/main/app-files.ts), and the same files over HTTP for `upshot
// ui` (src/core/browser/static-files.ts): the built page with its types, and nothing outside that
// folder whatever the URL says.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RENDERER_CSP_HEADER } from '../../src/shared/csp'
import { isAppPageUrl, lookupAppFile, serveAppFile } from '../../src/main/app-files'
import { lookupStatic } from '../../src/core/browser/static-files'

let base: string
let root: string

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-appfiles-'))
  root = path.join(base, 'renderer')
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true })
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Upshot</title>')
  fs.writeFileSync(path.join(root, 'assets', 'index-1.js'), 'export {}')
  fs.writeFileSync(path.join(root, 'assets', 'index-1.css'), 'body{}')
  fs.writeFileSync(path.join(root, 'assets', 'icon.png'), 'png')
  fs.writeFileSync(path.join(root, 'assets', 'notes.txt'), 'not a page file')
  fs.writeFileSync(path.join(base, 'secret.json'), '{"key":"outside"}')
  // A link inside the folder to a file outside it.
  fs.symlinkSync(path.join(base, 'secret.json'), path.join(root, 'assets', 'link.json'))
})
afterAll(() => fs.rmSync(base, { recursive: true, force: true }))

describe('the app:// handler', () => {
  it('serves the built page with its type and the CSP', () => {
    const page = serveAppFile('app://upshot/index.html', root)
    expect(page.status).toBe(200)
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8')
    expect(page.headers['Content-Security-Policy']).toBe(RENDERER_CSP_HEADER)
    expect(page.headers['X-Content-Type-Options']).toBe('nosniff')
    expect(page.body?.toString()).toContain('<title>Upshot</title>')
    expect(serveAppFile('app://upshot/', root).body?.toString()).toContain('Upshot')
    expect(serveAppFile('app://upshot/index.html#/settings', root).status).toBe(200)
    expect(serveAppFile('app://upshot/assets/index-1.js?v=2', root).headers['Content-Type']).toBe(
      'text/javascript; charset=utf-8',
    )
    expect(serveAppFile('app://upshot/assets/index-1.css', root).headers['Content-Type']).toBe(
      'text/css; charset=utf-8',
    )
    expect(serveAppFile('app://upshot/assets/icon.png', root).headers['Content-Type']).toBe(
      'image/png',
    )
    const head = serveAppFile('app://upshot/index.html', root, 'HEAD')
    expect([head.status, head.body]).toEqual([200, null])
  })

  it('refuses every way out of the folder', () => {
    for (const url of [
      'app://upshot/../secret.json',
      'app://upshot/%2e%2e/secret.json',
      'app://upshot/assets/%2e%2e/%2e%2e/secret.json',
      'app://upshot/..%2fsecret.json',
      'app://upshot/assets/..%2f..%2fsecret.json',
      'app://upshot/%2e%2e%2fsecret.json',
      'app://upshot/..%5csecret.json',
      `app://upshot/${encodeURIComponent(path.join(base, 'secret.json'))}`,
      'app://upshot/assets/link.json',
    ]) {
      const answer = serveAppFile(url, root)
      expect(answer.status, url).not.toBe(200)
      expect(answer.body, url).toBeNull()
    }
    expect(lookupAppFile('app://upshot/..%2fsecret.json', root)).toEqual({ ok: false, status: 403 })
  })

  it('answers only GET and HEAD on its own origin, for the types of a built page', () => {
    expect(serveAppFile('app://upshot/index.html', root, 'POST').status).toBe(405)
    expect(serveAppFile('app://other/index.html', root).status).toBe(404)
    expect(serveAppFile('file:///etc/passwd', root).status).toBe(404)
    expect(serveAppFile('app://upshot/assets/notes.txt', root).status).toBe(404)
    expect(serveAppFile('app://upshot/missing.js', root).status).toBe(404)
    expect(serveAppFile('app://upshot/%E0%A4%A', root).status).toBe(400)
    expect(serveAppFile('app://upshot/a%00.js', root).status).toBe(400)
  })

  it('names the app’s pages for the sender check', () => {
    expect(isAppPageUrl('app://upshot/index.html')).toBe(true)
    expect(isAppPageUrl('app://upshot-other/index.html')).toBe(false)
    expect(isAppPageUrl('file:///index.html')).toBe(false)
    expect(isAppPageUrl('http://upshot/index.html')).toBe(false)
  })
})

describe('the same files over HTTP (upshot ui)', () => {
  it('serves what app:// serves, the query ignored', () => {
    expect(lookupStatic('/', root)).toMatchObject({ ok: true, type: expect.stringMatching(/html/) })
    const js = lookupStatic('/assets/index-1.js?v=2', root)
    expect(js).toMatchObject({
      ok: true,
      file: fs.realpathSync(path.join(root, 'assets', 'index-1.js')),
    })
    expect(lookupStatic('/assets/notes.txt', root)).toEqual({ ok: false, status: 404 })
    expect(lookupStatic('/%E0%A4%A', root)).toEqual({ ok: false, status: 400 })
  })

  it('refuses every way out of the folder', () => {
    for (const p of [
      '/../secret.json',
      '/%2e%2e/secret.json',
      '/..%2fsecret.json',
      '/assets/..%2f..%2fsecret.json',
      '/..%5csecret.json',
      '/a%00.js',
      '/assets/link.json',
      `/${encodeURIComponent(path.join(base, 'secret.json'))}`,
    ]) {
      expect(lookupStatic(p, root).ok, p).toBe(false)
    }
  })
})
