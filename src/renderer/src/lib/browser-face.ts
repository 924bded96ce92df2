// window.upshot in a browser tab of `upshot ui`: the same contract (src/shared/api.ts) the
// preload gives the window, built by the preload's own createUpshotApi over a WebSocket that
// carries the core's protocol (one JSON message per frame). What the window does with the OS, the
// tab does with the browser: files travel as bytes (POST /api/files, then addUploads with the
// tokens), links go to navigator.clipboard, links open in a new tab, and paths on the core's
// computer are chosen in the core-served chooser (state/chooser.ts) instead of a native dialog.

import {
  COMMAND_CHANNELS,
  EVENT_CHANNELS,
  type AddResult,
  type CommandName,
  type CoreStatus,
  type EventName,
  type Events,
  type FileHandle,
  type Result,
  type TransferProgress,
  type UpshotApi,
} from '../../../shared/api'
import { createUpshotApi } from '../../../preload/api'
import { requestChoice } from '../state/chooser'

const CHANNEL_TO_COMMAND = new Map<string, CommandName>(
  (Object.keys(COMMAND_CHANNELS) as CommandName[]).map((name) => [COMMAND_CHANNELS[name], name]),
)
const EVENT_OF_CHANNEL = new Map<string, EventName>(
  (Object.keys(EVENT_CHANNELS) as EventName[]).map((name) => [EVENT_CHANNELS[name], name]),
)

/** Files sent at once; a drop's rows appear in parts of this many. */
const PARALLEL_SENDS = 4
const PART_FILES = 100
const PART_MS = 250

type Listener = (payload: unknown) => void

class Socket {
  private ws: WebSocket | null = null
  private nextId = 1
  private readonly pending = new Map<number, (r: Result<unknown>) => void>()
  private readonly queued: string[] = []
  readonly listeners = new Map<EventName, Set<Listener>>()
  private failures = 0
  private restarts = 0
  private everOpen = false

  constructor(private readonly url: string) {
    this.open()
  }

  request(cmd: string, args: unknown[]): Promise<Result<unknown>> {
    return new Promise((resolve) => {
      const id = this.nextId++
      this.pending.set(id, resolve)
      const frame = JSON.stringify({ t: 'request', id, cmd, args })
      if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame)
      else this.queued.push(frame)
    })
  }

  emit<K extends EventName>(event: K, payload: Events[K]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(payload)
  }

  private open(): void {
    const ws = new WebSocket(this.url)
    this.ws = ws
    ws.onopen = () => {
      this.failures = 0
      if (this.everOpen) {
        this.restarts++
        this.status({ state: 'running', message: null, restarts: this.restarts })
      }
      this.everOpen = true
      for (const frame of this.queued.splice(0)) ws.send(frame)
    }
    ws.onmessage = (e: MessageEvent<string>) => this.receive(e.data)
    ws.onclose = () => {
      this.ws = null
      for (const resolve of this.pending.values()) {
        resolve({
          ok: false,
          error: { code: 'INTERNAL', message: 'The connection to Upshot was lost; try again.' },
        })
      }
      this.pending.clear()
      this.failures++
      // A restarted `upshot ui` no longer knows this tab's cookie: only its new link helps.
      this.status({
        state: this.failures > 5 ? 'stopped' : 'restarting',
        message:
          this.failures > 5
            ? 'Upshot is not answering. If you stopped or restarted `upshot ui`, open the new link it printed.'
            : 'The connection to Upshot was lost; reconnecting…',
        restarts: this.restarts,
      })
      setTimeout(() => this.open(), Math.min(10_000, 250 * 2 ** this.failures))
    }
  }

  private status(status: CoreStatus): void {
    this.emit('core', status)
  }

  private receive(text: string): void {
    let m: { t?: string; id?: number; result?: Result<unknown>; event?: string; payload?: unknown }
    try {
      m = JSON.parse(text) as typeof m
    } catch {
      return
    }
    if (m.t === 'response' && typeof m.id === 'number' && m.result) {
      const resolve = this.pending.get(m.id)
      this.pending.delete(m.id)
      resolve?.(m.result)
    } else if (m.t === 'event' && typeof m.event === 'string') {
      for (const fn of this.listeners.get(m.event as EventName) ?? []) fn(m.payload)
    }
  }
}

/** Sends one file's bytes to the core; resolves with its token. */
function sendFile(
  name: string,
  blob: Blob,
  onProgress: (bytes: number) => void,
): Promise<{ ok: true; token: string } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/files')
    xhr.setRequestHeader('X-Upshot-Name', encodeURIComponent(name))
    xhr.upload.onprogress = (e) => onProgress(e.loaded)
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as {
          token?: string
          error?: { message: string }
        }
        if (xhr.status === 200 && body.token) resolve({ ok: true, token: body.token })
        else resolve({ ok: false, message: body.error?.message ?? `HTTP ${xhr.status}` })
      } catch {
        resolve({ ok: false, message: xhr.responseText.trim() || `HTTP ${xhr.status}` })
      }
    }
    xhr.onerror = () => resolve({ ok: false, message: 'The connection to Upshot was lost.' })
    xhr.send(blob)
  })
}

function blobOf(handle: FileHandle): Blob | null {
  if (handle.file) return handle.file
  return handle instanceof Blob ? handle : null
}

function nameOf(handle: FileHandle): string {
  const rel = handle.relativePath ?? (handle as { webkitRelativePath?: string }).webkitRelativePath
  return rel || handle.name
}

export function createBrowserFace(): UpshotApi {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const socket = new Socket(`${scheme}//${location.host}/api/ws`)
  const invoke = (channel: string, args: unknown[]): Promise<unknown> => {
    const cmd = CHANNEL_TO_COMMAND.get(channel)
    return cmd
      ? socket.request(cmd, args)
      : Promise.resolve({ ok: false, error: { code: 'BAD_REQUEST', message: 'unknown command' } })
  }
  const base = createUpshotApi({
    invoke,
    listen(channel, fn) {
      const event = EVENT_OF_CHANNEL.get(channel)
      if (!event) return () => {}
      const set = socket.listeners.get(event) ?? new Set()
      set.add(fn)
      socket.listeners.set(event, set)
      return () => set.delete(fn)
    },
    pathForFile: () => '',
  })
  const call = <T>(cmd: CommandName, args: unknown[]): Promise<Result<T>> =>
    socket.request(cmd, args) as Promise<Result<T>>

  // The clipboard is the browser's: links the core copies on its own (auto-copy) land here.
  socket.listeners.set(
    'clipboard',
    new Set([
      (p) => void navigator.clipboard?.writeText((p as { text: string }).text).catch(() => {}),
    ]),
  )

  let transfer: TransferProgress = {
    files: 0,
    filesDone: 0,
    bytesDone: 0,
    bytesTotal: 0,
    failed: [],
    active: false,
  }
  const report = (patch: Partial<TransferProgress>): void => {
    transfer = { ...transfer, ...patch }
    socket.emit('transfer', transfer)
  }

  async function addFiles(files: readonly FileHandle[]): Promise<Result<AddResult>> {
    const items = Array.from(files).flatMap((h) => {
      const blob = blobOf(h)
      return blob ? [{ name: nameOf(h), blob }] : []
    })
    if (items.length === 0) return { ok: true, value: { added: 0 } }
    const batch = crypto.randomUUID()
    const started = !transfer.active
    report({
      files: (started ? 0 : transfer.files) + items.length,
      filesDone: started ? 0 : transfer.filesDone,
      bytesDone: started ? 0 : transfer.bytesDone,
      bytesTotal: (started ? 0 : transfer.bytesTotal) + items.reduce((n, i) => n + i.blob.size, 0),
      failed: started ? [] : transfer.failed,
      active: true,
    })
    let added = 0
    let tokens: string[] = []
    let lastPart = Date.now()
    let error: Result<AddResult> | null = null
    const flush = async (last: boolean): Promise<void> => {
      const part = tokens
      tokens = []
      lastPart = Date.now()
      if (part.length === 0 && !last) return
      const r = await call<AddResult>('addUploads', [part, { batch, last }])
      if (r.ok) added += r.value.added
      else error ??= r
    }
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next++]!
        let sent = 0
        const r = await sendFile(item.name, item.blob, (bytes) => {
          report({ bytesDone: transfer.bytesDone + bytes - sent })
          sent = bytes
        })
        report({
          bytesDone: transfer.bytesDone + item.blob.size - sent,
          filesDone: transfer.filesDone + 1,
          ...(r.ok
            ? {}
            : { failed: [...transfer.failed, { name: item.name, message: r.message }] }),
        })
        if (!r.ok) continue
        tokens.push(r.token)
        if (tokens.length >= PART_FILES || Date.now() - lastPart >= PART_MS) await flush(false)
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL_SENDS, items.length) }, worker))
    await flush(true)
    if (transfer.filesDone >= transfer.files) report({ active: false })
    if (error) return error
    const failed = transfer.failed.length
    if (added === 0 && failed > 0) {
      return {
        ok: false,
        error: {
          code: 'INTERNAL',
          message: `${transfer.failed[0]!.name} could not be sent to Upshot: ${transfer.failed[0]!.message}`,
        },
      }
    }
    return { ok: true, value: { added } }
  }

  /** A file input opened from a click (the browser allows that only during one). */
  function pickLocal(kind: 'files' | 'folder'): Promise<File[]> {
    return new Promise((resolve) => {
      const input = document.createElement('input')
      input.type = 'file'
      input.multiple = true
      if (kind === 'folder') input.webkitdirectory = true
      else input.accept = 'image/*,.heic,.heif,.avif,.svg'
      input.addEventListener('change', () => resolve(Array.from(input.files ?? [])))
      input.addEventListener('cancel', () => resolve([]))
      input.click()
    })
  }

  const api: UpshotApi = {
    ...base,
    face: 'browser',
    addFiles,
    async chooseAndAdd(kind) {
      // A folder on this computer is listed by the core itself, as in the window: rows show at
      // once and nothing is copied. Files, and folders the user sends anyway, cross HTTP.
      if (kind === 'folder') {
        const choice = await requestChoice('upload-folder')
        if (choice === null) return { ok: true, value: { added: 0 } }
        if (choice !== 'browser') return base.addChosenFolder(choice.token)
      }
      return addFiles(await pickLocal(kind))
    },
    async uploadClipboardImage() {
      try {
        for (const item of await navigator.clipboard.read()) {
          const type = item.types.find((t) => t.startsWith('image/'))
          if (!type) continue
          const blob = await item.getType(type)
          const ext = type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'png'
          const name = `clipboard-${new Date().toISOString().slice(0, 10)}.${ext}`
          return addFiles([{ name, file: blob }])
        }
      } catch {
        // Not allowed (no permission, no focus): say what to do instead.
      }
      return {
        ok: false,
        error: {
          code: 'NOT_FOUND',
          message: 'The browser gave no image from the clipboard; paste it with Ctrl+V instead.',
        },
      }
    },
    async copyLinks(ids, format, mirror) {
      const r = await base.copyLinks(ids, format, mirror)
      if (!r.ok) return r
      try {
        await navigator.clipboard.writeText(r.value.text)
        return r
      } catch {
        return {
          ok: false,
          error: {
            code: 'INTERNAL',
            message:
              'The browser did not let Upshot write to the clipboard; click in the page and try again.',
          },
        }
      }
    },
    async openLink(url) {
      let parsed: URL
      try {
        parsed = new URL(url)
      } catch {
        return { ok: false, error: { code: 'CONFIG', message: 'That is not a link.' } }
      }
      if (parsed.protocol !== 'https:') {
        return {
          ok: false,
          error: { code: 'CONFIG', message: 'Only https:// links open in the browser.' },
        }
      }
      window.open(parsed.href, '_blank', 'noopener,noreferrer')
      return { ok: true, value: undefined }
    },
    async chooseSyncFolder() {
      return { ok: true, value: await requestChoice('sync-folder') }
    },
    async chooseWatermarkImage() {
      return { ok: true, value: await requestChoice('watermark-image') }
    },
    async previewPreset(preset) {
      const photo = await requestChoice('preview-photo')
      if (!photo) return { ok: true, value: null }
      return base.previewPreset(preset, photo.token)
    },
  }
  return api
}
