// The result of `upshot cleanup` and the app's "Clean up unfinished uploads": what was found
// among the bucket's unfinished multipart uploads and what became of each.
import type { JobError } from './jobs'

export type CleanupStatus =
  | 'aborted' // Upshot's, stale, no live job: aborted on the server
  | 'would-abort' // the same, under --dry-run
  | 'recent' // Upshot's, but younger than the age limit
  | 'in-use' // a running job is still sending its parts
  | 'foreign' // not started by Upshot: never touched
  | 'failed' // the abort request failed

export interface CleanupItem {
  key: string
  uploadId: string
  /** ISO time the server says the upload began; null when it does not say. */
  initiated: string | null
  status: CleanupStatus
  error?: JobError
}

export interface CleanupReport {
  /** The bucket and prefix that were looked at, e.g. `s3://media/blog`. */
  destination: string
  dryRun: boolean
  olderThanMs: number
  uploads: CleanupItem[]
  summary: {
    listed: number
    aborted: number
    wouldAbort: number
    kept: number
    failed: number
  }
}
