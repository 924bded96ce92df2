// Contracts between the engine's parts: pipeline (sharp), storage (S3/local) and the orchestrator.
// Each part is plain Node and receives what it needs; none of them touches the ledger directly.

import type { WatermarkPosition } from '../shared/presets'
import type { CdnPurgeConfig } from './cdn/types'
import type { BodyDigest } from './storage/digest'

export { WATERMARK_POSITIONS, type WatermarkPosition } from '../shared/presets'

export type OutputFormat = 'webp' | 'avif' | 'jpeg' | 'png'

export interface VariantSpec {
  /** Name used in keys and reports: thumb, preview, overlay, full... */
  name: string
  /**
   * cover: fill width x height exactly (cropping), scaled down to fit the source if it is smaller
   *        (the aspect ratio is kept, never enlarged);
   * inside: fit within width x height, never enlarged;
   * original: the source's own dimensions.
   */
  fit: 'cover' | 'inside' | 'original'
  width?: number
  height?: number
  /** Crop strategy for cover. */
  position?: 'attention' | 'entropy' | 'centre'
  format: OutputFormat
  quality: number
}

/** A mark laid over the larger variants of a preset. */
export interface Watermark {
  /** The text drawn (text marks), e.g. "© Ada Lovelace". */
  text?: string
  /** An image file (PNG with transparency, SVG...) drawn instead of text. */
  imagePath?: string
  /** Where on the 9-grid. */
  position: WatermarkPosition
  /** 0 (invisible) to 1 (opaque). */
  opacity: number
  /** The mark's width as a share of the variant's width, 0.02-1. */
  size: number
  /** Distance from the edges as a share of the variant's width, 0-0.25. */
  margin: number
  /** Variants narrower than this get no mark (thumbnails stay clean); default 640. */
  minWidth?: number
}

export interface Preset {
  name: string
  variants: VariantSpec[]
  watermark?: Watermark
  /** Defined by the user (settings), not built in: its objects get keys of their own. */
  custom?: boolean
}

/** What magic bytes say a file is. */
export interface SniffResult {
  /** image: decodable into variants; other: uploaded as it is (variant `original`). */
  kind: 'image' | 'other'
  /** e.g. jpeg, png, gif, webp, avif, heif, tiff, svg, pdf, zip, unknown */
  format: string
  mime: string
  /** Extension without the dot that matches the real type (used for `original` keys). */
  ext: string
}

/** The source as it was read once: hashed, typed, and held (image) or copied (other). */
export interface SourceSnapshot {
  path: string
  size: number
  mtimeMs: number
  /** hex SHA-256 of exactly the bytes read */
  sha256: string
  type: SniffResult
  /** Image bytes in memory (images only). */
  buffer: Buffer | null
  /**
   * A small non-image's whole content (up to SMALL_FILE_BYTES), kept so its upload sends exactly
   * the bytes that were hashed without reading the file again; null otherwise.
   */
  bytes?: Buffer | null
  /** Content-MD5 of `bytes`, made with the hash. */
  bytesDigest?: BodyDigest | null
  /**
   * Always null now: non-images are uploaded from `path`, checked against `sha256`, size and
   * mtime while they are sent (PutRequest.source). Kept so older snapshots still type-check.
   */
  stagedPath: string | null
}

/** One file ready to upload, staged on disk. */
export interface StagedOutput {
  variant: string
  format: string
  ext: string
  contentType: string
  width: number | null
  height: number | null
  bytes: number
  path: string
}

export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED'

export interface S3DestinationConfig {
  kind: 's3'
  /** Omit for AWS. */
  endpoint?: string
  region: string
  bucket: string
  /** Key prefix without leading or trailing slash; '' for none. */
  prefix: string
  pathStyle: boolean
  /** Base URL of links (CDN domain); default: the endpoint's own object URL. */
  publicUrl?: string
  /** The SDK's request/response checksum behaviour (some S3-compatible stores reject CRC32 trailers). */
  checksum: ChecksumMode
  /** Links are presigned GET URLs (the bucket is not public); never sets a public ACL either way. */
  private?: boolean
  /** Seconds a presigned link stays valid (private only; default 3600, at most 604800). */
  expiresIn?: number
  /** Explicit credentials; when absent the AWS SDK's default chain is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** The CDN in front of the links, purged when objects are deleted (engine/cdn). */
  purge?: CdnPurgeConfig
}

export interface LocalDestinationConfig {
  kind: 'local'
  /** Absolute directory objects are written under. */
  dir: string
  prefix: string
  /** Base URL for a folder served by a web server; default file:// URLs. */
  publicUrl?: string
  /** The CDN in front of the served folder, purged when files are deleted (engine/cdn). */
  purge?: CdnPurgeConfig
}

export type DestinationConfig = S3DestinationConfig | LocalDestinationConfig

export interface RemoteObject {
  size: number
  etag: string | null
  contentType: string | null
  metadata: Record<string, string>
}

export interface PartRecord {
  partNumber: number
  etag: string
  size: number
  /** Base64 checksum the server confirmed, if any (CRC32 etc.). */
  checksum: string | null
}

export interface MultipartHooks {
  /** A previous attempt's upload to continue (from the ledger). */
  resume?: { uploadId: string; partSize: number; parts: PartRecord[] }
  /** Called the moment CreateMultipartUpload returns, before any part is sent. Must persist it. */
  onCreate(uploadId: string, partSize: number): void
  /** Called as each part finishes, before its bytes count as done. Must persist it. */
  onPart(part: PartRecord): void
}

/** What the file being uploaded must still be: the user's source, hashed when it was read. */
export interface SourceExpectation {
  sha256: string
  size: number
  mtimeMs: number
}

export interface PutRequest {
  key: string
  filePath: string
  /**
   * Set when `filePath` is the user's own file rather than a staged copy: the bytes sent are
   * hashed again and the object is only completed if they match (else SOURCE_CHANGED).
   */
  source?: SourceExpectation
  /**
   * The content itself, already hashed (a small file read once): sent instead of reading
   * `filePath`, with no further check against the source.
   */
  bytes?: Buffer
  /** Content-MD5 of `bytes` when already known. */
  bytesDigest?: BodyDigest
  size: number
  contentType: string
  cacheControl: string
  metadata: Record<string, string>
  signal?: AbortSignal
  /** Bytes that reached the server (deltas; negative when a retried request's bytes are discarded). */
  onProgress?(delta: number): void
  multipart: MultipartHooks
}

export interface PutResult {
  etag: string | null
  /** Bytes sent by this call (retries included). */
  bytesSent: number
  multipart: boolean
}

/** A place objects are written to. Implementations: s3 (any S3-compatible store) and local folder. */
export interface Destination {
  readonly config: DestinationConfig
  /** Stable identity of this destination (store + bucket + prefix), used for dedup. */
  readonly id: string
  /** The public (or file://) URL of a key, with each path segment percent-encoded. */
  urlFor(key: string): string
  /** The link to hand out: urlFor, or a fresh presigned GET URL for a private destination. */
  linkFor(key: string): Promise<string>
  head(key: string, signal?: AbortSignal): Promise<RemoteObject | null>
  /**
   * The keys under `prefix`, if they fit in `maxPages` list pages; null when there are more (or
   * the store cannot list): then head() each key instead. One listing replaces N HEADs.
   */
  listKeys?(prefix: string, maxPages: number): Promise<Set<string> | null>
  /** Upload a staged file, single request or resumable multipart; verifies what landed. */
  put(req: PutRequest): Promise<PutResult>
  /** Abort a multipart upload (no-op where unsupported or already gone). */
  abortMultipart(key: string, uploadId: string): Promise<void>
  /** The parts the server holds for an upload; null when the server cannot list them. */
  listParts(key: string, uploadId: string, signal?: AbortSignal): Promise<PartRecord[] | null>
  deleteObject(key: string): Promise<void>
  /**
   * Writes an empty object with this metadata: a reference marker (engine/references). One small
   * request, outside the upload path.
   */
  writeMarker(key: string, metadata: Record<string, string>): Promise<void>
  /** Every key under `prefix` (reference markers, a few); throws when they cannot all be listed. */
  listAll(prefix: string, signal?: AbortSignal): Promise<string[]>
  close(): void
}
