// AppPorts answered by the host over the channel: the core asks (a `port` message), the host
// does what only it can (the clipboard, a dialog, a notification, the settings file) and replies.

import type { AppPorts } from '../app-service'
import type { CoreMessage, PortCalls, PortName, WireError } from '../../shared/protocol'
import { UpshotError } from '../../shared/jobs'

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
}

export class PortCaller {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closedWith: Error | null = null

  constructor(private readonly send: (message: CoreMessage) => void) {}

  call<K extends PortName>(port: K, args: PortCalls[K]['args']): Promise<PortCalls[K]['value']> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.send({ t: 'port', id, port, args: [...args] })
    })
  }

  /** A port-reply from the host. */
  settle(id: number, reply: { ok: true; value: unknown } | { ok: false; error: WireError }): void {
    const waiting = this.pending.get(id)
    if (!waiting) return
    this.pending.delete(id)
    if (reply.ok) waiting.resolve(reply.value)
    else waiting.reject(new UpshotError(codeOf(reply.error), reply.error.message))
  }

  /** The host is gone: every call still waiting fails, and so do later ones. */
  close(): void {
    this.closedWith = new UpshotError('INTERNAL', 'The window that asked for this has closed.')
    for (const p of this.pending.values()) p.reject(this.closedWith)
    this.pending.clear()
  }
}

function codeOf(error: WireError): UpshotError['code'] {
  return error.code === 'BAD_REQUEST' || error.code === 'FORBIDDEN' ? 'INTERNAL' : error.code
}

/** AppService's ports over the channel. */
export function remotePorts(caller: PortCaller): AppPorts {
  const quiet = (what: string) => (err: unknown) =>
    console.warn(`[core] ${what} failed:`, err instanceof Error ? err.message : err)
  return {
    writeClipboardText: (text) => caller.call('writeClipboardText', [text]),
    async readClipboardImage() {
      const image = await caller.call('readClipboardImage', [])
      return image ? { data: Buffer.from(image.data, 'base64'), mime: image.mime } : null
    },
    choosePaths: (kind) => caller.call('choosePaths', [kind]),
    openInBrowser: (url) => caller.call('openInBrowser', [url]),
    notify(title, body) {
      caller.call('notify', [title, body]).catch(quiet('a notification'))
    },
    preferencesChanged(prefs) {
      caller.call('preferencesChanged', [prefs]).catch(quiet('applying the preferences'))
    },
  }
}
