// The mirror worker: copies each pending (object, mirror) row of the ledger to its mirror. It
// runs beside the scheduler during a run and makes one last pass when the jobs are finished;
// a job is `done` for its links whatever the mirrors do. A copy that fails is retried later
// with a growing delay, and a mirror that does not answer is left alone for the rest of the
// pass, so a mirror that is down costs one failed request per pass, not one per object.
import type { ErrorCode, JobError } from '../../shared/jobs'
import { toJobError } from '../job-error'
import type { Ledger, MirrorCopyRow } from '../ledger'
import type { Destination } from '../types'
import { copyObject } from './copy'

/** Failures that say the mirror itself cannot take copies now: its other copies wait. */
const MIRROR_DOWN: readonly ErrorCode[] = [
  'NETWORK',
  'SERVER_ERROR',
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'NO_SUCH_BUCKET',
  'CLOCK_SKEW',
  'CONFIG',
]

export interface MirrorWorkerDeps {
  ledger: Ledger
  destination(id: string): Destination
  tmpDir: string
  /** Copies in flight at once (default 4). */
  parallel?: number
  /** Attempts before a copy is `failed` (shown, and tried again by `upshot resume`); default 8. */
  maxAttempts?: number
  /** Poll interval while the jobs run (default 250 ms). */
  pollMs?: number
  onError?(err: unknown): void
}

const RETRY_BASE_MS = 2_000
const RETRY_CAP_MS = 5 * 60_000

export class MirrorWorker {
  /** Copies under way in this process: runs at once (the app's batches) never make one twice. */
  private readonly inFlight = new Set<string>()

  constructor(private readonly deps: MirrorWorkerDeps) {}

  /** Copies alongside `jobs` (the scheduler's run), then one last pass once they are over. */
  async alongside(jobs: Promise<unknown>, signal?: AbortSignal): Promise<void> {
    let over = false
    const ended = jobs.finally(() => {
      over = true
    })
    const poll = this.deps.pollMs ?? 250
    while (!over && !signal?.aborted) {
      await this.pass(signal)
      if (over) break
      await Promise.race([ended.catch(() => undefined), sleep(poll)])
    }
    await ended
    if (!signal?.aborted) await this.pass(signal)
  }

  /** Records the copies owed by jobs done since the last pass, then makes every copy due now. */
  async pass(signal?: AbortSignal): Promise<void> {
    const { ledger } = this.deps
    let due: MirrorCopyRow[]
    try {
      if (!ledger.mirrors.anyMirrored()) return
      ledger.mirrors.recordDue()
      due = ledger.mirrors.due(Date.now(), 10_000)
    } catch (err) {
      this.deps.onError?.(err)
      return
    }
    if (due.length === 0) return
    const down = new Set<string>()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < due.length && !signal?.aborted) {
        const copy = due[next++]!
        const id = `${copy.primaryId}\n${copy.mirrorId}\n${copy.key}`
        if (down.has(copy.mirrorId) || this.inFlight.has(id)) continue
        this.inFlight.add(id)
        try {
          const error = await this.copyOne(copy, signal)
          if (error && MIRROR_DOWN.includes(error.code)) down.add(copy.mirrorId)
        } finally {
          this.inFlight.delete(id)
        }
      }
    }
    const n = Math.min(this.deps.parallel ?? 4, due.length)
    await Promise.all(Array.from({ length: n }, worker))
  }

  private async copyOne(copy: MirrorCopyRow, signal?: AbortSignal): Promise<JobError | null> {
    const { ledger } = this.deps
    try {
      const from = this.deps.destination(copy.primaryId)
      const to = this.deps.destination(copy.mirrorId)
      // Already there with the right size (an earlier attempt that crashed before its commit).
      const there = await to.head(copy.key, signal)
      let etag = there?.etag ?? null
      if (!there || there.size !== copy.bytes) {
        const done = await copyObject(from, to, copy.key, {
          tmpDir: this.deps.tmpDir,
          expectedBytes: copy.bytes,
          ...(signal ? { signal } : {}),
        })
        etag = done.etag
      }
      ledger.mirrors.markDone(copy, etag)
      return null
    } catch (err) {
      if (signal?.aborted) return null
      const error = toJobError(err)
      const attempts = copy.attempts + 1
      const final = attempts >= (this.deps.maxAttempts ?? 8)
      const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempts - 1))
      try {
        ledger.mirrors.markFailed(copy, error, Date.now() + delay, final)
      } catch (e) {
        this.deps.onError?.(e)
      }
      return error
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref())
