// The mirror worker: copies each pending (object, mirror) row of the ledger to its mirror. It is
// driven, never polling: a job that becomes done records its copies and wakes it; a run's start
// (and `upshot resume`) catches up on whatever an earlier process left; a failed copy arms one
// timer for its retry time. With nothing to copy it reads and writes nothing, however long a run
// stays open (a paused queue, a job waiting on another process). A job is `done` for its links
// whatever the mirrors do. A copy that fails is retried later with a growing delay, and a mirror
// that does not answer is left alone until that retry, so a mirror that is down costs one failed
// request per retry, not one per object.
import fs from 'node:fs'
import path from 'node:path'
import type { ErrorCode, JobError } from '../../shared/jobs'
import { toJobError } from '../job-error'
import type { Ledger, MirrorCopyRow } from '../ledger'
import type { Destination } from '../types'
import { makeCopy, sweepCopyFiles, tmpNameOf } from './make-copy'

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
  onError?(err: unknown): void
}

const RETRY_BASE_MS = 2_000
const RETRY_CAP_MS = 5 * 60_000
/** A copy whose failure the ledger could not record waits this long before it is tried again. */
const LEDGER_TROUBLE_MS = 5_000
/** Rows read from the ledger at once: the queue is filled again when it runs dry. */
const FILL = 2_000

const copyId = (c: Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>): string =>
  `${c.primaryId}\n${c.mirrorId}\n${c.key}`

const parseId = (id: string): Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'> => {
  const [primaryId = '', mirrorId = '', ...key] = id.split('\n')
  return { primaryId, mirrorId, key: key.join('\n') }
}

export class MirrorWorker {
  private queue: MirrorCopyRow[] = []
  /** Copies under way in this process: runs at once (the app's batches) never make one twice. */
  private readonly inFlight = new Set<string>()
  /** Jobs done since the queue was last filled: their copies are recorded first. */
  private readonly doneJobs = new Set<string>()
  private catchUpOwed = false
  /** Whether this ledger has anything to do with mirrors (known after the first catch-up). */
  private mirrored = false
  /** Mirrors that did not answer, left alone until then (epoch ms). */
  private readonly downUntil = new Map<string, number>()
  /** Why each of those did not answer. */
  private readonly downWhy = new Map<string, JobError>()
  /** Copies whose verdict the ledger could not take, and when to try them again. */
  private readonly heldBack = new Map<string, number>()
  private workers = 0
  /** When the ledger last refused to say what is due: looked at again then (epoch ms). */
  private ledgerTroubleUntil = 0
  private timer: NodeJS.Timeout | null = null
  private idleWaiters: (() => void)[] = []
  private readonly life = new AbortController()

  constructor(private readonly deps: MirrorWorkerDeps) {}

  /** A job became done: its objects' copies are recorded and started now. */
  jobDone(jobId: string): void {
    if (this.life.signal.aborted) return
    this.doneJobs.add(jobId)
    this.wake()
  }

  /** Every copy owed by any job, and every copy due: a run's start, `upshot resume`. */
  catchUp(): void {
    if (this.life.signal.aborted) return
    this.catchUpOwed = true
    this.wake()
  }

  /** Copies beside `jobs` (the scheduler's run); resolves once they are over and no copy is due. */
  async alongside(jobs: Promise<unknown>, signal?: AbortSignal): Promise<void> {
    this.catchUp()
    await jobs
    // Jobs done while the ledger refused a write may have missed their event: one last look.
    if (!signal?.aborted) this.catchUp()
    await this.idle(signal)
  }

  /** Resolves when no copy is under way and none is due now (retries later are not waited for). */
  idle(signal?: AbortSignal): Promise<void> {
    if (this.workers === 0 || this.life.signal.aborted || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done)
        resolve()
      }
      signal?.addEventListener('abort', done, { once: true })
      this.idleWaiters.push(done)
    })
  }

  /**
   * Stops: copies under way are abandoned (a multipart copy resumes from its recorded parts) and
   * given a moment to let go of the ledger before it closes.
   */
  async close(): Promise<void> {
    this.life.abort()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.queue = []
    if (this.workers === 0) return this.settle()
    const gone = new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    await Promise.race([gone, new Promise((r) => setTimeout(r, 2_000).unref())])
  }

  /** Fills the queue from the ledger and starts workers; arms the retry timer when none is due. */
  private wake(): void {
    if (this.life.signal.aborted) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.queue.length === 0) this.fill()
    const want = Math.min(this.deps.parallel ?? 4, this.queue.length)
    while (this.workers < want) {
      this.workers++
      void this.work().finally(() => {
        if (--this.workers > 0) return
        // The last worker out looks for more (jobs done meanwhile, retries come due).
        if (this.queue.length === 0 && !this.life.signal.aborted) this.fill()
        if (this.queue.length > 0) this.wake()
        else this.settle()
      })
    }
    if (this.workers === 0) this.settle()
  }

  private fill(): void {
    const { ledger } = this.deps
    const now = Date.now()
    try {
      const jobs = [...this.doneJobs]
      this.doneJobs.clear()
      if (this.catchUpOwed) {
        this.catchUpOwed = false
        this.mirrored = ledger.mirrors.anyMirrored()
        if (!this.mirrored) return
        ledger.mirrors.recordDue()
        const underWay = new Set([...this.inFlight].map((id) => tmpNameOf(parseId(id))))
        void sweepCopyFiles(ledger.mirrors.owed(), this.deps.tmpDir, underWay)
      } else if (jobs.length > 0 && ledger.mirrors.recordDueOf(jobs) > 0) {
        this.mirrored = true
      }
      // Users without mirrors: a done job costs one read (its mirrors), nothing more.
      if (!this.mirrored) return
      const due = ledger.mirrors.due(now, FILL)
      // Copies for a mirror that is down wait with its reason (recorded once: not due again).
      for (const [mirrorId, until] of this.downUntil) {
        const why = this.downWhy.get(mirrorId)
        const parked = due.filter((c) => c.mirrorId === mirrorId && !this.inFlight.has(copyId(c)))
        if (until > now && why && parked.length > 0) ledger.mirrors.markWaiting(parked, why, until)
      }
      this.queue = due.filter(
        (c) =>
          !this.inFlight.has(copyId(c)) &&
          (this.downUntil.get(c.mirrorId) ?? 0) <= now &&
          (this.heldBack.get(copyId(c)) ?? 0) <= now,
      )
    } catch (err) {
      // The ledger refused (busy, disk full): the done jobs taken above may not be recorded.
      // A full catch-up a little later records them and finds what is due.
      this.deps.onError?.(err)
      this.queue = []
      this.catchUpOwed = true
      this.ledgerTroubleUntil = Date.now() + LEDGER_TROUBLE_MS
    }
  }

  private async work(): Promise<void> {
    const signal = this.life.signal
    for (let copy = this.queue.shift(); copy && !signal.aborted; copy = this.queue.shift()) {
      const id = copyId(copy)
      if ((this.downUntil.get(copy.mirrorId) ?? 0) > Date.now() || this.inFlight.has(id)) continue
      this.inFlight.add(id)
      try {
        await this.copyOne(copy, signal)
      } finally {
        this.inFlight.delete(id)
      }
    }
  }

  private async copyOne(copy: MirrorCopyRow, signal: AbortSignal): Promise<void> {
    const { ledger } = this.deps
    try {
      const etag = await makeCopy(
        ledger,
        this.deps.destination(copy.primaryId),
        this.deps.destination(copy.mirrorId),
        copy,
        { tmpDir: this.deps.tmpDir, signal },
      )
      ledger.mirrors.markDone(copy, etag)
      this.heldBack.delete(copyId(copy))
    } catch (err) {
      if (signal.aborted) return
      const error = toJobError(err)
      const attempts = copy.attempts + 1
      const final = attempts >= (this.deps.maxAttempts ?? 8)
      const retryAt = Date.now() + Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempts - 1))
      if (MIRROR_DOWN.includes(error.code)) {
        this.downUntil.set(copy.mirrorId, retryAt)
        this.downWhy.set(copy.mirrorId, error)
        this.waitOnDownMirror(copy.mirrorId, error, retryAt)
      }
      if (final) {
        // Tried again only when the user asks (`upshot resume`): its file is read again then.
        const file = path.join(this.deps.tmpDir, tmpNameOf(copy))
        await fs.promises.rm(file, { force: true }).catch(() => undefined)
      }
      try {
        ledger.mirrors.markFailed(copy, error, retryAt, final)
        this.heldBack.delete(copyId(copy))
      } catch (e) {
        this.heldBack.set(copyId(copy), Date.now() + LEDGER_TROUBLE_MS)
        this.deps.onError?.(e)
      }
    }
  }

  /**
   * The copies queued for a mirror that just refused: not tried now, and told why, so the window
   * says "mirror failed, retrying" for every job waiting on it, not only the one that tried.
   */
  private waitOnDownMirror(mirrorId: string, error: JobError, until: number): void {
    const waiting = this.queue.filter((c) => c.mirrorId === mirrorId)
    if (waiting.length === 0) return
    this.queue = this.queue.filter((c) => c.mirrorId !== mirrorId)
    try {
      this.deps.ledger.mirrors.markWaiting(waiting, error, until)
    } catch (err) {
      this.deps.onError?.(err)
    }
  }

  /** Nothing runs: the idle waiters go, and one timer is armed for the next retry. */
  private settle(): void {
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
    if (this.life.signal.aborted || this.timer) return
    if (!this.mirrored && !this.catchUpOwed) return
    const now = Date.now()
    let at = Infinity
    try {
      at = this.deps.ledger.mirrors.nextRetryAt(now) ?? Infinity
    } catch (err) {
      this.deps.onError?.(err)
      this.ledgerTroubleUntil = now + LEDGER_TROUBLE_MS
    }
    // Without this, a ledger that refused once would leave the retries owed without a timer.
    if (this.ledgerTroubleUntil > now) at = Math.min(at, this.ledgerTroubleUntil)
    for (const [m, t] of this.downUntil) {
      if (t <= now) {
        this.downUntil.delete(m)
        this.downWhy.delete(m)
      } else at = Math.min(at, t)
    }
    for (const [c, t] of this.heldBack) {
      if (t <= now) this.heldBack.delete(c)
      else at = Math.min(at, t)
    }
    if (at === Infinity) return
    this.timer = setTimeout(
      () => {
        this.timer = null
        if (this.workers === 0) this.wake()
      },
      Math.max(0, at - now),
    )
    this.timer.unref()
  }
}
