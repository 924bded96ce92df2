// What the sync tables hold, as the rest of the engine sees it, and a pair's row made into one.

import type { SyncPassCounts } from '../../shared/api'
import type { SyncFilters } from './filters'

export interface SyncPair {
  id: string
  folder: string
  destinationId: string
  /** The saved destination's name, if it has one. */
  destinationName: string | null
  preset: string
  filters: SyncFilters
  paused: boolean
  createdAt: number
  lastRunAt: number | null
  lastResult: SyncPassSummary | null
}

/** What the app shows for a pair: the counts of its last pass (the app's contract type). */
export type SyncPassSummary = SyncPassCounts

export interface FileRecord {
  path: string
  size: number
  mtime_ms: number
  sha256: string
  preset_fp: string
  job_id: string | null
  /** The device (st_dev) of the folder the file was in; null for records older than the column. */
  dir_dev: number | null
}

/**
 * A record as a re-scan compares it: its fingerprint and whether it was made with the pass's
 * preset, without the hash and preset strings (50,000 of each in a large tree); the whole
 * record is read only for the few paths that changed.
 */
export interface RecordStub {
  path: string
  size: number
  mtime_ms: number
  job_id: string | null
  /** 1 when the record's preset fingerprint is the one asked about. */
  same_preset: number
  /** 1 when the objects it links to were deleted: the file is uploaded again. */
  objects_gone: number
  dir_dev: number | null
}
export interface PairRow {
  id: string
  folder: string
  destination_id: string
  destination_name: string | null
  preset: string
  include_globs: string
  exclude_globs: string
  paused: number
  created_at: number
  last_run_at: number | null
  last_result: string | null
}

export function pairOf(r: PairRow): SyncPair {
  return {
    id: r.id,
    folder: r.folder,
    destinationId: r.destination_id,
    destinationName: r.destination_name,
    preset: r.preset,
    filters: {
      include: JSON.parse(r.include_globs) as string[],
      exclude: JSON.parse(r.exclude_globs) as string[],
    },
    paused: r.paused === 1,
    createdAt: r.created_at,
    lastRunAt: r.last_run_at,
    lastResult: r.last_result ? (JSON.parse(r.last_result) as SyncPassSummary) : null,
  }
}
