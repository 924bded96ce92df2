// Folder sync pairs as the Sync view shows them, and their dry runs.

/** What a sync pair is doing now. */
export type SyncActivity =
  /** Saved, never run: preview the plan, then run it. */
  | 'new'
  | 'syncing'
  | 'watching'
  | 'paused'
  /** The folder is gone (unplugged drive, share): watched for until it is back. */
  | 'waiting'
  /** Not watching although not paused (the app only watches pairs that ran once). */
  | 'stopped'

export interface SyncPassCounts {
  uploaded: number
  renamed: number
  unchanged: number
  gone: number
  deleted: number
  failed: number
  /** The pass could not run at all; one sentence. */
  error: string | null
}

/** A folder -> destination pair as the Sync view shows it (shared with `upshot sync`). */
export interface SyncPairView {
  id: string
  folder: string
  destinationId: string
  destinationName: string
  preset: string
  include: string[]
  exclude: string[]
  activity: SyncActivity
  /** Files whose current content is online. */
  files: number
  /** Files found changed whose upload has not finished yet. */
  pending: number
  /** Files that failed in the last pass. */
  errors: number
  /** Nothing pending, nothing failed, and the last pass ran. */
  upToDate: boolean
  /** Why the pair is waiting or what went wrong, one sentence; null when all is well. */
  message: string | null
  lastRunAt: number | null
  lastResult: SyncPassCounts | null
}

export interface SyncPairInput {
  /** The token chooseSyncFolder gave for the folder (a path from the page is refused). */
  folderToken: string
  /** A saved destination's id; null for the built-in local folder. */
  destinationId: string | null
  preset: string
  include: string[]
  exclude: string[]
}

/** The dry run of a pair: what the next pass would do. Long lists are cut at `limit` entries. */
export interface SyncPreview {
  folder: string
  upload: { path: string; reason: 'new' | 'changed' | 'preset' }[]
  uploadCount: number
  rename: { from: string; to: string }[]
  unchanged: number
  /** Files synced before that are no longer in the folder. */
  gone: string[]
  /** Objects of gone files: deleted from the bucket only by `upshot sync --delete`. */
  delete: { key: string; bytes: number }[]
  problems: { path: string; message: string }[]
  limit: number
}
