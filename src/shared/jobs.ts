// Job, output and error shapes shared by the engine, the CLI's JSON report and the renderer.

export const JOB_STATES = [
  'queued', // recorded, waiting for a worker
  'processing', // claimed: hashing, dedup check, making variants
  'processed', // variants staged on disk, waiting for an upload slot
  'uploading', // claimed: sending staged outputs
  'done',
  'failed',
  'skipped',
  'canceled',
] as const
export type JobState = (typeof JOB_STATES)[number]

export const TERMINAL_STATES: readonly JobState[] = ['done', 'failed', 'skipped', 'canceled']

/** The status a finished job has in reports (`upshot --json`). */
export type ReportStatus = 'done' | 'failed' | 'skipped' | 'canceled'

/** Stable codes for every failure a user can meet; the message is one plain sentence. */
export const ERROR_CODES = [
  'NOT_FOUND', // the path does not exist (or a dangling symlink)
  'NOT_A_FILE', // a device, socket, fifo...
  'UNREADABLE', // permission denied or I/O error while reading
  'EMPTY_FILE',
  'FILE_TOO_LARGE', // over the configured maximum input size
  'SOURCE_CHANGED', // the file changed while it was being read
  'UNSUPPORTED_FORMAT',
  'CORRUPT_IMAGE', // truncated or damaged image data
  'PIXEL_LIMIT', // more pixels than limitInputPixels allows
  'DECOMPRESSION_BOMB', // a big image from a tiny file: only crafted files compress that far
  'ANIMATION_TOO_LARGE', // too many frames, or too many pixels in all frames together
  'IMAGE_TOO_SLOW', // decoding or encoding ran past its time limit
  'SVG_TOO_COMPLEX', // an SVG past the renderer's limits (nesting, references, memory)
  'UNSAFE_SVG', // SVG that cannot be published safely
  'DISK_FULL',
  'ACCESS_DENIED',
  'INVALID_CREDENTIALS',
  'NO_SUCH_BUCKET',
  'CLOCK_SKEW',
  'NETWORK',
  'SERVER_ERROR',
  'VERIFY_FAILED', // what landed on the server is not what was sent
  'CANCELED',
  'CONFIG',
  'NOT_SUPPORTED', // the store does not implement what was asked (s3rver: ListMultipartUploads)
  'LEDGER_BUSY', // another process held the ledger's write lock too long
  'LEDGER_UNAVAILABLE', // the ledger cannot be written: disk full, I/O error, read-only, damaged
  'CORE_CRASHED', // the app's core process died twice while preparing this file
  'INTERNAL',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export interface JobError {
  code: ErrorCode
  message: string
}

/** An error with a stable code and a user-facing sentence; anything else becomes INTERNAL. */
export class UpshotError extends Error {
  readonly code: ErrorCode
  /** Whether trying the same request again later may succeed. */
  readonly retryable: boolean
  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'UpshotError'
    this.code = code
    this.retryable = options?.retryable ?? false
  }
}

export interface OutputReport {
  variant: string
  format: string
  width: number | null
  height: number | null
  bytes: number
  key: string
  url: string
  contentType: string
  /**
   * The same object on each mirror of its destination: a fallback URL, and whether the copy is
   * there yet (links come from the primary).
   */
  mirrors?: { mirror: string; url: string; state: 'pending' | 'done' | 'failed' }[]
}

/** A mirror's copies of a run's objects: "done, mirror pending" until `pending` is 0. */
export interface MirrorStatus {
  mirror: string
  destinationId: string
  done: number
  pending: number
  failed: number
  /** The latest failure of a copy not made yet. */
  error: JobError | null
}

export interface JobReport {
  id: string
  source: string
  status: ReportStatus
  sha256: string | null
  deduplicated: boolean
  error: JobError | null
  outputs: OutputReport[]
}

export interface RunReport {
  jobs: JobReport[]
  /**
   * Set when the ledger failed (disk full, I/O error, locked for minutes) and the run stopped
   * before its files finished: what happened, naming the ledger file, and what to do.
   */
  ledgerError?: JobError
  /** Per mirror of the run's destinations, its copies (absent without mirrors). */
  mirrors?: MirrorStatus[]
  summary: {
    done: number
    failed: number
    skipped: number
    canceled: number
    bytesUploaded: number
    seconds: number
  }
}
