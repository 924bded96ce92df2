// createEngine: the wiring. The ledger is the queue; the scheduler (engine/scheduler) claims
// jobs and runs the steps of a job's life (engine/steps, numbered in the order a job lives
// them); events.ts tells the listeners. See docs/ARCHITECTURE.md, "A job's life".
import os from 'node:os'
import path from 'node:path'
import type { RunReport } from '../shared/jobs'
import type { Engine, EngineOptions, Target } from './api'
import { Background } from './background'
import { DestinationCache } from './destination-cache'
import type { EnqueueOptions } from './enqueue-page'
import { EngineEvents } from './events'
import { HeldBytes } from './held-bytes'
import { createJobLoop } from './job-loop'
import { errorOf } from './job-error'
import { Ledger } from './ledger'
import { LedgerHealth, ledgerError } from './ledger/health'
import { renewLeases } from './ledger/leases'
import { freshLinks, withFreshLinks } from './links'
import { localMetaDirFor, stagingDirFor } from './paths'
import { getPreset } from './pipeline'
import { DEFAULT_PIXEL_LIMIT } from './pipeline/limits'
import { PixelBudget, defaultImageMemoryBudget } from './queue/pixel-budget'
import { MirrorWorker, withMirrorStatus, withMirrors } from './mirrors'
import { ledgerIdOf } from './references/usage'
import { Scheduler } from './scheduler'
import { endOwner, newOwner, ownerIsDead } from './scheduler/owners'
import { BatchListings, Staging, enqueue, uploadJobs } from './steps'
import { createDestination, createThrottle } from './storage'
import { reportFromLedger, reportFromSeen } from './run-report'

export type { Engine, EngineEvent, EngineOptions, JobLoop, Target } from './api'
export type { DestinationConfig } from './types'
export { toJobError } from './job-error'
export { ownerIsDead, ownerPrefix } from './scheduler/owners'
export { IMMUTABLE_CACHE_CONTROL } from './steps'

/** Memory for small files' contents between their read and their upload (see HeldBytes). */
const HELD_BYTES_BUDGET = 64 * 1024 * 1024

export function createEngine(options: EngineOptions): Engine {
  const dataDir = path.resolve(options.dataDir)
  const ledger = Ledger.open(
    dataDir,
    options.nativeBinding ? { nativeBinding: options.nativeBinding } : {},
  )
  const owner = newOwner()
  const leaseMs = options.leaseMs ?? 60_000
  const cores = options.processConcurrency ?? os.availableParallelism()
  const background = new Background()
  const throttle = options.bandwidthLimit ? createThrottle(options.bandwidthLimit) : undefined
  const destinations = new DestinationCache({
    make: (config) =>
      createDestination(config, {
        partConcurrency: options.partConcurrency ?? 4,
        metaDir: localMetaDirFor(dataDir),
        ...(throttle ? { bandwidth: throttle } : {}),
      }),
    ...(options.configFor ? { configFor: options.configFor } : {}),
    fromLedger: (id) => ledger.destinationConfig(id),
  })
  const health = new LedgerHealth(ledger.db.name, (e) => {
    // Failed for good: steps under way could not record what they do; they stop here.
    if (e.state === 'failed') scheduler.abortAll('ledger')
    events.emit({ type: 'ledger', ...e })
  })
  const events = new EngineEvents((err) => {
    if (health.note(err, 'handling an event') === null)
      console.error('[upshot] an event listener failed:', err)
  })
  const held = new HeldBytes(HELD_BYTES_BUDGET)
  const pixelBudget = new PixelBudget(options.imageMemoryBudget ?? defaultImageMemoryBudget())
  const presetOf = (name: string) => getPreset(name, options.customPresets?.() ?? [])
  const job = uploadJobs({
    ledger,
    // Written on every object this engine uploads: who wrote its bytes (engine/references).
    ledgerId: ledgerIdOf(ledger),
    leaseMs,
    health,
    events,
    destinations,
    staging: new Staging(
      options.stagingDir ? path.resolve(options.stagingDir) : stagingDirFor(dataDir),
      background,
    ),
    held,
    listings: new BatchListings(ledger),
    limits: {
      maxFileBytes: options.maxFileBytes ?? 50 * 1024 ** 3,
      limitInputPixels: options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT,
    },
    admit: (bytes, signal) => pixelBudget.acquire(bytes, signal),
    presetOf,
  })
  const scheduler = new Scheduler({
    ledger,
    owner,
    leaseMs,
    health,
    events,
    targets: destinations,
    job,
    background,
    retry: {
      maxJobAttempts: options.maxJobAttempts ?? 4,
      maxNetworkAttempts: options.maxNetworkAttempts ?? 40,
    },
    // Reading and hashing waits on the disk, not the CPU: more jobs do it at once, and only
    // images (decode + encode, their bytes held in memory) take one of the processing slots.
    slots: { read: Math.max(8, 4 * cores), process: cores, upload: options.uploadConcurrency ?? 6 },
  })
  const mirrorWorker = new MirrorWorker({
    ledger,
    destination: (id) => destinations.get(id),
    tmpDir: path.join(dataDir, 'mirror-tmp'),
    onError: (err) => health.note(err, 'copying to a mirror'),
  })
  // Copies start the moment a job is done, not on a poll (engine/mirrors/worker.ts).
  events.on((e) => {
    if (e.type === 'job' && e.state === 'done') mirrorWorker.jobDone(e.id)
  })
  const leases = renewLeases({
    ledger,
    owner,
    leaseMs,
    health,
    onLost: () => scheduler.abortAll('lease'),
  })

  let loop: ReturnType<typeof createJobLoop> | undefined

  /** `destinationOf`, when given, learns each reported job's destination. */
  function report(jobIds: readonly string[], seconds: number, destinationOf?: Map<string, string>) {
    return reportFromLedger(ledger, jobIds, seconds, {
      ...(destinationOf ? { destinationOf } : {}),
      ledgerFailure: health.failed ? errorOf(health.failed) : null,
    })
  }

  async function run(jobIds: readonly string[], signal?: AbortSignal): Promise<RunReport> {
    const started = Date.now()
    destinations.clearStops()
    // Mirrors copy beside the jobs; a job is done for its links whatever they do.
    await mirrorWorker.alongside(scheduler.run(jobIds, signal), signal)
    events.flush()
    const seconds = (): number => (Date.now() - started) / 1000
    let r: RunReport
    try {
      const destinationOf = new Map<string, string>()
      const plain = report(jobIds, seconds(), destinationOf)
      r = await withFreshLinks(ledger, destinations, plain, destinationOf)
      r = withMirrorStatus(ledger, destinations, r)
    } catch (err) {
      const trouble = ledgerError(err, ledger.db.name)
      if (!trouble) throw err
      health.note(err, 'reading the report')
      // The ledger cannot even be read: the report is what this engine saw of each job.
      r = reportFromSeen(jobIds, events.seenJobs, seconds(), errorOf(health.failed ?? trouble))
    }
    if (health.failed) r.ledgerError = errorOf(health.failed)
    return r
  }

  return {
    dataDir,
    ledger,
    async enqueue(paths: readonly string[], target: Target, opts: EnqueueOptions = {}) {
      const m = withMirrors(ledger, destinations, target.destination, target.mirrors ?? [], opts)
      const ids = await enqueue(
        { ledger, health, destinations, events, presetOf },
        paths,
        target,
        m.opts,
      )
      // Failed inputs are recorded outside pages; INSERT OR IGNORE makes this idempotent.
      m.record(ids)
      return ids
    },
    preset: presetOf,
    run: (jobIds, opts = {}) => run(jobIds, opts.signal),
    runLoop: () => (loop ??= createJobLoop({ scheduler, destinations, events, mirrorWorker })),
    resumeUnfinished(opts = {}) {
      ledger.requeueStale(ownerIsDead)
      // Copies that failed or wait for their retry time are tried again now: the user asked.
      ledger.mirrors.retryNow()
      return run(ledger.unfinishedJobIds(), opts.signal)
    },
    copyMirrors: (opts = {}) => {
      // Copies owed while no run is open (the app between batches): one catch-up, then idle.
      mirrorWorker.catchUp()
      return mirrorWorker.idle(opts.signal)
    },
    report: (jobIds, seconds) => report(jobIds, seconds),
    freshLinks: (jobIds, opts = {}) => freshLinks(ledger, destinations, jobIds, opts),
    pause: () => scheduler.pause(),
    resume: () => scheduler.resume(),
    get paused() {
      return scheduler.paused
    },
    pauseJob: (jobId) => scheduler.pauseJob(jobId),
    resumeJob: (jobId) => ledger.unpauseJob(jobId),
    isJobPaused: (jobId) => ledger.isPaused(jobId),
    cancel: (jobId) => scheduler.cancel(jobId),
    on: (listener) => events.on(listener),
    async close() {
      if (scheduler.closed) return
      await loop?.close()
      await Promise.all([mirrorWorker.close(), scheduler.close()])
      leases.stop()
      events.close()
      destinations.close()
      held.clear()
      endOwner(owner)
      try {
        ledger.close()
      } catch {
        // A ledger that failed may refuse its last checkpoint: what was committed is kept.
      }
    },
  }
}
