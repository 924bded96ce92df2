// What every command shares: its result, its error, and which face the page runs in.

import type { ErrorCode } from '../jobs'

/** Failures of the bridge itself, on top of the engine's codes. */
export type ApiErrorCode = ErrorCode | 'BAD_REQUEST' | 'FORBIDDEN'

export interface ApiError {
  code: ApiErrorCode
  message: string
}

/** Every command resolves to a result; it never rejects with an error object across the bridge. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError }

/** Which face the page runs in: the desktop app's window, or a browser tab of `upshot ui`. */
export type Face = 'window' | 'browser'

export interface AppInfo {
  version: string
  /** Where the ledger, settings and staged outputs live (UPSHOT_DATA_DIR or the per-OS default). */
  dataDir: string
  platform: string
}
