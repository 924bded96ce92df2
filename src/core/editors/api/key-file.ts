// The key of `upshot serve`, kept in the data dir (owner-only) so the URL pasted into an editor
// keeps working from one run to the next; `--new-key` makes another. The app keeps its own key
// with the access keys (encrypted), not here.

import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export const KEY_FILE = 'editor-api.key'

/** A new key: 32 random bytes, URL-safe (it travels in a query string). */
export function newApiKey(): string {
  return randomBytes(32).toString('base64url')
}

export function loadOrCreateKey(dataDir: string, opts: { rotate?: boolean } = {}): string {
  const file = path.join(dataDir, KEY_FILE)
  if (!opts.rotate) {
    try {
      const key = fs.readFileSync(file, 'utf8').trim()
      if (/^[A-Za-z0-9_-]{32,}$/.test(key)) return key
    } catch {
      // none yet
    }
  }
  const key = newApiKey()
  fs.mkdirSync(dataDir, { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${key}\n`, { mode: 0o600 })
  fs.renameSync(tmp, file)
  return key
}
