// The queue the window shows: its jobs, counts and totals, the windows of rows it watches, and
// the patches that keep them current.

import type { JobError, JobState } from '../jobs'

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
