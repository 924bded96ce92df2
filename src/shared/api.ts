// The preload contract, typed once: the commands the renderer may invoke (request -> result) and
// the events pushed to it. The preload exposes purpose-built functions built from these as
// `window.upshot` (src/preload/api.ts); the main process registers one handler per command
// (src/main/ipc.ts), checks the sender and relays it to the core process
// (src/shared/protocol.ts), which parses every argument with zod (src/core/ipc-dispatch.ts).

import type { CleanupReport } from './cleanup'
import type { ErrorCode, JobError, JobState, OutputReport } from './jobs'
import type { LinkFormat } from './links'
import type { CustomPresetSettings, PresetPreview, WatermarkSettings } from './presets'

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

// ---------------------------------------------------------------- queue

/** A job as the queue shows it: the ledger's states, plus `paused` (held back by the user). */
export type QueueState = JobState | 'paused'

/** Every queue state at zero: the window's counts before any job, and the main side's tally. */
export function emptyQueueCounts(): Record<QueueState, number> {
  return {
    queued: 0,
    processing: 0,
    processed: 0,
    uploading: 0,
    done: 0,
    failed: 0,
    skipped: 0,
    canceled: 0,
    paused: 0,
  }
}

export interface QueueJob {
  id: string
  /** File name shown in the row. */
  name: string
  source: string
  state: QueueState
  error: JobError | null
  deduplicated: boolean
  /** Size of the source file, once read. */
  sourceBytes: number | null
  /** Bytes of the variants sent / to send. */
  bytesDone: number
  bytesTotal: number
  /** Bytes per second over the last seconds, 0 when idle. */
  rate: number
  etaSeconds: number | null
  destinationName: string
  createdAt: number
  /**
   * A done job sent with mirrors: its copies on them (core/mirror-watch.ts). Links come from the
   * primary at once; this says "mirror pending" or "mirror failed: why" until they catch up.
   */
  mirror?: QueueMirror
}

/** A job's copies on its destination's mirrors, all mirrors together. */
export interface QueueMirror {
  /** failed: some copy gave up (tried again on the next start); pending: copying or retrying. */
  state: 'pending' | 'failed' | 'done'
  /** The mirrors' names, in the destination's order. */
  mirrors: string[]
  /** The latest failure of a copy not made yet: it is retried while `state` is pending. */
  error: JobError | null
}

export interface Overall {
  bytesDone: number
  bytesTotal: number
  rate: number
  etaSeconds: number | null
  /** Jobs by state, for the header's totals. */
  counts: Record<QueueState, number>
  /** Every job of the queue is finished (or the queue is empty). */
  idle: boolean
  /** A drop is still being listed: more rows are on their way (stopAdding stops it). */
  adding: boolean
}

export interface QueueSnapshot {
  jobs: QueueJob[]
  overall: Overall
  paused: boolean
}

/**
 * What changed since the last event, sent a few times a second at most: the totals, the ids that
 * joined or left the queue (ids only, for hosts that track membership: a window ignores them),
 * and for each window watching a range of the queue (watchQueue) only the rows of that range
 * that changed. A window never gets the whole queue.
 */
export interface QueuePatch {
  added: string[]
  removed: string[]
  overall: Overall
  paused: boolean
  windows: QueueWindowPatch[]
}

/** Which jobs a window lists, in queue order: every job, or the finished uploads (Results). */
export type QueueFilter = 'all' | 'done'

/** A window's range of the queue: rows [start, end) of the jobs its filter keeps. */
export interface QueueRange {
  /** Chosen by the window (one per list it shows); patches name it. */
  view: string
  filter: QueueFilter
  start: number
  end: number
}

/** The rows [start, start + ids.length) of a filtered queue, and how many jobs it holds. */
export interface QueueWindowPatch extends QueueRange {
  length: number
  /** The ids in the range, in order; left out when they did not change. */
  ids?: string[]
  /** Rows in the range that changed or entered it. */
  rows: QueueJob[]
}

/** What watchQueue answers: the range's rows now; its patches follow in `queue` events. */
export interface QueueWindowSnapshot extends QueueRange {
  length: number
  ids: string[]
  rows: QueueJob[]
  overall: Overall
  paused: boolean
}

export interface AddResult {
  /** Jobs added to the queue (one per file found). */
  added: number
}

// ---------------------------------------------------------------- results and history

export interface FinishedFile {
  id: string
  name: string
  source: string
  outputs: OutputReport[]
}

export type HistoryStatus = 'done' | 'failed' | 'canceled' | 'deleted'

export interface HistoryQuery {
  search?: string
  /** Ledger destination id (from the summary). */
  destinationId?: string
  status?: HistoryStatus
  /** Only uploads whose source lies inside this absolute folder (a sync pair's history). */
  folder?: string
  /** ms epoch bounds on when the job finished. */
  since?: number
  until?: number
  offset?: number
  limit?: number
}

export interface HistoryItem {
  id: string
  name: string
  source: string
  status: HistoryStatus
  destinationId: string
  destinationName: string
  finishedAt: number | null
  bytes: number
  outputCount: number
  deduplicated: boolean
  error: JobError | null
  /**
   * A done upload sent with mirrors: each mirror (its name, for copyLinks' `mirror`) and whether
   * every object is copied there yet ('done'), still being copied, or failed.
   */
  mirrors?: { mirror: string; state: 'done' | 'pending' | 'failed' }[]
}

export interface HistoryPage {
  total: number
  items: HistoryItem[]
}

export interface DestinationUsage {
  destinationId: string
  name: string
  files: number
  objects: number
  bytes: number
  byVariant: { variant: string; objects: number; bytes: number }[]
  byFormat: { format: string; objects: number; bytes: number }[]
}

export interface DeleteResult {
  /** Objects removed from buckets. */
  deleted: number
  /**
   * Objects left in their bucket because another upload, another data dir or another computer
   * still uses them (their links keep working; the deleted uploads are gone from the history).
   */
  kept: number
  /** Per job that could not be deleted entirely, why. */
  failures: { id: string; message: string }[]
  /**
   * What the CDN in front of the bucket did, in one sentence ("removed from the bucket and purged
   * from CloudFront", or which URLs could not be purged and why); null without CDN settings.
   */
  purge: string | null
  /** Some purge failed: it is kept in the ledger and tried again. */
  purgePending: boolean
}

export interface CopyResult {
  /** What was put on the clipboard. */
  text: string
  count: number
}

// ---------------------------------------------------------------- settings

// Also the ids of the engine's provider presets (src/engine/destinations/providers.ts).
export const DESTINATION_KINDS = [
  's3',
  'r2',
  'minio',
  'b2',
  'wasabi',
  'spaces',
  'gcs',
  's3-compatible',
  'local',
] as const
export type DestinationKind = (typeof DESTINATION_KINDS)[number]

/** An object in a destination, as the Browse view lists it. */
export interface BrowseObject {
  key: string
  /** The last part of the key. */
  name: string
  size: number
  /** Epoch ms. */
  lastModified: number
  /** The public (or file://) URL; a private destination's is not signed. */
  url: string
  /** The upload here that links to it (thumbnails, links in every format), or null. */
  jobId: string | null
}

export interface BrowsePage {
  /** The full key prefix listed. */
  prefix: string
  /** The destination's own prefix (the top of the view). */
  base: string
  /** Sub-prefixes ending in `/`. */
  folders: string[]
  objects: BrowseObject[]
  /** For the next page; null at the end. */
  next: string | null
}

export interface OrphanView {
  /** Objects under Upshot's key shape that no upload here knows. */
  objects: BrowseObject[]
  bytes: number
  scanned: number
  /** Unfinished multipart uploads; null when the store cannot list them. */
  uploads: { key: string; uploadId: string; initiated: number | null }[] | null
}

export interface BrowseDeleteResult {
  deleted: number
  /** Left in the bucket: something else uses them. */
  kept: number
  failures: { key: string; message: string }[]
  /** What the CDN did, in one sentence; null without CDN settings. */
  purge: string | null
  purgePending: boolean
}

/** A saved destination, without secrets. */
export interface DestinationSettings {
  id: string
  name: string
  kind: DestinationKind
  /** s3, r2, s3-compatible */
  bucket: string
  /** s3, s3-compatible; R2 always uses `auto`. */
  region: string
  /** s3-compatible */
  endpoint: string
  /** r2 */
  accountId: string
  /** r2: default, eu or fedramp */
  jurisdiction: 'default' | 'eu' | 'fedramp'
  /** spaces: links through the Spaces CDN */
  cdn: boolean
  /** Links are presigned GET URLs valid for `expiresIn` seconds. */
  private: boolean
  expiresIn: number
  /**
   * local: absolute folder. From the window (saveDestination, testDestination) only the token
   * chooseDestinationFolder gave, or the saved destination's own folder unchanged.
   */
  dir: string
  /** Key prefix without slashes at either end. */
  prefix: string
  /** Base URL of links (CDN domain); '' for the store's own URL. */
  publicUrl: string
  pathStyle: boolean
  /** SDK checksums (some S3-compatible stores reject CRC32 trailers). */
  checksum: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED'
  /** The CDN purged when objects are deleted. */
  purgeCdn: PurgeCdn
  /** CloudFront distribution ID or Cloudflare zone ID. */
  purgeId: string
  /** Another CDN API address (a proxy); '' for the service's own. */
  purgeApi: string
  /**
   * Ids of other saved destinations that get a copy of every object uploaded here (never itself,
   * no cycles); links come from this one, the mirrors' URLs are fallbacks.
   */
  mirrors: string[]
}

export const PURGE_CDNS = ['none', 'cloudfront', 'cloudflare'] as const
export type PurgeCdn = (typeof PURGE_CDNS)[number]

/** A destination as the renderer sees it: whether credentials are stored, never what they are. */
export interface DestinationView extends DestinationSettings {
  hasCredentials: boolean
  /**
   * Stored keys this face cannot read (saved by the desktop app's keychain, or on another
   * computer): one sentence saying which and what to do. Absent or null when they are readable.
   */
  credentialsNote?: string | null
  /** A Cloudflare API token is stored (encrypted, like the keys). */
  hasPurgeToken: boolean
}

/** Saving a destination: `credentials` undefined keeps what is stored, null removes it. */
export interface DestinationInput extends Omit<
  DestinationSettings,
  | 'id'
  | 'jurisdiction'
  | 'cdn'
  | 'private'
  | 'expiresIn'
  | 'purgeCdn'
  | 'purgeId'
  | 'purgeApi'
  | 'mirrors'
> {
  id?: string
  /** Defaults: default jurisdiction, no CDN, public, 3600 s. */
  jurisdiction?: DestinationSettings['jurisdiction']
  cdn?: boolean
  private?: boolean
  expiresIn?: number
  credentials?: { accessKeyId: string; secretAccessKey: string } | null
  /** Default: no CDN purge. */
  purgeCdn?: PurgeCdn
  purgeId?: string
  purgeApi?: string
  /** The Cloudflare API token: undefined keeps what is stored, null removes it. */
  purgeToken?: string | null
  /** Saved destinations' ids that mirror this one: undefined keeps what is saved. */
  mirrors?: string[]
}

export type Theme = 'system' | 'light' | 'dark'

export interface Preferences {
  preset: string
  linkFormat: LinkFormat
  customTemplate: string
  /** Copy the links of a batch when it finishes, in `linkFormat`. */
  autoCopy: boolean
  /** Uploads at once. */
  concurrency: number
  theme: Theme
  notifications: boolean
  openAtLogin: boolean
  /** Keep running in the tray when the window is closed while uploads run. */
  closeToTray: boolean
  /** Electron accelerator for "upload the clipboard image"; '' for none. */
  shortcut: string
  /** Serve the PicGo-compatible editor API (Typora, Obsidian, PicGo plugins) while the app runs. */
  editorApi: boolean
  /** Its port on 127.0.0.1 (PicGo's 36677 by default, which editors try first). */
  editorApiPort: number
}

/** The editor API as the window sees it: never the key, which only the clipboard gets. */
export interface EditorApiStatus {
  state: 'off' | 'listening' | 'failed'
  port: number | null
  /** Why it failed, one sentence. */
  message: string | null
}

export interface PresetInfo {
  name: string
  /** One of the user's own presets (editable), not a built-in one. */
  custom: boolean
  watermark: WatermarkSettings | null
  /** The editable definition of a custom preset; null for built-in ones. */
  definition: CustomPresetSettings | null
  variants: {
    name: string
    fit: 'cover' | 'inside' | 'original'
    width: number | null
    height: number | null
    format: string
    quality: number
  }[]
}

/** A destination saved with `upshot dest add` (in the ledger), not (yet) in the app's settings. */
export interface SharedDestination {
  name: string
  kind: DestinationKind
  /** The settings it was saved with, ready for saveDestination (keys: the user adds them). */
  input: DestinationInput
}

export interface SettingsView {
  destinations: DestinationView[]
  /** Saved with the `upshot` command in the same data dir; the app can take them over. */
  shared?: SharedDestination[]
  /** null: the built-in local folder in the data directory. */
  defaultDestinationId: string | null
  preferences: Preferences
  presets: PresetInfo[]
  /** Whether the OS can encrypt stored credentials (safeStorage). */
  canStoreSecrets: boolean
  /** Where typed keys are kept, one sentence (the browser face says which store it uses). */
  secretStore?: string | null
  /** Where uploads go with no destination saved. */
  builtInFolder: string
  /** One sentence when the data directory is on a network share (the ledger needs a local disk). */
  dataDirWarning?: string | null
}

export interface ConnectionCheck {
  /** What was tried, e.g. "Write an object". */
  label: string
  ok: boolean
  /**
   * skip: could not be checked (no public URL, network): neither a pass nor a failure. warn:
   * works, but worth changing (plain http:// to another machine, a ledger on a network share).
   */
  status?: 'pass' | 'fail' | 'skip' | 'warn'
  /** One sentence: what happened. */
  detail: string
  /** Failing it does not stop uploads (e.g. the public URL not readable). */
  optional?: boolean
}

export interface ConnectionReport {
  ok: boolean
  checks: ConnectionCheck[]
}

// ---------------------------------------------------------------- folder sync

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

/**
 * A file or folder the user chose in a native dialog: `path` to show, `token` to pass back. The
 * core holds what the token stands for; the page can name nothing on disk by itself, and sending
 * a path back grants nothing. A token serves one purpose and expires (then: choose again).
 */
export interface ChosenPath {
  token: string
  path: string
}

/** What a path is chosen for in the core-served chooser of the browser face. */
export type BrowsePurpose = 'sync-folder' | 'upload-folder' | 'watermark-image' | 'preview-photo'

/** One folder on the core's computer as the browser face's chooser shows it. */
export interface FolderListing {
  /** The folder listed (absolute, real path). */
  path: string
  /** Its parent; null at a root. */
  parent: string | null
  /** The user's home folder, where the chooser starts. */
  home: string
  /** Sub-folders, then (for an image purpose) image files; hidden entries left out. */
  entries: { name: string; kind: 'folder' | 'image' }[]
  /** More entries than were listed (the first ones, by name, are shown). */
  truncated: boolean
}

/** Bytes the browser face is sending to the core (the page's own progress, not the core's). */
export interface TransferProgress {
  files: number
  filesDone: number
  bytesDone: number
  bytesTotal: number
  /** Files that could not be sent, with why. */
  failed: { name: string; message: string }[]
  active: boolean
}

// ---------------------------------------------------------------- the contract

/** Commands: name -> the arguments the renderer passes and the value it gets back. */
export interface Commands {
  getAppInfo: { args: []; value: AppInfo }
  /** Paths resolved by the preload from dropped or pasted File objects (never typed by the page). */
  addPaths: { args: [paths: string[]]; value: AddResult }
  /** Native open dialog, then adds what was chosen. */
  chooseAndAdd: { args: [kind: 'files' | 'folder']; value: AddResult }
  uploadClipboardImage: { args: []; value: AddResult }
  /** The whole queue (hosts and tests); the window watches a range instead. */
  getQueue: { args: []; value: QueueSnapshot }
  /** Watches a range of the queue: its rows now, then patches of that range only. */
  watchQueue: { args: [range: QueueRange]; value: QueueWindowSnapshot }
  /** Retries every failed or canceled job of the queue (by state: not only the rows shown). */
  retryFailed: { args: []; value: { retried: number } }
  /** Copies the links of every finished upload of the queue but `except`, in queue order. */
  copyDoneLinks: { args: [format: LinkFormat, except: string[]]; value: CopyResult }
  /** Stops listing the drops still being listed; the files they already added stay queued. */
  stopAdding: { args: []; value: void }
  pauseAll: { args: []; value: void }
  resumeAll: { args: []; value: void }
  pauseJob: { args: [id: string]; value: void }
  resumeJob: { args: [id: string]; value: void }
  cancelJob: { args: [id: string]; value: void }
  retryJob: { args: [id: string]; value: void }
  /** Removes finished jobs from the queue view (they stay in the history). */
  clearFinished: { args: []; value: void }
  getFinished: { args: [ids: string[]]; value: FinishedFile[] }
  /** `mirror`: the links as they are on that mirror of the files' destination (a fallback). */
  copyLinks: { args: [ids: string[], format: LinkFormat, mirror?: string]; value: CopyResult }
  getThumbnails: { args: [ids: string[]]; value: Record<string, string | null> }
  openLink: { args: [url: string]; value: void }
  getHistory: { args: [query: HistoryQuery]; value: HistoryPage }
  getUsage: { args: []; value: DestinationUsage[] }
  deleteUploads: { args: [ids: string[]]; value: DeleteResult }
  getSettings: { args: []; value: SettingsView }
  getEditorApi: { args: []; value: EditorApiStatus }
  /** Puts the editor API's upload or delete URL (key included) on the clipboard. */
  copyEditorApiUrl: { args: [kind: 'upload' | 'delete']; value: void }
  /** A new key: URLs pasted into editors before stop working. */
  newEditorApiKey: { args: []; value: EditorApiStatus }
  savePreferences: { args: [patch: Partial<Preferences>]; value: SettingsView }
  saveDestination: { args: [input: DestinationInput]; value: SettingsView }
  removeDestination: { args: [id: string]; value: SettingsView }
  setDefaultDestination: { args: [id: string | null]; value: SettingsView }
  /**
   * Tests a saved destination, or unsaved input (with its typed-in credentials). Input naming a
   * saved destination without credentials is tested with the saved keys only if it keeps their
   * endpoint, region and bucket.
   */
  testDestination: { args: [target: string | DestinationInput]; value: ConnectionReport }
  /** Native folder dialog for a local-folder destination: its `token` goes in `dir`. */
  chooseDestinationFolder: { args: []; value: ChosenPath | null }
  /** Aborts a saved destination's stale multipart uploads that Upshot started (`upshot cleanup`). */
  cleanupDestination: { args: [id: string]; value: CleanupReport }
  /** A saved destination's objects under a prefix (null: the built-in folder), page by page. */
  browseDestination: {
    args: [id: string | null, prefix: string, next: string | null]
    value: BrowsePage
  }
  findOrphans: { args: [id: string | null]; value: OrphanView }
  /** Thumbnails (data: URLs) of listed objects, made from the bucket's smallest variant. */
  browseThumbnails: {
    args: [id: string | null, keys: string[]]
    value: Record<string, string | null>
  }
  /** Deletes objects (an upload's object deletes that upload), with the CDN purge. */
  deleteObjects: { args: [id: string | null, keys: string[]]; value: BrowseDeleteResult }
  adoptOrphans: {
    args: [id: string | null, keys: string[]]
    value: { adopted: number; skipped: number }
  }
  listSyncPairs: { args: []; value: SyncPairView[] }
  /** Native folder dialog; null when the user cancels. The token is for addSyncPair. */
  chooseSyncFolder: { args: []; value: ChosenPath | null }
  addSyncPair: { args: [input: SyncPairInput]; value: SyncPairView }
  previewSyncPair: { args: [id: string]; value: SyncPreview }
  /** A whole-folder pass now; then keeps watching unless the pair is paused. */
  runSyncPair: { args: [id: string]; value: void }
  pauseSyncPair: { args: [id: string]; value: void }
  resumeSyncPair: { args: [id: string]; value: void }
  /** Forgets the pair; its uploads stay in the bucket and the history. */
  removeSyncPair: { args: [id: string]; value: void }
  /** Saves a custom preset; `replacing` names the preset it was (a rename), null for a new one. */
  savePreset: {
    args: [preset: CustomPresetSettings, replacing: string | null]
    value: SettingsView
  }
  removePreset: { args: [name: string]; value: SettingsView }
  /**
   * File dialog for a watermark image; null when the user cancels. The token goes in the
   * preset's `watermark.imagePath` (savePreset copies the image into the data directory).
   */
  chooseWatermarkImage: { args: []; value: ChosenPath | null }
  /**
   * Asks for a photo (file dialog) and runs it through a saved preset (by name) or the one being
   * edited; null when the user cancels. Nothing is uploaded.
   */
  previewPreset: {
    /** `photo`: a token from chooseBrowsed('preview-photo') instead of the file dialog. */
    args: [preset: string | CustomPresetSettings, photo?: string]
    value: PresetPreview | null
  }
  /**
   * Browser face: files the page sent to the core (POST /api/files gave a token for each), added
   * like dropped files. A token is good once.
   */
  addUploads: {
    /** `part`: one drop sent in parts is one batch (one notice, one auto-copy) ending at `last`. */
    args: [tokens: string[], part?: { batch: string; last: boolean }]
    value: AddResult
  }
  /** Browser face: a folder of the core's computer for the core-served chooser (null: home). */
  browseFolder: { args: [purpose: BrowsePurpose, path: string | null]; value: FolderListing }
  /**
   * Browser face: a folder or image the chooser listed, as the same token a native dialog gives.
   * A path the chooser did not show is refused.
   */
  chooseBrowsed: { args: [purpose: BrowsePurpose, path: string]; value: ChosenPath }
  /**
   * Browser face: adds the folder behind a token from chooseBrowsed('upload-folder'), as the
   * window adds a folder from its dialog: the core lists it itself, no bytes cross HTTP.
   */
  addChosenFolder: { args: [token: string]; value: AddResult }
}
export type CommandName = keyof Commands

/**
 * The app's core runs in its own process: the window hears when it stopped unexpectedly and is
 * restarting, when it runs again (reload what is shown), or when it cannot be started.
 */
export interface CoreStatus {
  state: 'starting' | 'running' | 'restarting' | 'stopped'
  /** One sentence for the user; null while all is well. */
  message: string | null
  /** How many times the core was restarted after stopping unexpectedly. */
  restarts: number
}

/** Events: name -> payload. */
export interface Events {
  queue: QueuePatch
  /** Settings changed outside the settings screen (tray, another window). */
  settings: SettingsView
  /** Something the user should see once (a batch finished, links copied...). */
  notice: { kind: 'info' | 'error'; message: string }
  /** The sync pairs, whenever one's state or counts change (at most every ~250 ms). */
  sync: SyncPairView[]
  /** The core process's state (sent by the host, not the core). */
  core: CoreStatus
  /** Browser face: links the core copied (auto-copy), for the page to put on the clipboard. */
  clipboard: { text: string }
  /** Browser face: the page's own upload of file bytes to the core. */
  transfer: TransferProgress
  /** The editor API started, stopped or failed. */
  editorApi: EditorApiStatus
}
export type EventName = keyof Events

/** IPC channel per command; the only channels the main process answers. */
export const COMMAND_CHANNELS: { readonly [K in CommandName]: `upshot:cmd:${K}` } = {
  getAppInfo: 'upshot:cmd:getAppInfo',
  addPaths: 'upshot:cmd:addPaths',
  chooseAndAdd: 'upshot:cmd:chooseAndAdd',
  uploadClipboardImage: 'upshot:cmd:uploadClipboardImage',
  getQueue: 'upshot:cmd:getQueue',
  watchQueue: 'upshot:cmd:watchQueue',
  retryFailed: 'upshot:cmd:retryFailed',
  copyDoneLinks: 'upshot:cmd:copyDoneLinks',
  stopAdding: 'upshot:cmd:stopAdding',
  pauseAll: 'upshot:cmd:pauseAll',
  resumeAll: 'upshot:cmd:resumeAll',
  pauseJob: 'upshot:cmd:pauseJob',
  resumeJob: 'upshot:cmd:resumeJob',
  cancelJob: 'upshot:cmd:cancelJob',
  retryJob: 'upshot:cmd:retryJob',
  clearFinished: 'upshot:cmd:clearFinished',
  getFinished: 'upshot:cmd:getFinished',
  copyLinks: 'upshot:cmd:copyLinks',
  getThumbnails: 'upshot:cmd:getThumbnails',
  openLink: 'upshot:cmd:openLink',
  getHistory: 'upshot:cmd:getHistory',
  getUsage: 'upshot:cmd:getUsage',
  deleteUploads: 'upshot:cmd:deleteUploads',
  getSettings: 'upshot:cmd:getSettings',
  getEditorApi: 'upshot:cmd:getEditorApi',
  copyEditorApiUrl: 'upshot:cmd:copyEditorApiUrl',
  newEditorApiKey: 'upshot:cmd:newEditorApiKey',
  savePreferences: 'upshot:cmd:savePreferences',
  saveDestination: 'upshot:cmd:saveDestination',
  removeDestination: 'upshot:cmd:removeDestination',
  setDefaultDestination: 'upshot:cmd:setDefaultDestination',
  testDestination: 'upshot:cmd:testDestination',
  chooseDestinationFolder: 'upshot:cmd:chooseDestinationFolder',
  cleanupDestination: 'upshot:cmd:cleanupDestination',
  browseDestination: 'upshot:cmd:browseDestination',
  findOrphans: 'upshot:cmd:findOrphans',
  browseThumbnails: 'upshot:cmd:browseThumbnails',
  deleteObjects: 'upshot:cmd:deleteObjects',
  adoptOrphans: 'upshot:cmd:adoptOrphans',
  listSyncPairs: 'upshot:cmd:listSyncPairs',
  chooseSyncFolder: 'upshot:cmd:chooseSyncFolder',
  addSyncPair: 'upshot:cmd:addSyncPair',
  previewSyncPair: 'upshot:cmd:previewSyncPair',
  runSyncPair: 'upshot:cmd:runSyncPair',
  pauseSyncPair: 'upshot:cmd:pauseSyncPair',
  resumeSyncPair: 'upshot:cmd:resumeSyncPair',
  removeSyncPair: 'upshot:cmd:removeSyncPair',
  savePreset: 'upshot:cmd:savePreset',
  removePreset: 'upshot:cmd:removePreset',
  chooseWatermarkImage: 'upshot:cmd:chooseWatermarkImage',
  previewPreset: 'upshot:cmd:previewPreset',
  addUploads: 'upshot:cmd:addUploads',
  browseFolder: 'upshot:cmd:browseFolder',
  chooseBrowsed: 'upshot:cmd:chooseBrowsed',
  addChosenFolder: 'upshot:cmd:addChosenFolder',
}

/** IPC channel per event; the only channels the preload forwards to the page. */
export const EVENT_CHANNELS: { readonly [K in EventName]: `upshot:event:${K}` } = {
  queue: 'upshot:event:queue',
  settings: 'upshot:event:settings',
  notice: 'upshot:event:notice',
  sync: 'upshot:event:sync',
  core: 'upshot:event:core',
  clipboard: 'upshot:event:clipboard',
  transfer: 'upshot:event:transfer',
  editorApi: 'upshot:event:editorApi',
}

/** Commands the page calls directly; `addPaths` is reached only through `addFiles`. */
export type PageCommandName = Exclude<CommandName, 'addPaths'>

export type CommandFunctions = {
  readonly [K in PageCommandName]: (
    ...args: Commands[K]['args']
  ) => Promise<Result<Commands[K]['value']>>
}

/**
 * The part of a DOM File the bridge needs: the preload resolves it to a path; the browser face
 * sends its bytes (a File or Blob), under `relativePath` when it came inside a folder.
 */
export interface FileHandle {
  readonly name: string
  readonly relativePath?: string
  readonly file?: Blob
}

/** `window.upshot` as the renderer sees it. */
export interface UpshotApi extends CommandFunctions {
  /** The window (Electron's preload) or a browser tab (`upshot ui`). */
  readonly face: Face
  /**
   * Adds dropped or pasted files and folders. Paths come from the File objects themselves
   * (webUtils.getPathForFile in the preload), so the page can never name an arbitrary path.
   * Files that are not on disk (a pasted bitmap) are skipped; `added` says how many jobs came.
   */
  addFiles(files: readonly FileHandle[]): Promise<Result<AddResult>>
  /** Subscribes to a pushed event; returns the function that unsubscribes. */
  on<K extends EventName>(event: K, listener: (payload: Events[K]) => void): () => void
}
