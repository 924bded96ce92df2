// The report of a run whose ledger can no longer be read (an I/O error, a vanished disk): built
// from what this engine saw of each job as it ran, so a run never ends without its report.
import type { JobError, JobReport, JobState, RunReport } from '../shared/jobs'

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
