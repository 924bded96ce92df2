// The desktop app without Electron's window: the real core process (out/core/index.mjs, started
// by the supervisor src/main uses, over the same private channel and framing), with this test
// process as its host the way Electron's main process is: it keeps the settings file (JSON
// standing in for electron-store, AES for safeStorage: see ./test-keychain.ts) and answers the
// core's port calls by recording what would reach the OS (clipboard, dialogs, notifications).

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type {
  CoreStatus,
  EventName,
  Events,
  Preferences,
  QueueSnapshot,
  Result,
} from '../../../src/shared/api'
import type { CoreCommandName, CoreCommands, PortCalls } from '../../../src/shared/protocol'
import { CoreSupervisor, type SupervisorOptions } from '../../../src/main/core-supervisor'
import { HostSettings } from '../../../src/main/settings-relay'
import { aesBox, jsonFileStorage } from './test-keychain'
import { CORE_ENTRY, ensureCoreBuilt } from './build'

export { aesBox, jsonFileStorage, testBucketDestination } from './test-keychain'

type Listener = <K extends EventName>(name: K, payload: Events[K]) => void

export interface TestApp {
  supervisor: CoreSupervisor
  dataDir: string
  settingsFile: string
  /** Text written to the clipboard, oldest first. */
  clipboard: string[]
  /** The image the clipboard holds for uploadClipboardImage. */
  clipboardImage: { data: Buffer; mime: string } | null
  /** Paths the next file or folder dialog returns. */
  dialogPaths: string[]
  opened: string[]
  notifications: { title: string; body: string }[]
  /** The preferences the core last asked the host to apply. */
  applied: Preferences | null
  events: { name: EventName; payload: unknown }[]
  statuses: CoreStatus[]
  /** What the core wrote to stdout and stderr. */
  logs: string[]
  /** Everything sent towards the page (events and command results), as JSON. */
  wire(): string
  /** Records a message as sent to the page (the bridge's command results). */
  toPage(message: unknown): void
  listen(fn: Listener): void
  /** A command's raw result, as the page would get it. */
  request<K extends CoreCommandName>(
    cmd: K,
    ...args: CoreCommands[K]['args']
  ): Promise<Result<CoreCommands[K]['value']>>
  /** A command's value; throws with the command's error code and sentence. */
  call<K extends CoreCommandName>(
    cmd: K,
    ...args: CoreCommands[K]['args']
  ): Promise<CoreCommands[K]['value']>
  queue(): Promise<QueueSnapshot>
  /** The ledger, read-only, for checks the app's commands do not show. */
  ledger(): Database.Database
  close(): Promise<void>
}

export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface TestAppOptions {
  prefs?: Partial<Preferences>
  dataDir?: string
  /** The Node that runs the core (default: this one, as `npm start` does). */
  node?: string
  /** The core's entry (default: out/core/index.mjs). */
  entry?: string
  env?: NodeJS.ProcessEnv
  supervisor?: Partial<Pick<SupervisorOptions, 'restartDelaysMs' | 'stableAfterMs'>>
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  if (!opts.entry) ensureCoreBuilt()
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-app-'))
  fs.mkdirSync(dataDir, { recursive: true })
  const settingsFile = path.join(dataDir, 'settings.json')
  const host = new HostSettings(jsonFileStorage(settingsFile), aesBox(dataDir))
  const listeners: Listener[] = []
  const sentToPage: string[] = []
  let ledger: Database.Database | null = null

  const ports: { [K in keyof PortCalls]: (...a: PortCalls[K]['args']) => PortCalls[K]['value'] } = {
    writeClipboardText: (text) => void app.clipboard.push(text),
    readClipboardImage: () =>
      app.clipboardImage
        ? { data: app.clipboardImage.data.toString('base64'), mime: app.clipboardImage.mime }
        : null,
    choosePaths: () => app.dialogPaths.splice(0),
    openInBrowser: (url) => void app.opened.push(url),
    notify: (title, body) => void app.notifications.push({ title, body }),
    preferencesChanged: (prefs) => void (app.applied = prefs),
    saveSettings: (doc) => host.save(doc),
  }

  const supervisor: CoreSupervisor = new CoreSupervisor({
    launch: () => ({
      command: opts.node ?? process.execPath,
      args: [opts.entry ?? CORE_ENTRY],
      env: { ...process.env, AWS_CA_BUNDLE: '', ...opts.env },
    }),
    init: () => ({ dataDir, version: '0.0.0-test', settings: host.forCore() }),
    handlers: {
      port: (name, args) => (ports[name] as (...a: unknown[]) => never)(...args),
      event: (name, payload) => {
        app.events.push({ name, payload })
        sentToPage.push(JSON.stringify({ name, payload }))
        for (const fn of listeners) fn(name, payload as never)
      },
      status: (status) => {
        app.statuses.push(status)
        sentToPage.push(JSON.stringify({ name: 'core', payload: status }))
        for (const fn of listeners) fn('core', status)
      },
      log: (stream, line) => app.logs.push(`${stream}: ${line}`),
    },
    restartDelaysMs: opts.supervisor?.restartDelaysMs ?? [100, 250, 500],
    ...(opts.supervisor?.stableAfterMs !== undefined
      ? { stableAfterMs: opts.supervisor.stableAfterMs }
      : {}),
  })

  const request = <K extends CoreCommandName>(cmd: K, ...args: CoreCommands[K]['args']) =>
    supervisor.request(cmd, args) as Promise<Result<CoreCommands[K]['value']>>

  const app: TestApp = {
    supervisor,
    dataDir,
    settingsFile,
    clipboard: [],
    clipboardImage: null,
    dialogPaths: [],
    opened: [],
    notifications: [],
    applied: null,
    events: [],
    statuses: [],
    logs: [],
    wire: () => sentToPage.join('\n'),
    toPage: (message) => void sentToPage.push(JSON.stringify(message)),
    listen: (fn) => void listeners.push(fn),
    request,
    async call(cmd, ...args) {
      const result = await request(cmd, ...args)
      if (!result.ok) throw new CommandError(result.error.code, result.error.message)
      return result.value
    },
    queue: () => app.call('getQueue'),
    ledger() {
      ledger ??= new Database(path.join(dataDir, 'ledger.sqlite'), {
        readonly: true,
        fileMustExist: true,
      })
      return ledger
    },
    async close() {
      ledger?.close()
      ledger = null
      await supervisor.stop()
    },
  }
  try {
    await supervisor.start()
  } catch (err) {
    throw new Error(`the core did not start: ${(err as Error).message}\n${app.logs.join('\n')}`)
  }
  if (opts.prefs) await app.call('savePreferences', opts.prefs)
  return app
}

/** Polls `check` until it holds (the app's state arrives over the channel, asynchronously). */
export { until } from '../../helpers/until'
