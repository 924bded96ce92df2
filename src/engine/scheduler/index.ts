// The scheduler: which job runs when, and what becomes of it when a step fails. It owns the
// slots (reading, processing, uploading), the claims, pause and resume, cancel and the verdict;
// the leases are renewed by ledger/leases.ts. It knows nothing about images or S3: what a claim
// does is the job type's (engine/steps), and the queue itself is the ledger.
import type { JobError } from '../../shared/jobs'
import type { Background } from '../background'
import type { EngineEvents } from '../events'
import { Ledger, LostClaimError, type JobRow } from '../ledger'
import { busyBackoffMs, type LedgerHealth } from '../ledger/health'
import { Semaphore, sleep } from '../queue/semaphore'
import type { Claim, JobType, StepEnd } from './job-type'
import { ownerIsDead } from './owners'
import { RunLoop, type DriveEnd } from './run-loop'
import { verdictFor, type RetryPolicy } from './verdict'

export type { Claim, JobType, StepEnd } from './job-type'
export { RunLoop } from './run-loop'

/** Destinations as the scheduler sees them: places a job goes that may stop taking jobs. */
export interface Targets {
  /** Why jobs to this destination stop (bad keys, no bucket...), while that lasts. */
  stopped(destinationId: string): JobError | undefined
  stop(destinationId: string, error: JobError): void
  /** Whether it ever answered this engine (a network error then means the network went away). */
  answered(destinationId: string): boolean
}

export interface SchedulerOptions {
  ledger: Ledger
  /** This engine's claims (scheduler/owners.ts). */
  owner: string
  leaseMs: number
  health: LedgerHealth
  events: EngineEvents
  targets: Targets
  job: JobType
  background: Background
  retry: RetryPolicy
  /**
   * Jobs claimed for processing at once (reading and hashing waits on the disk, so more do it
   * at once), of those decoding and encoding at once (a core each), and uploading at once.
   */
  slots: { read: number; process: number; upload: number }
}

export class Scheduler {
  private readonly ledger: Ledger
  private readonly owner: string
  private readonly health: LedgerHealth
  private readonly events: EngineEvents
  private readonly job: JobType
  private readonly readSlots: Semaphore
  private readonly processSlots: Semaphore
  private readonly uploadSlots: Semaphore
  /** The step running for each job, to stop it (pause, cancel, shutdown, a lost lease). */
  private readonly running = new Map<string, AbortController>()
  /** Jobs processed straight into `uploading`, with the upload slot taken for them. */
  private readonly handoffs = new Map<string, () => void>()
  private pauseWaiters: (() => void)[] = []
  private holding = false
  private ended = false

  constructor(private readonly opts: SchedulerOptions) {
    this.ledger = opts.ledger
    this.owner = opts.owner
    this.health = opts.health
    this.events = opts.events
    this.job = opts.job
    this.readSlots = new Semaphore(opts.slots.read)
    this.processSlots = new Semaphore(opts.slots.process)
    this.uploadSlots = new Semaphore(opts.slots.upload)
  }

  get paused(): boolean {
    return this.holding
  }

  get closed(): boolean {
    return this.ended
  }

  /** Drives each job until it ends, this engine pauses for good or closes, or the ledger fails. */
  async run(jobIds: readonly string[], signal?: AbortSignal): Promise<void> {
    await Promise.all(jobIds.map((id) => this.drive(id, signal, false)))
    await this.opts.background.settled()
  }

  /**
   * A long-lived run that pulls the jobs it is given (scheduler/run-loop.ts): it drives enough
   * of them at once to fill the read and upload slots, and a job that has to wait (its retry
   * time, another process's claim) is asked again later instead of holding a drive.
   */
  loop(hooks: { onError?(err: unknown): void; onIdle?(): void } = {}): RunLoop {
    return new RunLoop({
      drive: (id) => this.drive(id, undefined, true),
      width: this.opts.slots.read + this.opts.slots.upload,
      ...hooks,
    })
  }

  /** Stops every step in this process (their claims go back to the ledger) and holds the queue. */
  pause(): void {
    this.holding = true
    this.abortAll('pause')
  }

  resume(): void {
    this.holding = false
    this.wakeWaiters()
  }

  /** Holds one job back (recorded in the ledger); its step stops where it is. */
  pauseJob(jobId: string): void {
    if (!this.ledger.pauseJob(jobId)) return
    // Recorded parts stay; the claim is given back.
    this.running.get(jobId)?.abort('pause')
  }

  /** Stops every step under way: `reason` says what the verdict makes of it. */
  abortAll(reason: 'pause' | 'shutdown' | 'lease' | 'ledger'): void {
    for (const ctl of this.running.values()) ctl.abort(reason)
  }

  async cancel(jobId: string): Promise<void> {
    this.running.get(jobId)?.abort('cancel')
    const row = this.ledger.job(jobId)
    if (!row) return
    if (this.ledger.cancel(jobId)) {
      await this.job.abandon(row)
      this.events.finish(jobId)
      this.job.cleanup(jobId)
      const after = this.ledger.job(jobId)
      if (after) this.events.job(after)
    }
  }

  /** Stops every step and lets them record their release before the ledger closes. */
  async close(): Promise<void> {
    this.ended = true
    this.abortAll('shutdown')
    this.wakeWaiters()
    for (let i = 0; i < 50 && this.running.size > 0; i++) await sleep(20)
    await this.opts.background.settled()
  }

  private wakeWaiters(): void {
    const w = this.pauseWaiters
    this.pauseWaiters = []
    for (const f of w) f()
  }

  private async waitUnpaused(): Promise<void> {
    while (this.holding && !this.ended)
      await new Promise<void>((resolve) => this.pauseWaiters.push(resolve))
  }

  /**
   * A ledger locked by another process past the busy timeout is waited for, with growing pauses.
   * `defer`: a job that has to wait for a time returns when, instead of sleeping (the run loop).
   */
  private async drive(id: string, signal?: AbortSignal, defer = false): Promise<DriveEnd> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.driveJob(id, signal, defer)
      } catch (err) {
        if (this.health.note(err, 'running a job') !== 'busy') {
          if (!this.health.failed) throw err
          return
        }
      }
      await sleep(busyBackoffMs(attempt), signal)
    }
  }

  private async driveJob(
    id: string,
    signal: AbortSignal | undefined,
    defer: boolean,
  ): Promise<DriveEnd> {
    const { ledger, owner, health } = this
    // The row as a finished step left it: read again only when this loop waited for something.
    let known: JobRow | undefined
    let pausedForLedger = false
    for (;;) {
      if (this.ended || signal?.aborted || health.failed) return
      await this.waitUnpaused()
      if (this.ended || signal?.aborted) return
      const row = known ?? ledger.job(id)
      known = undefined
      if (!row) return
      if (Ledger.reportStatus(row.state)) {
        if (this.events.lastSeen(id)?.state !== row.state) this.events.job(row)
        return
      }
      // Paused on its own: this run lets it be; resumeJob + run continue it.
      if (ledger.isPaused(id)) return
      const stop = this.opts.targets.stopped(row.destination_id)
      if (stop && (row.state === 'queued' || row.state === 'processed')) {
        ledger.fail(id, null, stop)
        this.events.finish(id)
        continue
      }
      if (row.retry_after && row.retry_after > Date.now()) {
        if (defer) return { laterAt: row.retry_after }
        await sleep(row.retry_after - Date.now(), signal)
        continue
      }
      if (row.state === 'queued' || row.state === 'processed') {
        const processing = row.state === 'queued'
        const release = await (processing ? this.readSlots : this.uploadSlots).acquire()
        try {
          const claimed =
            !this.ended && !this.holding && !health.failed
              ? ledger.claimRow(id, owner, this.opts.leaseMs)
              : null
          if (claimed) known = await this.runStep(claimed, processing ? 'process' : 'upload')
        } finally {
          release()
        }
        const handoff = this.handoffs.get(id)
        if (handoff) known = await this.uploadHandedOver(id, known, handoff, signal)
      } else if (row.owner === owner && !this.running.has(id) && !this.handoffs.has(id)) {
        // Ours, but no step runs it: the ledger could not take a step's verdict (it was busy).
        // Given back after a pause, it continues from its state (and its recorded parts).
        if (health.busy && !pausedForLedger) {
          pausedForLedger = true
          await sleep(busyBackoffMs(0), signal)
          continue
        }
        ledger.release(id, owner)
        health.writable('giving back a claim')
      } else {
        // Held by another process (the app and a CLI sharing the data dir): wait for its verdict.
        if (row.owner && ownerIsDead(row.owner)) ledger.requeueStale(ownerIsDead)
        else if (defer) return { laterAt: Date.now() + 500 }
        await sleep(500, signal)
      }
    }
  }

  /** A job processed straight into `uploading`: upload it now, unless a pause or cancel came in between. */
  private async uploadHandedOver(
    id: string,
    row: JobRow | undefined,
    slot: () => void,
    signal: AbortSignal | undefined,
  ): Promise<JobRow | undefined> {
    this.handoffs.delete(id)
    try {
      if (row?.state !== 'uploading' || row.owner !== this.owner) return row
      if (this.ended || this.holding || signal?.aborted || this.ledger.isPaused(id)) {
        this.ledger.release(id, this.owner) // uploading -> processed: it continues from there later
        return undefined
      }
      return await this.runStep(row, 'upload')
    } finally {
      slot()
    }
  }

  /** Runs one step of a claimed job; answers with the job's row after it. */
  private async runStep(row: JobRow, kind: 'process' | 'upload'): Promise<JobRow | undefined> {
    const id = row.id
    const ctl = new AbortController()
    this.running.set(id, ctl)
    this.events.job(row)
    let cpu: (() => void) | null = null
    let upload: (() => void) | null = null
    const claim: Claim = {
      row,
      owner: this.owner,
      signal: ctl.signal,
      processSlot: async () => {
        if (!cpu) cpu = await this.processSlots.acquire()
      },
      uploadSlotNow: () => {
        if (!upload && !this.holding && !this.ended) upload = this.uploadSlots.tryAcquire()
        return upload !== null
      },
    }
    let end: StepEnd = {}
    let after: JobRow | undefined
    try {
      end = await (kind === 'process' ? this.job.process(claim) : this.job.upload(claim))
      this.health.writable('running a job') // every step ends with a transition it wrote
    } catch (err) {
      this.handleStepError(row, err, ctl.signal)
    } finally {
      ;(cpu as (() => void) | null)?.()
      after = end.row ?? this.health.read('reading a job', () => this.ledger.job(id))
      // The upload slot goes on with a job the step committed straight into `uploading`.
      const slot = upload as (() => void) | null
      if (slot && after?.state === 'uploading' && after.owner === this.owner)
        this.handoffs.set(id, slot)
      else slot?.()
      this.running.delete(id)
      this.job.settled(claim, after)
      if (after) this.events.job(after)
    }
    return after
  }

  private handleStepError(row: JobRow, err: unknown, signal: AbortSignal): void {
    if (err instanceof LostClaimError) return
    // The ledger failed, not the job: no verdict; drive gives the claim back when it can.
    if (this.health.note(err, 'running a job')) return
    try {
      this.recordVerdict(row, err, signal)
    } catch (e) {
      // The verdict could not be recorded: the claim stays ours until drive gives it back.
      if (this.health.note(e, 'recording a verdict') === null) throw e
    }
  }

  private recordVerdict(row: JobRow, err: unknown, signal: AbortSignal): void {
    const { ledger, owner } = this
    if (signal.aborted) {
      const reason: unknown = signal.reason
      if (reason === 'cancel') return // cancel() records the verdict itself
      ledger.release(row.id, owner) // pause or shutdown: continue later from the ledger
      return
    }
    const attempts = ledger.job(row.id)?.attempts ?? 1
    const reachable = this.opts.targets.answered(row.destination_id)
    const v = verdictFor(err, attempts, reachable, this.opts.retry)
    if (v.kind === 'retry') {
      ledger.retryLater(row.id, owner, Date.now() + v.delayMs, v.error)
    } else {
      if (v.kind === 'stop-destination') this.opts.targets.stop(row.destination_id, v.error)
      ledger.fail(row.id, owner, v.error)
      this.events.finish(row.id)
      if (v.kind === 'fail') this.opts.background.add(this.job.abandon(row))
    }
    if (Ledger.reportStatus(ledger.job(row.id)?.state ?? 'queued')) this.job.cleanup(row.id)
  }
}
