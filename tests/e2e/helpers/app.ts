// tsconfig.e2e.json does not include the engine's ambient module declarations; the engine needs
// this one (heic-decode ships no types) when the tests typecheck it through AppService.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../../src/engine/pipeline/heic-decode.d.ts" />
// The desktop app's main-process half without Electron: AppService with the real engine (Node's
// better-sqlite3), settings in a JSON file with AES-encrypted credentials standing in for
// electron-store + safeStorage, and ports that record what would reach the OS.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { DestinationInput, EventName, Events, Preferences } from '../../../src/shared/api'
import { AppService } from '../../../src/core/app-service'
import { createEngine } from '../../../src/engine'
import { Settings, type SecretBox, type SettingsStorage } from '../../../src/core/settings-model'
import type { TestS3 } from '../../helpers/s3server'

export interface TestApp {
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

export function aesBox(): SecretBox {
  const key = randomBytes(32)
  return {
    available: () => true,
    encrypt(plain) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()])
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')
    },
    decrypt(cipher) {
      const raw = Buffer.from(cipher, 'base64')
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      d.setAuthTag(raw.subarray(12, 28))
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')
    },
  }
}

export function jsonFileStorage(file: string): SettingsStorage {
  return {
    load: () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined),
    save: (doc) => fs.writeFileSync(file, JSON.stringify({ settings: doc }, null, 2)),
  }
}

export function startTestApp(
  opts: { prefs?: Partial<Preferences>; dataDir?: string; syncSettleMs?: number } = {},
): TestApp {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-app-'))
  fs.mkdirSync(dataDir, { recursive: true })
  const settingsFile = path.join(dataDir, 'settings.json')
  const storage = jsonFileStorage(settingsFile)
  const settings = new Settings(
    {
      load: () => (storage.load() as { settings?: unknown } | undefined)?.settings,
      save: storage.save,
    },
    aesBox(),
    path.join(dataDir, 'uploads'),
  )
  if (opts.prefs) settings.savePreferences(opts.prefs)
  const listeners: (<K extends EventName>(name: K, payload: Events[K]) => void)[] = []
  const app: Omit<TestApp, 'service'> & { service?: AppService } = {
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
  return app as TestApp
}

/**
 * A saved destination for the test S3 server (through `extra.endpoint`, e.g. a proxy), as the
 * Settings view would save it.
 */
export function testBucketDestination(
  s3: TestS3,
  name: string,
  extra: Partial<DestinationInput> = {},
): DestinationInput {
  return {
    name,
    kind: 's3-compatible',
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    accountId: '',
    dir: '',
    prefix: s3.prefix,
    publicUrl: '',
    pathStyle: true,
    checksum: 'WHEN_REQUIRED',
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    ...extra,
  }
}
