// Stale multipart uploads cost storage until someone aborts them. Cleanup lists the unfinished
// uploads under a destination's prefix, keeps its hands off anything Upshot did not start and
// anything a running job still sends parts to, and aborts the rest once they are old enough.
import type { CleanupItem, CleanupReport } from '../shared/cleanup'
import { UpshotError } from '../shared/jobs'
import { normalizePrefix } from './keys'
import type { Ledger } from './ledger'
import {
  forgetUnlessInUse,
  isInUse,
  recordedUploads,
  type LedgerUpload,
} from './ledger/multipart-cleanup'
import { abortMultipartUpload } from './storage/abort-upload'
import { createS3Client, describeStore } from './storage/client'
import { isNotImplemented, isRetryable, toUpshotError } from './storage/errors'
import { listMultipartUploads, type PendingUpload } from './storage/list-uploads'
import { withRetry } from './storage/retry'
import type { DestinationConfig, S3DestinationConfig } from './types'

export const DEFAULT_CLEANUP_AGE_MS = 24 * 3600_000

export interface CleanupOptions {
  /** Only uploads begun at least this long ago are aborted (default 24 h). */
  olderThanMs?: number
  dryRun?: boolean
  /** Whether the process named in a job's claim is gone (the engine's ownerIsDead). */
  isDead(owner: string): boolean
  now?: number
  signal?: AbortSignal
}

/** `{prefix}/{16 hex of the source hash}/{file name}`: the shape of every key Upshot writes. */
export function isUpshotKey(key: string, prefix: string): boolean {
  const p = normalizePrefix(prefix)
  const rest = p ? (key.startsWith(p + '/') ? key.slice(p.length + 1) : null) : key
  return rest !== null && /^[0-9a-f]{16}\/[^/]+$/.test(rest)
}

export async function cleanupUploads(
  ledger: Ledger,
  target: DestinationConfig,
  opts: CleanupOptions,
): Promise<CleanupReport> {
  if (target.kind !== 's3') {
    throw new UpshotError(
      'CONFIG',
      'A local folder has no unfinished multipart uploads; cleanup is for S3 destinations.',
    )
  }
  const config: S3DestinationConfig = target
  const olderThanMs = opts.olderThanMs ?? DEFAULT_CLEANUP_AGE_MS
  const dryRun = opts.dryRun === true
  const now = opts.now ?? Date.now()
  const prefix = normalizePrefix(config.prefix)
  const errors = { bucket: config.bucket, where: describeStore(config) }
  const retry = <T>(fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, {
      maxAttempts: 4,
      shouldRetry: (err) => !isNotImplemented(err) && isRetryable(err),
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
  const client = await createS3Client(config, 4)
  try {
    let pending: PendingUpload[] | null
    try {
      pending = await retry(() =>
        listMultipartUploads(client, config.bucket, prefix ? prefix + '/' : '', opts.signal),
      )
    } catch (err) {
      throw toUpshotError(err, errors)
    }
    if (pending === null) {
      throw new UpshotError(
        'NOT_SUPPORTED',
        `${errors.where} does not support listing unfinished multipart uploads ` +
          '(ListMultipartUploads), so Upshot cannot clean them up there; rely on a bucket ' +
          'lifecycle rule instead.',
      )
    }
    const known = new Map<string, LedgerUpload>()
    for (const u of recordedUploads(ledger.db)) known.set(`${u.key}\n${u.uploadId}`, u)
    const items: CleanupItem[] = []
    for (const p of pending) {
      const item = await settle(p)
      items.push(item)
    }
    return report(items)

    async function settle(p: PendingUpload): Promise<CleanupItem> {
      const base = {
        key: p.key,
        uploadId: p.uploadId,
        initiated: p.initiated ? p.initiated.toISOString() : null,
      }
      const mine = known.get(`${p.key}\n${p.uploadId}`)
      if (!mine && !isUpshotKey(p.key, prefix)) return { ...base, status: 'foreign' }
      if (mine && isInUse(mine, opts.isDead, now)) return { ...base, status: 'in-use' }
      const began = p.initiated?.getTime() ?? mine?.createdAt ?? null
      // `--older-than 0` means any age: a store's clock (or its rounding of Initiated to the
      // second) may put an upload made a moment ago slightly in our future.
      if (began === null || (olderThanMs > 0 && now - began < olderThanMs))
        return { ...base, status: 'recent' }
      if (dryRun) return { ...base, status: 'would-abort' }
      // The ledger lets go first: a job that claims the output after this starts a new upload
      // instead of adding parts to one that is about to disappear.
      if (mine && !forgetUnlessInUse(ledger.db, mine.outputId, mine.uploadId, opts.isDead)) {
        return { ...base, status: 'in-use' }
      }
      try {
        await retry(() =>
          abortMultipartUpload(client, config.bucket, p.key, p.uploadId, opts.signal),
        )
        return { ...base, status: 'aborted' }
      } catch (err) {
        const e = toUpshotError(err, errors)
        return { ...base, status: 'failed', error: { code: e.code, message: e.message } }
      }
    }

    function report(uploads: CleanupItem[]): CleanupReport {
      const count = (s: CleanupItem['status']): number =>
        uploads.filter((u) => u.status === s).length
      return {
        destination: `s3://${config.bucket}${prefix ? '/' + prefix : ''}`,
        dryRun,
        olderThanMs,
        uploads,
        summary: {
          listed: uploads.length,
          aborted: count('aborted'),
          wouldAbort: count('would-abort'),
          kept: count('recent') + count('in-use') + count('foreign'),
          failed: count('failed'),
        },
      }
    }
  } finally {
    client.destroy()
  }
}
