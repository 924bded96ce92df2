// The browser face's host: the app's core (CoreServer, the same code the window's core process
// runs) in this process, and the browser tabs connected over WebSockets. Each tab speaks the
// core's protocol (src/shared/protocol.ts), one JSON message per frame: it sends `request`s, gets
// `response`s and `event`s. Requests are renumbered for the core and answered to the tab that
// asked; events go to every tab. The core's port calls are answered here the browser's way:
// links the core copies go to the tabs, which write the clipboard themselves; there is no dialog
// on this computer's screen, no OS notification (a notice in the tabs instead).
//
// Why in-process rather than a child like the window's core: `upshot ui` runs under plain Node
// already (no Electron GLib to keep away from libvips, no ABI to rebuild better-sqlite3 for), the
// CLI bundles the engine, and one process is what a service manager (systemd, a container)
// supervises and restarts. The HTTP side does no image work, so sharp's threads do not stall it.

import {
  PROTOCOL_VERSION,
  asHostMessage,
  type CoreMessage,
  type PortCalls,
  type PortName,
} from '../../shared/protocol'
import type { CommandName, Result } from '../../shared/api'
import { COMMAND_CHANNELS } from '../../shared/api'
import { CoreServer } from '../process/server'
import type { SecretBox, SettingsStorage } from '../settings-model'
import type { IncomingFiles } from '../incoming'

/**
 * What a browser tab may not ask: paths (a tab names no file on this computer: it sends bytes,
 * or picks in the core-served chooser), native dialogs and the clipboard of this computer (whose
 * screen may be a server's, or nobody's).
 */
const NOT_FROM_A_BROWSER: ReadonlySet<string> = new Set<CommandName>([
  'addPaths',
  'chooseAndAdd',
  'uploadClipboardImage',
  'chooseSyncFolder',
  'chooseWatermarkImage',
])

export function browserMayCall(cmd: string): cmd is CommandName {
  return Object.hasOwn(COMMAND_CHANNELS, cmd) && !NOT_FROM_A_BROWSER.has(cmd)
}

/** A connected tab: where its frames go. */
export interface TabLink {
  send(text: string): void
}

export interface BrowserHostOptions {
  dataDir: string
  version: string
  storage: SettingsStorage
  box: SecretBox
  incoming: IncomingFiles
}

/** Frames from a tab are small requests; files travel over HTTP (POST /api/files). */
export const MAX_TAB_FRAME_BYTES = 1024 * 1024

export class BrowserHost {
  private readonly core: CoreServer
  private readonly tabs = new Set<TabLink>()
  private readonly asked = new Map<number, { tab: TabLink; id: number }>()
  private nextId = 1
  private started: { resolve(): void; reject(err: Error): void } | null = null
  private exited: (() => void) | null = null
  private exitCode: number | null = null

  constructor(private readonly o: BrowserHostOptions) {
    this.core = new CoreServer({
      version: o.version,
      channel: { send: (m) => this.fromCore(m), end: (done) => done() },
      exit: (code) => {
        this.exitCode = code
        this.exited?.()
      },
      localSettings: { storage: o.storage, box: o.box },
      incoming: o.incoming,
    })
  }

  /** Starts the core: unfinished jobs in the ledger resume. Rejects with the core's sentence. */
  start(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => (this.started = { resolve, reject }))
    this.core.receive({
      t: 'init',
      protocol: PROTOCOL_VERSION,
      init: {
        dataDir: this.o.dataDir,
        version: this.o.version,
        face: 'browser',
        settings: { document: null, canStoreSecrets: this.o.box.available() },
        paused: false,
        showJobs: [],
        crash: null,
      },
    })
    return ready
  }

  /** A tab connected: returns what to do with its frames and when it goes. */
  attach(tab: TabLink): { receive(text: string): void; detach(): void } {
    this.tabs.add(tab)
    return {
      receive: (text) => this.fromTab(tab, text),
      detach: () => {
        this.tabs.delete(tab)
        for (const [id, a] of this.asked) if (a.tab === tab) this.asked.delete(id)
      },
    }
  }

  get connectedTabs(): number {
    return this.tabs.size
  }

  /** Gives every claim back to the ledger and stops the core (unfinished jobs resume next time). */
  stop(): Promise<void> {
    if (this.exitCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      this.exited = resolve
      this.core.receive({ t: 'shutdown' })
    })
  }

  private fromTab(tab: TabLink, text: string): void {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      return
    }
    const message = asHostMessage(raw)
    // A tab may only ask; init, port replies and shutdown are the host's.
    if (!message || message.t !== 'request') return
    if (!browserMayCall(message.cmd)) {
      this.reply(tab, message.id, {
        ok: false,
        error: {
          code: 'FORBIDDEN',
          message: `${message.cmd.slice(0, 60)} is not available in the browser.`,
        },
      })
      return
    }
    const id = this.nextId++
    this.asked.set(id, { tab, id: message.id })
    this.core.receive({ t: 'request', id, cmd: message.cmd, args: message.args })
  }

  private reply(tab: TabLink, id: number, result: Result<unknown>): void {
    tab.send(JSON.stringify({ t: 'response', id, result }))
  }

  private broadcast(event: string, payload: unknown): void {
    const frame = JSON.stringify({ t: 'event', event, payload })
    for (const tab of this.tabs) tab.send(frame)
  }

  private fromCore(m: CoreMessage): void {
    switch (m.t) {
      case 'ready':
        this.started?.resolve()
        this.started = null
        return
      case 'fatal':
        this.started?.reject(new Error(m.message))
        this.started = null
        return
      case 'response': {
        const asked = this.asked.get(m.id)
        if (!asked) return
        this.asked.delete(m.id)
        if (this.tabs.has(asked.tab)) this.reply(asked.tab, asked.id, m.result)
        return
      }
      case 'event':
        this.broadcast(m.event, m.payload)
        return
      case 'port':
        // Answered after this call returns: the core is still inside its own send.
        queueMicrotask(() => this.answerPort(m.id, m.port, m.args))
        return
    }
  }

  private answerPort(id: number, port: PortName, args: unknown[]): void {
    const value = this.port(port, args as never)
    this.core.receive({ t: 'port-reply', id, ok: true, value })
  }

  private port<K extends PortName>(name: K, args: PortCalls[K]['args']): unknown {
    switch (name) {
      case 'writeClipboardText':
        // The tabs write it (navigator.clipboard): the user's clipboard is the browser's.
        this.broadcast('clipboard', { text: args[0] })
        return undefined
      case 'notify':
        this.broadcast('notice', { kind: 'info', message: `${args[0]}: ${args[1]}` })
        return undefined
      case 'readClipboardImage':
        return null
      case 'choosePaths':
        return []
      default:
        // openInBrowser (the tab opens links itself), preferencesChanged (the tab applies the
        // theme; no tray, shortcut or login item here), saveSettings (kept by the core itself).
        return undefined
    }
  }
}
