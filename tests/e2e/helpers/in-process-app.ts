// tsconfig.e2e.json does not include the engine's ambient module declarations; the engine needs
// this one (heic-decode ships no types) when the tests typecheck it through AppService.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../../src/engine/pipeline/heic-decode.d.ts" />
// AppService in the test process, for the tests that are explicitly a unit of AppService
// (tests/e2e/app-service.test.ts): the real engine, settings in a JSON file with AES-encrypted
// credentials standing in for electron-store + safeStorage, and ports that record what would
// reach the OS. Everything about the app itself runs the real core process (./app.ts).

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { EventName, Events, Preferences } from '../../../src/shared/api'
import { AppService } from '../../../src/core/app-service'
import { createEngine } from '../../../src/engine'
import { Settings } from '../../../src/core/settings-model'
import { aesBox, jsonFileStorage } from './test-keychain'

export interface InProcessApp {
  service: AppService
  settings: Settings
  dataDir: string
  settingsFile: string
  /** Text written to the clipboard, oldest first. */
  clipboard: string[]
  /** The image the clipboard holds for uploadClipboardImage. */
  clipboardImage: { data: Buffer; mime: string } | null
  /** Paths the next "Add files" dialog returns. */
  dialogPaths: string[]
  opened: string[]
  notifications: { title: string; body: string }[]
  events: { name: EventName; payload: unknown }[]
  /** Every event sent to the page, as JSON (what crossed the bridge). */
  wire(): string
  listen(fn: <K extends EventName>(name: K, payload: Events[K]) => void): void
  close(): Promise<void>
}

export function startInProcessApp(
  opts: { prefs?: Partial<Preferences>; dataDir?: string; syncSettleMs?: number } = {},
): InProcessApp {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-app-'))
  fs.mkdirSync(dataDir, { recursive: true })
  const settingsFile = path.join(dataDir, 'settings.json')
  const settings = new Settings(
    jsonFileStorage(settingsFile),
    aesBox(dataDir),
    path.join(dataDir, 'uploads'),
  )
  if (opts.prefs) settings.savePreferences(opts.prefs)
  const listeners: (<K extends EventName>(name: K, payload: Events[K]) => void)[] = []
  const app: Omit<InProcessApp, 'service'> & { service?: AppService } = {
    settings,
    dataDir,
    settingsFile,
    clipboard: [],
    clipboardImage: null,
    dialogPaths: [],
    opened: [],
    notifications: [],
    events: [],
    wire: () => JSON.stringify(app.events),
    listen: (fn) => listeners.push(fn),
    close: async () => {
      await app.service?.close()
    },
  }
  app.service = new AppService({
    dataDir,
    version: '0.0.0-test',
    settings,
    ports: {
      writeClipboardText: async (text) => {
        app.clipboard.push(text)
      },
      readClipboardImage: async () => app.clipboardImage,
      choosePaths: async () => app.dialogPaths.splice(0),
      openInBrowser: async (url) => {
        app.opened.push(url)
      },
      notify: (title, body) => app.notifications.push({ title, body }),
      preferencesChanged: () => {},
    },
    makeEngine: (hooks) => createEngine({ dataDir, processConcurrency: 2, ...hooks }),
    emit: (name, payload) => {
      app.events.push({ name, payload })
      for (const fn of listeners) fn(name, payload)
    },
    patchIntervalMs: 100,
    ...(opts.syncSettleMs !== undefined ? { syncSettleMs: opts.syncSettleMs } : {}),
  })
  return app as InProcessApp
}
