// The ledger's rows as the engine reads them, and the records it writes: one definition each,
// shared by the ledger's modules and everything that reads a job.
import type { JobState, OutputReport, ReportStatus } from '../../shared/jobs'
import type { ProviderSettings } from '../destinations/providers'
import type { DestinationConfig, PartRecord } from '../types'

export interface SavedDestination {
  id: string
  name: string
  /** The settings `upshot dest add` saved; null for a name the app recorded. */
  provider: ProviderSettings | null
  config: DestinationConfig
}

export interface NewJob {
  id: string
  batchId: string
  source: string
  destinationId: string
  preset: string
  presetFp: string
}

export interface JobRow {
  id: string
  batch_id: string
  source: string
  size: number | null
  mtime_ms: number | null
  sha256: string | null
  source_type: string | null
  destination_id: string
  preset: string
  preset_fp: string
  state: JobState
  attempts: number
  error_code: string | null
  error_message: string | null
  deduplicated: number
  owner: string | null
  lease_until: number | null
  retry_after: number | null
  bytes_sent: number
  created_at: number
  updated_at: number
  finished_at: number | null
}

export interface OutputRow {
  id: number
  job_id: string
  variant: string
  format: string
  content_type: string
  width: number | null
  height: number | null
  bytes: number
  staged_path: string | null
  key: string
  url: string
  state: 'staged' | 'uploaded'
  etag: string | null
}

export interface NewOutput {
  variant: string
  format: string
  contentType: string
  width: number | null
  height: number | null
  bytes: number
  stagedPath: string | null
  key: string
  url: string
}

/** An uploaded output reused for another job (a twin, a renamed file): nothing to stage. */
export function reusedOutput(o: OutputRow): NewOutput {
  return {
    variant: o.variant,
    format: o.format,
    contentType: o.content_type,
    width: o.width,
    height: o.height,
    bytes: o.bytes,
    stagedPath: null,
    key: o.key,
    url: o.url,
  }
}

/** An output as reports and the app show it. */
export function outputReportOf(o: OutputRow): OutputReport {
  return {
    variant: o.variant,
    format: o.format,
    width: o.width,
    height: o.height,
    bytes: o.bytes,
    key: o.key,
    url: o.url,
    contentType: o.content_type,
  }
}

export interface SourceFacts {
  size: number
  mtimeMs: number
  sha256: string
  sourceType: string
}

export interface MultipartRecord {
  uploadId: string
  partSize: number
  key: string
  parts: PartRecord[]
}

/** A job's state as a report gives it: its end, or null while it is unfinished. */
export function reportStatus(state: JobState): ReportStatus | null {
  return state === 'done' || state === 'failed' || state === 'skipped' || state === 'canceled'
    ? state
    : null
}

/** The states of a job not ended yet, as SQL. */
export const UNFINISHED = `state IN ('queued','processing','processed','uploading')`

/** A claim-holding transition that changed no row: the claim is gone. */
export function expectOne(result: { changes: number }, id: string): void {
  if (result.changes !== 1) throw new LostClaimError(id)
}

/** The job is no longer held by this process (another took it over, or it was canceled). */
export class LostClaimError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} is no longer held by this process`)
    this.name = 'LostClaimError'
  }
}
