// A run's report: from the ledger, or, when the ledger can no longer be read (an I/O error, a
// vanished disk), from what this engine saw of each job as it ran, so a run never ends without
// its report.
import type { ErrorCode, JobError, JobReport, JobState, RunReport } from '../shared/jobs'
import { Ledger } from './ledger'

/**
 * Each job as the ledger has it. An unfinished one (paused, interrupted, or stopped by a failed
 * ledger) reports as failed with the reason; `destinationOf` learns each job's destination.
 */
export function reportFromLedger(
  ledger: Ledger,
  jobIds: readonly string[],
  seconds: number,
  opts: { destinationOf?: Map<string, string>; ledgerFailure: JobError | null },
): RunReport {
  const jobs: JobReport[] = []
  const summary = { done: 0, failed: 0, skipped: 0, canceled: 0, bytesUploaded: 0, seconds }
  for (const id of jobIds) {
    const row = ledger.job(id)
    if (!row) continue
    const status = Ledger.reportStatus(row.state)
    opts.destinationOf?.set(row.id, row.destination_id)
    summary[status ?? 'failed']++
    summary.bytesUploaded += row.bytes_sent
    jobs.push({
      id: row.id,
      source: row.source,
      status: status ?? 'failed',
      sha256: row.sha256,
      deduplicated: row.deduplicated === 1,
      error: status
        ? row.error_code && status !== 'done'
          ? { code: row.error_code as ErrorCode, message: row.error_message ?? '' }
          : null
        : (opts.ledgerFailure ??
          (ledger.isPaused(row.id)
            ? {
                code: 'CANCELED',
                message: 'This file is paused in the Upshot app; resume it there to upload it.',
              }
            : {
                code: 'CANCELED',
                message: 'The run stopped before this file finished; `upshot resume` continues it.',
              })),
      outputs: status === 'done' ? ledger.outputReports(row.id) : [],
    })
  }
  return { jobs, summary }
}

/** The last state this engine announced for a job. */
export interface SeenJob {
  state: JobState
  source: string
  error: JobError | null
  deduplicated: boolean
}

export function reportFromSeen(
  jobIds: readonly string[],
  seen: ReadonlyMap<string, SeenJob>,
  seconds: number,
  ledgerError: JobError,
): RunReport {
  const summary = { done: 0, failed: 0, skipped: 0, canceled: 0, bytesUploaded: 0, seconds }
  const jobs: JobReport[] = jobIds.map((id) => {
    const s = seen.get(id)
    const ended =
      s &&
      (s.state === 'done' ||
        s.state === 'failed' ||
        s.state === 'skipped' ||
        s.state === 'canceled')
        ? s.state
        : null
    summary[ended ?? 'failed']++
    return {
      id,
      source: s?.source ?? '',
      status: ended ?? 'failed',
      sha256: null,
      deduplicated: s?.deduplicated ?? false,
      // Links and outputs are in the ledger, which cannot be read: `upshot jobs` shows them later.
      error: ended ? (ended === 'done' ? null : s!.error) : ledgerError,
      outputs: [],
    }
  })
  return { jobs, summary, ledgerError }
}
