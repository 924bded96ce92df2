// Purges owed to a destination's CDN, kept in the ledger (cdn_purges, migration 0011) from the
// moment an object is deleted until the CDN accepts them. Only objects releaseObjects actually
// deleted are purged: an object kept because something else uses it stays cached, as it should.

import type { JobError } from '../../shared/jobs'
import { toJobError } from '../job-error'
import type { Ledger } from '../ledger'
import { stmt } from '../ledger/open'
import type { Destination, DestinationConfig } from '../types'
import { cloudflarePurger } from './cloudflare'
import { cloudFrontPurger } from './cloudfront'
import { PurgeError } from './errors'
import { CDN_LABELS, type CdnPurgeConfig, type Purger } from './types'

/** What happened to the CDN copies of the objects a delete removed. */
export interface PurgeOutcome {
  /** The CDN the destination names; null when it has none (nothing to purge). */
  cdn: CdnPurgeConfig['kind'] | null
  /** URLs the CDN accepted in this call (older pending ones included). */
  purged: string[]
  /** URLs still owed, with the last failure: kept in the ledger and tried again. */
  pending: { url: string; error: JobError }[]
}

export interface PendingPurge {
  destinationId: string
  url: string
  key: string
  cdn: CdnPurgeConfig['kind']
  attempts: number
  error: JobError | null
  retryAt: number
  createdAt: number
}

export function purgeConfigOf(config: DestinationConfig): CdnPurgeConfig | null {
  return config.purge ?? null
}

/** The purger of a destination's CDN (CloudFront signs with the destination's own keys, if any). */
export function purgerFor(config: DestinationConfig): Purger | null {
  const cdn = purgeConfigOf(config)
  if (!cdn) return null
  if (cdn.kind === 'cloudflare') return cloudflarePurger(cdn)
  return cloudFrontPurger(cdn, config.kind === 's3' ? config.credentials : undefined)
}

/**
 * A form's config tested with the token stored for it: only for the same Cloudflare zone and API
 * address (a token is never sent to another zone or server than the one it was saved for).
 */
export function withStoredPurgeToken(
  config: DestinationConfig,
  stored: DestinationConfig,
): DestinationConfig {
  const want = config.purge
  const have = stored.purge
  if (want?.kind !== 'cloudflare' || have?.kind !== 'cloudflare' || !have.apiToken) return config
  if (want.zoneId !== have.zoneId || want.endpoint !== have.endpoint) return config
  return { ...config, purge: { ...want, apiToken: have.apiToken } }
}

/** Records the deleted keys' URLs as owed, then sends every purge owed to this destination. */
export async function purgeDeleted(
  ledger: Ledger,
  dest: Destination,
  destinationId: string,
  keys: readonly string[],
  signal?: AbortSignal,
): Promise<PurgeOutcome> {
  const cdn = purgeConfigOf(dest.config)
  if (!cdn) return { cdn: null, purged: [], pending: [] }
  const now = Date.now()
  const add = stmt(
    ledger.db,
    `INSERT INTO cdn_purges (destination_id, url, key, cdn, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (destination_id, url) DO UPDATE SET retry_at = 0, cdn = excluded.cdn`,
  )
  ledger.db.transaction(() => {
    for (const key of new Set(keys)) add.run(destinationId, dest.urlFor(key), key, cdn.kind, now)
  })()
  return flushPurges(ledger, dest, destinationId, { signal })
}

/**
 * Sends the purges owed to one destination whose time has come (`force`: all of them), in the
 * CDN's batch size. Accepted ones leave the ledger; a failed batch keeps its URLs with the error.
 */
export async function flushPurges(
  ledger: Ledger,
  dest: Destination,
  destinationId: string,
  opts: { signal?: AbortSignal; force?: boolean } = {},
): Promise<PurgeOutcome> {
  const cdn = purgeConfigOf(dest.config)
  const owed = pendingPurges(ledger, destinationId).filter(
    (p) => opts.force || p.retryAt <= Date.now(),
  )
  if (!cdn) {
    // CDN settings removed since: what is owed cannot be sent; it stays visible.
    const error: JobError = {
      code: 'CONFIG',
      message: 'This destination no longer has CDN settings, so the purge cannot be sent.',
    }
    return { cdn: null, purged: [], pending: owed.map((p) => ({ url: p.url, error })) }
  }
  const outcome: PurgeOutcome = { cdn: cdn.kind, purged: [], pending: [] }
  if (owed.length === 0) return outcome
  let purger: Purger
  try {
    purger = purgerFor(dest.config)!
  } catch (err) {
    const error = toJobError(err)
    for (const p of owed) recordFailure(ledger, destinationId, p.url, error, null)
    outcome.pending = owed.map((p) => ({ url: p.url, error }))
    return outcome
  }
  try {
    for (let i = 0; i < owed.length; i += purger.batchSize) {
      const urls = owed.slice(i, i + purger.batchSize).map((p) => p.url)
      try {
        await purger.purge(urls, opts.signal)
        forget(ledger, destinationId, urls)
        outcome.purged.push(...urls)
      } catch (err) {
        const error = withService(toJobError(err), cdn)
        const retryAt = err instanceof PurgeError ? err.retryAt : null
        for (const url of urls) {
          recordFailure(ledger, destinationId, url, error, retryAt)
          outcome.pending.push({ url, error })
        }
        // Credentials, permissions, a wrong zone: the next batch would fail the same way.
        if (!(err instanceof PurgeError && err.retryable)) {
          for (const p of owed.slice(i + purger.batchSize)) {
            recordFailure(ledger, destinationId, p.url, error, retryAt)
            outcome.pending.push({ url: p.url, error })
          }
          break
        }
      }
    }
  } finally {
    purger.close()
  }
  return outcome
}

export function pendingPurges(ledger: Ledger, destinationId?: string): PendingPurge[] {
  const rows = (
    destinationId === undefined
      ? stmt(ledger.db, `SELECT * FROM cdn_purges ORDER BY created_at, url`).all()
      : stmt(
          ledger.db,
          `SELECT * FROM cdn_purges WHERE destination_id = ? ORDER BY created_at, url`,
        ).all(destinationId)
  ) as {
    destination_id: string
    url: string
    key: string
    cdn: CdnPurgeConfig['kind']
    attempts: number
    error_code: string | null
    error: string | null
    retry_at: number
    created_at: number
  }[]
  return rows.map((r) => ({
    destinationId: r.destination_id,
    url: r.url,
    key: r.key,
    cdn: r.cdn,
    attempts: r.attempts,
    error:
      r.error_code !== null
        ? { code: r.error_code as JobError['code'], message: r.error ?? '' }
        : null,
    retryAt: r.retry_at,
    createdAt: r.created_at,
  }))
}

/** Destinations with purges owed. */
export function destinationsOwingPurges(ledger: Ledger): string[] {
  return (
    stmt(ledger.db, `SELECT DISTINCT destination_id AS id FROM cdn_purges`).all() as {
      id: string
    }[]
  ).map((r) => r.id)
}

/** One sentence for the user about a delete and its purge. */
export function describePurge(deleted: number, outcome: PurgeOutcome): string | null {
  if (outcome.cdn === null && outcome.pending.length === 0) return null
  const label = outcome.cdn ? CDN_LABELS[outcome.cdn] : 'the CDN'
  if (outcome.pending.length === 0) {
    return deleted === 0 && outcome.purged.length === 0
      ? null
      : `Removed from the bucket and purged from ${label}.`
  }
  const first = outcome.pending[0]!.error
  return `Removed from the bucket, but ${outcome.pending.length} URL${outcome.pending.length === 1 ? '' : 's'} could not be purged from ${label}: ${first.message} The purge is kept and tried again.`
}

/** Several destinations' outcomes as one (the history deletes across destinations). */
export function mergePurges(list: readonly PurgeOutcome[]): PurgeOutcome | null {
  if (list.length === 0) return null
  return {
    cdn: list.find((o) => o.cdn !== null)?.cdn ?? null,
    purged: list.flatMap((o) => o.purged),
    pending: list.flatMap((o) => o.pending),
  }
}

const backoffMs = (attempts: number): number => Math.min(60 * 60_000, 30_000 * 2 ** attempts)

function recordFailure(
  ledger: Ledger,
  destinationId: string,
  url: string,
  error: JobError,
  retryAt: number | null,
): void {
  const row = stmt(
    ledger.db,
    `SELECT attempts FROM cdn_purges WHERE destination_id = ? AND url = ?`,
  ).get(destinationId, url) as { attempts: number } | undefined
  const attempts = (row?.attempts ?? 0) + 1
  stmt(
    ledger.db,
    `UPDATE cdn_purges SET attempts = ?, error_code = ?, error = ?, retry_at = ?
     WHERE destination_id = ? AND url = ?`,
  ).run(
    attempts,
    error.code,
    error.message,
    retryAt ?? Date.now() + backoffMs(attempts - 1),
    destinationId,
    url,
  )
}

function forget(ledger: Ledger, destinationId: string, urls: readonly string[]): void {
  const del = stmt(ledger.db, `DELETE FROM cdn_purges WHERE destination_id = ? AND url = ?`)
  ledger.db.transaction(() => {
    for (const url of urls) del.run(destinationId, url)
  })()
}

function withService(error: JobError, cdn: CdnPurgeConfig): JobError {
  if (error.code !== 'INTERNAL') return error
  return { code: 'SERVER_ERROR', message: `${CDN_LABELS[cdn.kind]}: ${error.message}` }
}
