// The preload contract, typed once: the commands the renderer may invoke (request -> result) and
// the events the main process pushes. The preload exposes exactly these as `window.upshot`; the
// main process registers one handler per command (src/main/ipc.ts).

import type { ErrorCode } from './jobs'

/** Failures of the bridge itself, on top of the engine's codes. */
export type ApiErrorCode = ErrorCode | 'BAD_REQUEST' | 'FORBIDDEN'

export interface ApiError {
  code: ApiErrorCode
  message: string
}

/** Every command resolves to a result; it never rejects with an error object across the bridge. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError }

export interface AppInfo {
  version: string
  /** Where the ledger, settings and staged outputs live (UPSHOT_DATA_DIR or the per-OS default). */
  dataDir: string
}

/** Commands: name -> the arguments the renderer passes and the value it gets back. */
export interface Commands {
  getAppInfo: { args: []; value: AppInfo }
}
export type CommandName = keyof Commands

/** Events: name -> payload. Job progress and state changes join here with the real app. */
export type Events = Record<never, never>
export type EventName = keyof Events

/** IPC channel per command; the only channels the main process answers. */
export const COMMAND_CHANNELS: { readonly [K in CommandName]: `upshot:cmd:${K}` } = {
  getAppInfo: 'upshot:cmd:getAppInfo',
}

/** IPC channel per event; the only channels the preload forwards to the page. */
export const EVENT_CHANNELS: { readonly [K in EventName]: `upshot:event:${K}` } = {}

export type CommandFunctions = {
  readonly [K in CommandName]: (
    ...args: Commands[K]['args']
  ) => Promise<Result<Commands[K]['value']>>
}

/** `window.upshot` as the renderer sees it. */
export interface UpshotApi extends CommandFunctions {
  /** Subscribes to a pushed event; returns the function that unsubscribes. */
  on<K extends EventName>(event: K, listener: (payload: Events[K]) => void): () => void
}
