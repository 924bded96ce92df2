// The core's protocol, written down once. The app's core (AppService and the engine, a plain
// Node process) talks to its host (Electron's main process today; a browser UI or an editor API
// later) in JSON messages:
//
//   host -> core   init, request, port-reply, shutdown
//   core -> host   hello, ready, response, event, port, fatal
//
// A request names a command of the contract in ./api.ts (or a host-only one below) and gets
// exactly one response carrying the command's Result. Events are the contract's events. A port
// call is the core asking its host for something only the host can do (the clipboard, a file
// dialog, a notification, keeping the settings document), answered by one port-reply.
//
// Framing: on a byte stream (a pipe, a socket) each message is one line of JSON (NDJSON):
// JSON.stringify escapes every newline inside strings, so 0x0A only ever ends a frame, and UTF-8
// never puts that byte inside a multi-byte character. A transport that frames messages itself (a
// WebSocket) carries the same JSON text, one message per frame. A frame is at most
// MAX_FRAME_BYTES; anything larger is a protocol error that closes the channel.
//
// Versioning: the core speaks first (hello, with its PROTOCOL_VERSION); a host that does not
// speak that version stops it. Adding a command, an event or a field is not a new version: an
// unknown command gets a BAD_REQUEST response, unknown message types and fields are ignored.
// Changing or removing one is.
//
// This module is pure (no Node, no DOM beyond TextDecoder) so every process and a browser page
// can use it.

import type { CommandName, Commands, EventName, Events, Face, Preferences, Result } from './api'
import type { ErrorCode } from './jobs'

export const PROTOCOL_VERSION = 1

/** The largest frame either side accepts (a clipboard image travels in one, base64). */
export const MAX_FRAME_BYTES = 96 * 1024 * 1024

/**
 * Credentials in the settings document travel between host and core as this prefix + the plain
 * JSON: the host decrypts them (safeStorage) before `init`, the core keeps them in memory only,
 * and the host encrypts them again before the document reaches the disk.
 */
export const RELAYED_SECRET_PREFIX = 'relayed:'

// ---------------------------------------------------------------- commands

/** Commands only the host sends (the tray, the menu); the page never reaches them. */
export interface HostCommands {
  /** The latest finished uploads with their main link (the tray's menu). */
  recentUploads: { args: [limit: number]; value: { id: string; name: string; url: string }[] }
}
export type CoreCommands = Commands & HostCommands
export type CoreCommandName = keyof CoreCommands
export type HostCommandName = keyof HostCommands

// ---------------------------------------------------------------- ports

/** What the core asks its host; AppPorts (src/core/app-service.ts) over the wire. */
export interface PortCalls {
  writeClipboardText: { args: [text: string]; value: void }
  /** The clipboard's image (base64), or null when it holds none. */
  readClipboardImage: { args: []; value: { data: string; mime: string } | null }
  /** Native open dialog; [] when the user cancels. */
  choosePaths: { args: [kind: 'files' | 'folder']; value: string[] }
  openInBrowser: { args: [url: string]; value: void }
  notify: { args: [title: string, body: string]; value: void }
  /** Preferences the host applies (login item, global shortcut, theme). */
  preferencesChanged: { args: [prefs: Preferences]; value: void }
  /** The settings document changed: the host keeps it (credentials relayed, see above). */
  saveSettings: { args: [document: unknown]; value: void }
}
export type PortName = keyof PortCalls

export const PORT_NAMES: readonly PortName[] = [
  'writeClipboardText',
  'readClipboardImage',
  'choosePaths',
  'openInBrowser',
  'notify',
  'preferencesChanged',
  'saveSettings',
]

// ---------------------------------------------------------------- start-up

/** What the host tells a core it starts. */
export interface CoreInit {
  /** Where the ledger, staging and uploads/ live. */
  dataDir: string
  /** The app's version (About, AppInfo). */
  version: string
  /**
   * Which face the host serves: the window (native dialogs) or a browser (`upshot ui`: the
   * core-served chooser, files sent as bytes). Absent: the window.
   */
  face?: Face
  settings: {
    /** The stored settings document with its credentials relayed (or null: defaults). */
    document: unknown
    /** Whether the host can encrypt credentials at rest (else none are stored). */
    canStoreSecrets: boolean
  }
  /** "Pause all" was on when the previous core stopped. */
  paused: boolean
  /** Jobs the window showed before a restart: shown again, finished ones included. */
  showJobs: string[]
  /** The previous core died (signal, crash, OOM kill) instead of stopping when asked. */
  crash: {
    pid: number
    /** Jobs that were being processed when the core before it died. */
    suspects: string[]
  } | null
}

export interface CoreReady {
  /** Jobs that were being processed when the previous core died (told back at the next crash). */
  suspects: string[]
  /** Jobs failed with CORE_CRASHED at this start (processed in two crashes in a row). */
  failed: string[]
}

// ---------------------------------------------------------------- messages

export interface WireError {
  code: ErrorCode | 'BAD_REQUEST' | 'FORBIDDEN'
  message: string
}

export type HostMessage =
  | { t: 'init'; protocol: number; init: CoreInit }
  | { t: 'request'; id: number; cmd: string; args: unknown[] }
  | { t: 'port-reply'; id: number; ok: true; value: unknown }
  | { t: 'port-reply'; id: number; ok: false; error: WireError }
  /** Finish what can be finished, give claims back to the ledger, exit 0. */
  | { t: 'shutdown' }

export type CoreMessage =
  /** The core's first frame, sent before it loads anything heavy. */
  | { t: 'hello'; protocol: number; version: string; pid: number; node: string }
  | ({ t: 'ready' } & CoreReady)
  | { t: 'response'; id: number; result: Result<unknown> }
  | { t: 'event'; event: EventName; payload: unknown }
  | { t: 'port'; id: number; port: PortName; args: unknown[] }
  /** The core cannot go on (wrong protocol, broken data dir); it exits after this. */
  | { t: 'fatal'; code: ErrorCode | 'PROTOCOL'; message: string }

export type EventMessage<K extends EventName = EventName> = {
  t: 'event'
  event: K
  payload: Events[K]
}

export type RequestArgs<K extends CoreCommandName> = CoreCommands[K]['args']
export type ResponseValue<K extends CoreCommandName> = CoreCommands[K]['value']
export type PageCommand = CommandName

// ---------------------------------------------------------------- checks

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

/** A message from a host, or null for anything malformed or unknown (ignored). */
export function asHostMessage(v: unknown): HostMessage | null {
  if (!isRecord(v)) return null
  switch (v.t) {
    case 'init':
      return typeof v.protocol === 'number' && isRecord(v.init) ? (v as HostMessage) : null
    case 'request':
      return isId(v.id) && typeof v.cmd === 'string' && Array.isArray(v.args)
        ? (v as HostMessage)
        : null
    case 'port-reply':
      return isId(v.id) && typeof v.ok === 'boolean' ? (v as HostMessage) : null
    case 'shutdown':
      return { t: 'shutdown' }
    default:
      return null
  }
}

/** A message from a core, or null for anything malformed or unknown (ignored). */
export function asCoreMessage(v: unknown): CoreMessage | null {
  if (!isRecord(v)) return null
  switch (v.t) {
    case 'hello':
      return typeof v.protocol === 'number' && typeof v.version === 'string'
        ? (v as CoreMessage)
        : null
    case 'ready':
      return Array.isArray(v.suspects) && Array.isArray(v.failed) ? (v as CoreMessage) : null
    case 'response':
      return isId(v.id) && isRecord(v.result) && typeof v.result.ok === 'boolean'
        ? (v as CoreMessage)
        : null
    case 'event':
      return typeof v.event === 'string' ? (v as CoreMessage) : null
    case 'port':
      return isId(v.id) &&
        typeof v.port === 'string' &&
        (PORT_NAMES as readonly string[]).includes(v.port) &&
        Array.isArray(v.args)
        ? (v as CoreMessage)
        : null
    case 'fatal':
      return typeof v.message === 'string' ? (v as CoreMessage) : null
    default:
      return null
  }
}

// ---------------------------------------------------------------- framing

/** One frame: the message as a line of JSON. */
export function encodeFrame(message: HostMessage | CoreMessage): string {
  return `${JSON.stringify(message)}\n`
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FrameError'
  }
}

const NEWLINE = 0x0a

/**
 * Cuts a byte stream into frames and parses each. Chunks may split a frame (or a UTF-8
 * character) anywhere. A frame over `maxBytes` or one that is not JSON throws a FrameError: the
 * other side is broken or hostile, and the channel should be closed.
 */
export class FrameDecoder {
  private parts: Uint8Array[] = []
  private size = 0
  private readonly text = new TextDecoder('utf-8', { fatal: true })

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  /** The messages completed by this chunk, in order. */
  push(chunk: Uint8Array): unknown[] {
    const out: unknown[] = []
    let start = 0
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start)
      if (end === -1) break
      this.take(chunk.subarray(start, end))
      out.push(this.finish())
      start = end + 1
    }
    if (start < chunk.length) this.take(chunk.subarray(start))
    return out
  }

  /** Bytes of an unfinished frame still held. */
  get pending(): number {
    return this.size
  }

  private take(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    this.size += bytes.length
    if (this.size > this.maxBytes) {
      this.parts = []
      this.size = 0
      throw new FrameError(`A frame is longer than ${this.maxBytes} bytes.`)
    }
    // Copied: the stream may reuse the chunk's memory after the callback.
    this.parts.push(bytes.slice())
  }

  private finish(): unknown {
    const parts = this.parts
    const size = this.size
    this.parts = []
    this.size = 0
    let bytes: Uint8Array
    if (parts.length === 1) bytes = parts[0]!
    else {
      bytes = new Uint8Array(size)
      let at = 0
      for (const p of parts) {
        bytes.set(p, at)
        at += p.length
      }
    }
    try {
      return JSON.parse(this.text.decode(bytes))
    } catch {
      throw new FrameError('A frame is not valid UTF-8 JSON.')
    }
  }
}
