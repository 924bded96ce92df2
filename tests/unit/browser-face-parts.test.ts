// The parts of `upshot ui` that hold the user's bytes, paths and keys, each against the real
// file system: files a browser sends (staged whole or not at all, under their own names, good
// once), the core-served chooser (grants only what it listed), and keys sealed for faces without
// Electron. The page's own parts: tests/e2e/browser-face-page.test.ts.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FolderBrowser } from '../../src/core/folder-browser'
import { IncomingFiles, UPLOAD_TOKEN } from '../../src/core/incoming'
import { ForbiddenError, PathGrants } from '../../src/core/path-grants'
import { NodeSecrets, SECRET_KEY_FILE, type Keychain } from '../../src/core/secrets/node-secrets'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-face-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return []
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)))
    .sort()
}

describe('IncomingFiles', () => {
  it('stages a file under the name and folder it was sent with, and redeems its token once', async () => {
    const incoming = new IncomingFiles(path.join(dir, 'incoming'))
    const bytes = Buffer.from('jpeg bytes')
    const sent = await incoming.receive(Readable.from([bytes]), 'Album/Day two/market.jpg', 10)
    expect(sent.token).toMatch(UPLOAD_TOKEN)
    expect(fs.readFileSync(sent.path)).toEqual(bytes)
    expect(sent.path.endsWith(path.join('Album', 'Day two', 'market.jpg'))).toBe(true)
    expect(fs.statSync(sent.path).mode & 0o077).toBe(0)
    expect(incoming.redeem([sent.token])).toEqual([sent.path])
    expect(() => incoming.redeem([sent.token])).toThrow(ForbiddenError)
    incoming.release(sent.path)
    await expect.poll(() => filesUnder(incoming.dir)).toEqual([])
  })

  it('keeps a name that tries to climb out inside its own folder', async () => {
    const incoming = new IncomingFiles(path.join(dir, 'incoming'))
    const sent = await incoming.receive(Readable.from([Buffer.from('x')]), '../../../etc/passwd', 1)
    expect(incoming.holds(sent.path)).toBe(true)
    expect(path.relative(incoming.dir, sent.path).split(path.sep).slice(1)).toEqual([
      'etc',
      'passwd',
    ])
    expect(fs.existsSync(path.join(dir, 'etc'))).toBe(false)
  })

  it('leaves nothing behind when fewer or more bytes arrive than were announced', async () => {
    const incoming = new IncomingFiles(path.join(dir, 'incoming'))
    await expect(
      incoming.receive(Readable.from([Buffer.from('short')]), 'a.jpg', 100),
    ).rejects.toThrow(/arrived with 5 of its 100 bytes/)
    await expect(
      incoming.receive(Readable.from([Buffer.from('too long')]), 'b.jpg', 3),
    ).rejects.toThrow(/more bytes than it said/)
    await expect(
      incoming.receive(Readable.from([]), 'c.jpg', 60 * 1024 ** 3),
    ).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' })
    expect(filesUnder(incoming.dir)).toEqual([])
  })

  it('at start keeps the files unfinished jobs need and removes the rest', async () => {
    const incoming = new IncomingFiles(path.join(dir, 'incoming'))
    const keep = await incoming.receive(Readable.from([Buffer.from('a')]), 'keep.jpg', 1)
    await incoming.receive(Readable.from([Buffer.from('b')]), 'done.jpg', 1)
    // A receive cut off by a stop: its folder holds only the hidden partial file.
    fs.mkdirSync(path.join(incoming.dir, 'cutcutcutcut'))
    fs.writeFileSync(path.join(incoming.dir, 'cutcutcutcut', '.partial-0000'), 'half')
    new IncomingFiles(incoming.dir).sweep(new Set([keep.path]))
    expect(filesUnder(incoming.dir)).toEqual([path.relative(incoming.dir, keep.path)])
  })

  it('expires a token no one redeemed', async () => {
    let now = 0
    const incoming = new IncomingFiles(path.join(dir, 'incoming'), { ttlMs: 1000, now: () => now })
    const sent = await incoming.receive(Readable.from([Buffer.from('a')]), 'a.jpg', 1)
    now = 1000
    expect(() => incoming.redeem([sent.token])).toThrow(/waited too long/)
  })
})

describe('FolderBrowser', () => {
  beforeEach(() => {
    fs.mkdirSync(path.join(dir, 'Photos', 'Trip'), { recursive: true })
    fs.mkdirSync(path.join(dir, '.hidden'))
    fs.writeFileSync(path.join(dir, 'Photos', 'a.jpg'), 'x')
    fs.writeFileSync(path.join(dir, 'Photos', 'notes.txt'), 'x')
  })

  it('lists folders (and images when one is wanted) and grants only what it listed', async () => {
    const grants = new PathGrants()
    const browser = new FolderBrowser(grants, { home: dir })
    const home = await browser.list('sync-folder', null)
    expect(home.entries).toEqual([{ name: 'Photos', kind: 'folder' }])
    const photos = path.join(fs.realpathSync(dir), 'Photos')
    expect((await browser.list('sync-folder', '~/Photos')).entries).toEqual([
      { name: 'Trip', kind: 'folder' },
    ])
    const images = await browser.list('preview-photo', photos)
    expect(images.entries).toEqual([
      { name: 'Trip', kind: 'folder' },
      { name: 'a.jpg', kind: 'image' },
    ])
    const chosen = await browser.choose('preview-photo', path.join(photos, 'a.jpg'))
    expect(grants.peek(chosen.token, 'preview-photo')).toBe(path.join(photos, 'a.jpg'))
    // Never listed, listed for another purpose, or not an image: refused.
    await expect(browser.choose('preview-photo', '/etc/hosts')).rejects.toThrow(ForbiddenError)
    await expect(browser.choose('watermark-image', path.join(photos, 'a.jpg'))).rejects.toThrow(
      ForbiddenError,
    )
    await expect(browser.choose('preview-photo', path.join(photos, 'notes.txt'))).rejects.toThrow(
      ForbiddenError,
    )
    await expect(browser.list('sync-folder', 'relative/path')).rejects.toThrow(/full path/)
  })

  it('a folder to upload shows its images but grants only the folder, for uploads only', async () => {
    const grants = new PathGrants()
    const browser = new FolderBrowser(grants, { home: dir })
    const photos = path.join(fs.realpathSync(dir), 'Photos')
    expect((await browser.list('upload-folder', photos)).entries).toEqual([
      { name: 'Trip', kind: 'folder' },
      { name: 'a.jpg', kind: 'image' },
    ])
    const chosen = await browser.choose('upload-folder', photos)
    expect(grants.peek(chosen.token, 'upload-folder')).toBe(photos)
    expect(() => grants.peek(chosen.token, 'sync-folder')).toThrow(ForbiddenError)
    const trip = await browser.choose('upload-folder', path.join(photos, 'Trip'))
    expect(grants.peek(trip.token, 'upload-folder')).toBe(path.join(photos, 'Trip'))
    // An image it showed is not a folder to upload; a folder it never showed is refused.
    await expect(browser.choose('upload-folder', path.join(photos, 'a.jpg'))).rejects.toThrow(
      ForbiddenError,
    )
    await expect(browser.choose('upload-folder', '/etc')).rejects.toThrow(ForbiddenError)
    await expect(browser.choose('sync-folder', photos)).rejects.toThrow(ForbiddenError)
  })
})

describe('NodeSecrets', () => {
  it('seals keys with a 0600 key file when no keychain answers, readable by that data dir only', async () => {
    const secrets = await NodeSecrets.open(dir, null)
    const sealed = secrets.encrypt('wJalrXUtnFEMI/K7MDENG')
    expect(sealed).toMatch(/^upshot-file:v1:/)
    expect(sealed).not.toContain('wJalrXUtnFEMI')
    expect(fs.statSync(path.join(dir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600)
    expect((await NodeSecrets.open(dir, null)).decrypt(sealed)).toBe('wJalrXUtnFEMI/K7MDENG')
    const other = await NodeSecrets.open(path.join(dir, 'other'), null)
    expect(() => other.decrypt(sealed)).toThrow()
    expect(other.explain(sealed)).toMatch(/another computer or by another user/)
    // What the desktop app sealed with Electron's safeStorage: said, not guessed at.
    expect(secrets.explain('djEwxxxx')).toMatch(/desktop app.*type them again here/)
    expect(secrets.describe()).toMatch(/secret\.key, a file only your user can read/)
  })

  it('keeps the key in a keychain that remembers it, and not in one that forgets', async () => {
    const store = new Map<string, string>()
    const keychain: Keychain = {
      name: 'the test keychain',
      get: async (a) => store.get(a) ?? null,
      set: async (a, v) => void store.set(a, v),
    }
    const secrets = await NodeSecrets.open(dir, keychain)
    const sealed = secrets.encrypt('secret')
    expect(sealed).toMatch(/^upshot-kc:/)
    expect(fs.existsSync(path.join(dir, SECRET_KEY_FILE))).toBe(false)
    expect((await NodeSecrets.open(dir, keychain)).decrypt(sealed)).toBe('secret')
    expect((await NodeSecrets.open(dir, null)).explain(sealed)).toMatch(/system keychain/)
    const forgetful: Keychain = { name: 'forgetful', get: async () => null, set: async () => {} }
    expect((await NodeSecrets.open(dir, forgetful)).kind).toBe('file')
  })
})
