// The settings document on disk for `upshot ui`: the same settings.json in the data dir that the
// desktop app keeps with electron-store ({ "settings": document }), so both faces show the same
// destinations, presets and preferences. Written atomically (a temporary file renamed over it),
// readable by the user only. Keys inside are sealed (see ../secrets/node-secrets.ts).

import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { SettingsStorage, StoredSettings } from '../settings-model'

export function settingsFileStorage(dataDir: string): SettingsStorage {
  const file = path.join(dataDir, 'settings.json')
  const read = (): Record<string, unknown> => {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'))
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {}
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw new Error(
        `${file} cannot be read (${(err as Error).message}); move it away to start afresh.`,
      )
    }
  }
  return {
    load: () => read().settings,
    save(document: StoredSettings) {
      // What else the file holds (the desktop app's own keys) stays as it is.
      const next = JSON.stringify({ ...read(), settings: document }, null, '\t')
      fs.mkdirSync(dataDir, { recursive: true })
      const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`
      fs.writeFileSync(temp, next, { mode: 0o600 })
      fs.renameSync(temp, file)
    },
  }
}
