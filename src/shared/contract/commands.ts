// The contract itself: every command (arguments -> value), every event, their channels, and
// `window.upshot` as the renderer sees it.

import type { CleanupReport } from '../cleanup'
import type { LinkFormat } from '../links'
import type { CustomPresetSettings, PresetPreview } from '../presets'
import type { AppInfo, Face, Result } from './base'
import type {
  CopyResult,
  DeleteResult,
  DestinationUsage,
  FinishedFile,
  HistoryPage,
  HistoryQuery,
} from './history'
import type { BrowsePurpose, ChosenPath, FolderListing, TransferProgress } from './paths'
import type { AddResult, QueuePatch, QueueRange, QueueSnapshot, QueueWindowSnapshot } from './queue'
import type {
  BrowseDeleteResult,
  BrowsePage,
  ConnectionReport,
  DestinationInput,
  EditorApiStatus,
  OrphanView,
  Preferences,
  SettingsView,
} from './settings'
import type { SyncPairInput, SyncPairView, SyncPreview } from './sync'

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
