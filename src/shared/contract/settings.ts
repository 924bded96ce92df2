// The settings screen: preferences, destinations (with their mirrors and CDN purge), presets,
// connection tests, cleanup and the editor API's status.

import type { LinkFormat } from '../links'
import type { CustomPresetSettings, WatermarkSettings } from '../presets'

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
