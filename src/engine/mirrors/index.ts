// Mirrors (docs/ARCHITECTURE.md, "Mirrors"): every object of a job sent with mirrors is copied to
// each of them under the same key, after the primary holds it. This is the engine's side: the
// mirrors a batch names are recorded with its jobs, the worker copies, the report tells.
import { UpshotError, type JobReport, type RunReport } from '../../shared/jobs'
import type { DestinationCache } from '../destination-cache'
import type { EnqueueOptions } from '../enqueue-page'
import type { Ledger } from '../ledger'
import { localDestinationId, s3DestinationId } from '../storage'
import type { DestinationConfig } from '../types'

export { MirrorWorker } from './worker'
export { copyObject } from './copy'

export interface MirrorTarget {
  config: DestinationConfig
  /** Its saved name, when it has one. */
  name?: string
}

export function destinationIdOf(config: DestinationConfig): string {
  return config.kind === 's3' ? s3DestinationId(config) : localDestinationId(config)
}

/**
 * Where a key lands, whatever the destination's prefix: its endpoint and bucket, or its folder.
 * A mirror gets its primary's keys, prefix included (its own prefix is not added), so two
 * destinations with the same key space hold the very same objects: one cannot mirror the other.
 */
export function keySpaceOf(config: DestinationConfig): string {
  return destinationIdOf({ ...config, prefix: '' })
}

/** The CONFIG error for a mirror in its primary's key space (`primary` is quoted or described). */
export function sameKeySpace(mirror: string, primary: string): UpshotError {
  return new UpshotError(
    'CONFIG',
    `"${mirror}" is the same bucket or folder as ${primary}, and a mirror gets the primary's keys, prefix included, so it would hold the very same objects; a mirror must be another bucket or folder.`,
  )
}

/**
 * Records the mirrors (their configs without secrets in the ledger, with secrets in the cache)
 * and wraps `onPage` so each page's jobs are tied to them before anyone can run them.
 */
export function withMirrors(
  ledger: Ledger,
  destinations: DestinationCache,
  primary: DestinationConfig,
  mirrors: readonly MirrorTarget[],
  opts: EnqueueOptions,
): { opts: EnqueueOptions; record(ids: readonly string[]): void } {
  const primarySpace = keySpaceOf(primary)
  const ids: string[] = []
  for (const m of mirrors) {
    const id = destinationIdOf(m.config)
    // A "copy" onto the primary's own objects would be made by a HEAD and mirror nothing.
    if (keySpaceOf(m.config) === primarySpace || ids.includes(id)) continue
    ledger.upsertDestination(id, m.config)
    destinations.remember(id, m.config)
    ids.push(id)
  }
  const record = (jobIds: readonly string[]): void => ledger.mirrors.addJobMirrors(jobIds, ids)
  if (ids.length === 0) return { opts, record: () => undefined }
  return {
    opts: {
      ...opts,
      onPage: (page) => {
        record(page.ids)
        opts.onPage?.(page)
      },
    },
    record,
  }
}

/** Each mirror's URL of a done job's outputs, and the state of its copies, in the report. */
export function withMirrorStatus(
  ledger: Ledger,
  destinations: DestinationCache,
  report: RunReport,
): RunReport {
  const ids = report.jobs.map((j) => j.id)
  const counts = ledger.mirrors.countsForJobs(ids)
  if (counts.length === 0) return report
  const nameOf = (id: string): string =>
    ledger.namedDestinations().find((d) => d.id === id)?.name ?? id
  const jobs: JobReport[] = report.jobs.map((j) => {
    if (j.status !== 'done') return j
    const mirrorIds = ledger.mirrors.mirrorsOfJob(j.id)
    if (mirrorIds.length === 0) return j
    const primaryId = ledger.job(j.id)?.destination_id
    return {
      ...j,
      outputs: j.outputs.map((o) => ({
        ...o,
        mirrors: mirrorIds.map((m) => {
          const copy = primaryId
            ? ledger.mirrors.copiesOf(primaryId, o.key).find((c) => c.mirrorId === m)
            : undefined
          return {
            mirror: nameOf(m),
            url: destinations.get(m).urlFor(o.key),
            state: copy?.state ?? 'pending',
          }
        }),
      })),
    }
  })
  return {
    ...report,
    jobs,
    mirrors: counts.map((c) => ({
      mirror: nameOf(c.mirrorId),
      destinationId: c.mirrorId,
      done: c.done,
      pending: c.pending,
      failed: c.failed,
      error: c.lastError,
    })),
  }
}
