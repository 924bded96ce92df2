import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  UpshotError,
  type ErrorCode,
  type JobError,
  type OutputReport,
  type JobState,
  type RunReport,
} from '../shared/jobs'
import { buildKey, normalizePrefix, originalExt, splitExt } from './keys'
import { listInputs } from './inputs'
import { jobsOfPage, type EnqueueOptions } from './enqueue-page'
import { localMetaDirFor, stagingDirFor } from './paths'
import {
  Ledger,
  LostClaimError,
  reusedOutput,
  type JobRow,
  type NewOutput,
  type OutputRow,
} from './ledger'
import { LedgerHealth, busyBackoffMs, ledgerError, type LedgerHealthEvent } from './ledger/health'
import { renewLeases } from './ledger/leases'
import { reportFromLedger, reportFromSeen, type SeenJob } from './run-report'
import { errorOf, toJobError } from './job-error'
import { stmt } from './ledger/open'
import { relinkOutputs } from './ledger/relink'
import { deferToTwin, twinAhead } from './ledger/twins'
import { getPreset, makeOutputs, presetFingerprint, presetKeyTag, snapshotSource } from './pipeline'
import { DEFAULT_PIXEL_LIMIT } from './pipeline/limits'
import { HeldBytes } from './held-bytes'
import { ProgressTracker } from './progress'
import { PixelBudget, defaultImageMemoryBudget } from './queue/pixel-budget'
import { Semaphore, sleep } from './queue/semaphore'
import { claimOccupied, confirmInBucket, markReused } from './references/reuse'
import { ledgerIdOf } from './references/usage'
import { DestinationCache } from './destination-cache'
import { createDestination, createThrottle, type Throttle } from './storage'
import { warmHashWorker } from './storage/hash-worker'
import type { Destination, DestinationConfig, OutputFormat, Preset, SniffResult } from './types'

export type { DestinationConfig } from './types'
export { toJobError } from './job-error'

/** Objects are content-addressed, so they never change once written. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable'

export interface EngineOptions {
  /** Ledger and staging live here. */
  dataDir: string
  /** Staged variants go here instead; default UPSHOT_STAGING_DIR, else `staging/` in dataDir. */
  stagingDir?: string
  /** better-sqlite3 binary for this runtime (Electron's main process passes its own build). */
  nativeBinding?: string
  /** Jobs hashed and turned into variants at once; default: the core count. */
  processConcurrency?: number
  /** Jobs uploading at once; default 6. */
  uploadConcurrency?: number
  /** Parts of one multipart upload in flight; default 4 (4 x 8 MiB: at most 32 MiB re-sent after a kill). */
  partConcurrency?: number
  /** Upload bandwidth limit in bytes/s for all uploads together; 0 = unlimited. */
  bandwidthLimit?: number
  /** Inputs larger than this fail with FILE_TOO_LARGE; default 50 GiB. */
  maxFileBytes?: number
  /** Images with more pixels fail with PIXEL_LIMIT before being decoded; default 268 MP. */
  limitInputPixels?: number
  /**
   * Memory the images being processed may take together, in bytes, admitted by their pixel
   * count (queue/pixel-budget.ts); default a quarter of the machine's memory, 1-8 GiB.
   */
  imageMemoryBudget?: number
  /** How long a claim stays valid without renewal; default 60 s. */
  leaseMs?: number
  /** Job-level attempts for passing failures (network, 5xx) after the per-request retries; default 4. */
  maxJobAttempts?: number
  /**
   * Job-level attempts while a destination that answered before is unreachable (the network went
   * away mid-batch); with 30 s between attempts the default waits about 15 minutes.
   */
  maxNetworkAttempts?: number
  /** The user's own presets (the app's settings), looked up by name as jobs run. */
  customPresets?: () => readonly Preset[]
  /**
   * The current config (keys included) of a destination the caller keeps, by ledger id; asked
   * as each step starts, so a changed config applies to every job not yet uploading, and jobs
   * resumed after a restart get the keys the app keeps. null: the ledger's config.
   */
  configFor?: (destinationId: string) => DestinationConfig | null
}

export interface Target {
  destination: DestinationConfig
  /** A saved destination's name, recorded with it. */
  destinationName?: string
  preset: string
}

export type EngineEvent =
  | {
      type: 'job'
      id: string
      source: string
      state: JobState
      error: JobError | null
      deduplicated: boolean
    }
  | {
      type: 'progress'
      jobs: { id: string; bytesDone: number; bytesTotal: number }[]
      overall: { bytesDone: number; bytesTotal: number; rate: number; etaSeconds: number | null }
    }
  /** The ledger is locked by another process, writable again, or failed (the run stops). */
  | ({ type: 'ledger' } & LedgerHealthEvent)

export interface Engine {
  readonly dataDir: string
  readonly ledger: Ledger
  /**
   * Records one job per file found under `paths`, page by page as they are listed (see
   * EnqueueOptions); nothing runs until `run`.
   */
  enqueue(paths: readonly string[], target: Target, opts?: EnqueueOptions): Promise<string[]>
  /** Runs the given jobs to a terminal state (or until paused/closed) and reports them. */
  run(jobIds: readonly string[], opts?: { signal?: AbortSignal }): Promise<RunReport>
  /** Gives back claims of dead processes and runs every unfinished job. */
  resumeUnfinished(opts?: { signal?: AbortSignal }): Promise<RunReport>
  report(jobIds: readonly string[], seconds: number): RunReport
  /**
   * The outputs of finished jobs with links to hand out now: for a private destination, fresh
   * presigned URLs (the ones from an earlier run expire). `configFor` supplies a destination's
   * config with its credentials when the caller keeps them (the app); else the ledger's is used.
   */
  freshLinks(
    jobIds: readonly string[],
    opts?: { configFor?(destinationId: string): DestinationConfig | null },
  ): Promise<Map<string, OutputReport[]>>
  pause(): void
  resume(): void
  readonly paused: boolean
  /** Holds one job back (recorded in the ledger, so it stays paused across restarts). */
  pauseJob(jobId: string): void
  /** Lets a paused job be claimed again; run it to continue. */
  resumeJob(jobId: string): void
  isJobPaused(jobId: string): boolean
  cancel(jobId: string): Promise<void>
  on(listener: (e: EngineEvent) => void): () => void
  close(): Promise<void>
  /** A built-in or custom preset by name; CONFIG when there is none. */
  preset(name: string): Preset
}

const LIVE_OWNERS = new Set<string>()
const HOST = os.hostname()

/** How the claims of process `pid` on this machine begin in the ledger (`host/pid/`). */
export function ownerPrefix(pid: number): string {
  return `${HOST}/${pid}/`
}

export function ownerIsDead(owner: string): boolean {
  const [host, pidText] = owner.split('/')
  if (host !== HOST) return false // another machine: only its lease can tell
  const pid = Number(pidText)
  if (pid === process.pid) return !LIVE_OWNERS.has(owner)
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Destination failures that no retry can fix: the whole run for that destination stops. */
const FATAL_FOR_DESTINATION: readonly ErrorCode[] = [
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'NO_SUCH_BUCKET',
  'CLOCK_SKEW',
  'CONFIG',
]

/** Batches of at least this many jobs check the bucket with one listing instead of HEADs. */
const LISTING_MIN_JOBS = 20
/** Memory for small files' contents between their read and their upload (see HeldBytes). */
const HELD_BYTES_BUDGET = 64 * 1024 * 1024
/** A listing answers for the batch that made it for this long; later jobs list again. */
const LISTING_TTL_MS = 10 * 60_000
function tagOf(preset: Preset): { tag?: string } {
  const tag = presetKeyTag(preset)
  return tag ? { tag } : {}
}

const EXT_OF_FORMAT: Record<OutputFormat, string> = {
  webp: 'webp',
  avif: 'avif',
  jpeg: 'jpg',
  png: 'png',
}

export function createEngine(options: EngineOptions): Engine {
  const dataDir = path.resolve(options.dataDir)
  const stagingRoot = options.stagingDir ? path.resolve(options.stagingDir) : stagingDirFor(dataDir)
  const ledger = Ledger.open(
    dataDir,
    options.nativeBinding ? { nativeBinding: options.nativeBinding } : {},
  )
  const owner = `${ownerPrefix(process.pid)}${randomUUID().slice(0, 8)}`
  // Written on every object this engine uploads: who wrote its bytes (engine/references).
  const ledgerId = ledgerIdOf(ledger)
  LIVE_OWNERS.add(owner)
  const leaseMs = options.leaseMs ?? 60_000
  const maxJobAttempts = options.maxJobAttempts ?? 4
  const maxNetworkAttempts = options.maxNetworkAttempts ?? 40
  const processSlots = new Semaphore(options.processConcurrency ?? os.availableParallelism())
  // Reading and hashing a file waits on the disk, not the CPU: more jobs do it at once, and only
  // images (decode + encode, and their bytes held in memory) take one of the processSlots.
  const readSlots = new Semaphore(
    Math.max(8, 4 * (options.processConcurrency ?? os.availableParallelism())),
  )
  const uploadSlots = new Semaphore(options.uploadConcurrency ?? 6)
  const pixelBudget = new PixelBudget(options.imageMemoryBudget ?? defaultImageMemoryBudget())
  const throttle: Throttle | undefined = options.bandwidthLimit
    ? createThrottle(options.bandwidthLimit)
    : undefined
  const destinations = new DestinationCache({
    make: (config) =>
      createDestination(config, {
        partConcurrency: options.partConcurrency ?? 4,
        metaDir: localMetaDirFor(dataDir),
        ...(throttle ? { bandwidth: throttle } : {}),
      }),
    ...(options.configFor ? { configFor: options.configFor } : {}),
    fromLedger: loadDestinationConfig,
  })
  const emitter = new EventEmitter()
  const progress = new ProgressTracker()
  const running = new Map<string, AbortController>()
  // Destinations that have answered at least once: a network error from one of these is the
  // network going away (wait for it), from any other a wrong or dead endpoint (stop at once).
  const reachable = new Set<string>()
  let paused = false
  let pauseWaiters: (() => void)[] = []
  let closed = false
  const changedProgress = new Set<string>()
  const heldBytes = new HeldBytes(HELD_BYTES_BUDGET)
  // Jobs processed straight into `uploading`, with the upload slot taken for them.
  const handoffs = new Map<string, () => void>()
  // A step's final row, from the statement that made it (saves reading it back).
  const stepRows = new Map<string, JobRow>()
  const listings = new Map<string, { at: number; keys: Promise<Set<string> | null> }>()
  // The state each job last had in our events: a job another process (the app, a CLI) finishes
  // is announced when this engine finds it finished, so a window's queue does not wait forever.
  const lastEmitted = new Map<string, SeenJob>()

  const health = new LedgerHealth(ledger.db.name, (e) => {
    // Failed for good: steps under way could not record what they do; they stop here.
    if (e.state === 'failed') for (const ctl of running.values()) ctl.abort('ledger')
    emit({ type: 'ledger', ...e })
  })
  const leases = renewLeases({
    ledger,
    owner,
    leaseMs,
    health,
    onLost: () => {
      for (const ctl of running.values()) ctl.abort('lease')
    },
  })
  const progressTimer = setInterval(flushProgress, 200)
  progressTimer.unref()

  function emit(e: EngineEvent): void {
    emitter.emit('event', e)
  }

  function emitJob(row: JobRow): void {
    const seen: SeenJob = {
      state: row.state,
      source: row.source,
      error: row.error_code
        ? { code: row.error_code as ErrorCode, message: row.error_message ?? '' }
        : null,
      deduplicated: row.deduplicated === 1,
    }
    lastEmitted.set(row.id, seen)
    emit({ type: 'job', id: row.id, ...seen })
  }

  function emitJobById(id: string): void {
    const row = ledger.job(id)
    if (row) emitJob(row)
  }

  function flushProgress(): void {
    if (changedProgress.size === 0) return
    const jobs = [...changedProgress].map((id) => {
      const p = progress.job(id)
      return { id, bytesDone: p.done, bytesTotal: p.total }
    })
    changedProgress.clear()
    emit({ type: 'progress', jobs, overall: progress.overall() })
  }

  function destinationFor(id: string, config?: DestinationConfig): Destination {
    return destinations.get(id, config)
  }

  function loadDestinationConfig(id: string): DestinationConfig {
    const row = ledger.db.prepare('SELECT config FROM destinations WHERE id = ?').get(id) as
      { config: string } | undefined
    if (!row)
      throw new UpshotError(
        'CONFIG',
        'The destination of this job is no longer known; upload the file again.',
      )
    return JSON.parse(row.config) as DestinationConfig
  }

  function presetOf(name: string): Preset {
    return getPreset(name, options.customPresets?.() ?? [])
  }

  async function enqueue(
    paths: readonly string[],
    target: Target,
    opts: EnqueueOptions = {},
  ): Promise<string[]> {
    warmHashWorker() // boots while the inputs are listed and recorded
    const preset = presetOf(target.preset)
    const dest = createDestination(target.destination, {})
    const destinationId = dest.id
    dest.close()
    // Recording waits out another process's write lock (the app and a CLI on one data dir).
    await health.retry('recording the destination', () =>
      ledger.upsertDestination(destinationId, target.destination, target.destinationName ?? null),
    )
    // Secrets never reach the ledger; the live config (with them) is kept for this process only.
    destinations.remember(destinationId, target.destination)
    const base = {
      batchId: randomUUID(),
      destinationId,
      preset: preset.name,
      presetFp: presetFingerprint(preset),
    }
    const all: string[] = []
    let listedAt = performance.now()
    for await (const entries of listInputs(paths, { signal: opts.signal })) {
      const listMs = performance.now() - listedAt
      const { ids, good, failed } = jobsOfPage(entries, base)
      await health.retry('recording the files', () =>
        ledger.db
          .transaction(() => {
            for (const f of failed) ledger.enqueueFailed(f.job, f.error)
            ledger.enqueue(good)
          })
          .immediate(),
      )
      const rows = ids.flatMap((id) => ledger.job(id) ?? [])
      for (const row of rows) emitJob(row)
      all.push(...ids)
      opts.onPage?.({ ids, rows, listMs, recordMs: performance.now() - listedAt - listMs })
      listedAt = performance.now()
    }
    return all
  }

  async function waitUnpaused(): Promise<void> {
    while (paused && !closed) await new Promise<void>((resolve) => pauseWaiters.push(resolve))
  }

  /**
   * Drives one job until it ends, this engine pauses for good or closes, or the ledger fails. A
   * ledger locked by another process past the busy timeout is waited for, with growing pauses.
   */
  async function drive(id: string, signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await driveJob(id, signal)
      } catch (err) {
        if (health.note(err, 'running a job') !== 'busy') {
          if (!health.failed) throw err
          return
        }
      }
      await sleep(busyBackoffMs(attempt), signal)
    }
  }

  async function driveJob(id: string, signal?: AbortSignal): Promise<void> {
    // The row as a finished step left it: read again only when this loop waited for something.
    let known: JobRow | undefined
    let pausedForLedger = false
    for (;;) {
      if (closed || signal?.aborted || health.failed) return
      await waitUnpaused()
      if (closed || signal?.aborted) return
      const row = known ?? ledger.job(id)
      known = undefined
      if (!row) return
      if (Ledger.reportStatus(row.state)) {
        if (lastEmitted.get(id)?.state !== row.state) emitJob(row)
        return
      }
      // Paused on its own: this run lets it be; resumeJob + run continue it.
      if (ledger.isPaused(id)) return
      const stop = destinations.stopped(row.destination_id)
      if (stop && (row.state === 'queued' || row.state === 'processed')) {
        ledger.fail(id, null, stop)
        finishProgress(id)
        continue
      }
      if (row.retry_after && row.retry_after > Date.now()) {
        await sleep(row.retry_after - Date.now(), signal)
        continue
      }
      if (row.state === 'queued' || row.state === 'processed') {
        const processing = row.state === 'queued'
        const release = await (processing ? readSlots : uploadSlots).acquire()
        try {
          const claimed =
            !closed && !paused && !health.failed ? ledger.claimRow(id, owner, leaseMs) : null
          if (claimed) known = await runStep(claimed, processing ? processJob : uploadJob)
        } finally {
          release()
        }
        const handoff = handoffs.get(id)
        if (handoff) known = await uploadHandedOver(id, known, handoff, signal)
      } else if (row.owner === owner && !running.has(id) && !handoffs.has(id)) {
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
        await sleep(500, signal)
      }
    }
  }

  /**
   * A small file that went from processing straight to uploading with an upload slot taken for
   * it (see processSource): upload it now, unless a pause or cancel came in between.
   */
  async function uploadHandedOver(
    id: string,
    row: JobRow | undefined,
    slot: () => void,
    signal: AbortSignal | undefined,
  ): Promise<JobRow | undefined> {
    handoffs.delete(id)
    try {
      if (row?.state !== 'uploading' || row.owner !== owner) return row
      if (closed || paused || signal?.aborted || ledger.isPaused(id)) {
        ledger.release(id, owner) // uploading -> processed: it continues from there later
        return undefined
      }
      return await runStep(row, uploadJob)
    } finally {
      slot()
    }
  }

  /** Runs one step of a claimed job; answers with the job's row after it. */
  async function runStep(
    row: JobRow,
    step: (row: JobRow, signal: AbortSignal) => Promise<void>,
  ): Promise<JobRow | undefined> {
    const id = row.id
    const ctl = new AbortController()
    running.set(id, ctl)
    emitJob(row)
    let after: JobRow | undefined
    try {
      await step(row, ctl.signal)
      health.writable('running a job') // every step ends with a transition it wrote
    } catch (err) {
      handleStepError(row, err, ctl.signal)
    } finally {
      running.delete(id)
      // The row the step's last transition returned, when nothing can have changed it since.
      after = stepRows.get(id) ?? health.read('reading a job', () => ledger.job(id))
      stepRows.delete(id)
      // A small file's bytes wait for its upload step; after any other outcome they are stale.
      const uploadNext =
        after?.state === 'processed' || (after?.state === 'uploading' && after.owner === owner)
      if (!uploadNext) heldBytes.drop(id)
      if (after) emitJob(after)
    }
    return after
  }

  function handleStepError(row: JobRow, err: unknown, signal: AbortSignal): void {
    if (err instanceof LostClaimError) return
    // The ledger failed, not the job: no verdict; drive gives the claim back when it can.
    if (health.note(err, 'running a job')) return
    try {
      recordVerdict(row, err, signal)
    } catch (e) {
      // The verdict could not be recorded: the claim stays ours until drive gives it back.
      if (health.note(e, 'recording a verdict') === null) throw e
    }
  }

  function recordVerdict(row: JobRow, err: unknown, signal: AbortSignal): void {
    if (signal.aborted) {
      const reason: unknown = signal.reason
      if (reason === 'cancel') return // cancel() records the verdict itself
      ledger.release(row.id, owner) // pause or shutdown: continue later from the ledger
      return
    }
    const error = toJobError(err)
    const current = ledger.job(row.id)
    const attempts = current?.attempts ?? 1
    const neverAnswered = error.code === 'NETWORK' && !reachable.has(row.destination_id)
    if (FATAL_FOR_DESTINATION.includes(error.code) || neverAnswered) {
      destinations.stop(row.destination_id, error)
      ledger.fail(row.id, owner, error)
      finishProgress(row.id)
    } else if (
      err instanceof UpshotError &&
      err.retryable &&
      attempts < (error.code === 'NETWORK' ? maxNetworkAttempts : maxJobAttempts)
    ) {
      // Full jitter, capped: many jobs waiting for the same network do not come back in step.
      const cap = error.code === 'NETWORK' ? 30_000 : 60_000
      const delay = Math.min(cap, 1000 * 2 ** attempts) * (0.5 + Math.random() / 2)
      ledger.retryLater(row.id, owner, Date.now() + delay, error)
    } else {
      ledger.fail(row.id, owner, error)
      finishProgress(row.id)
      inBackground(abortRecordedUploads(row))
    }
    if (Ledger.reportStatus(ledger.job(row.id)?.state ?? 'queued')) cleanupStaging(row.id)
  }

  function stagingDirOf(id: string): string {
    return path.join(stagingRoot, id)
  }

  // Work a step does not wait for (staging unlinks off the event loop, aborting a failed job's
  // upload); run() and close() wait for it, so a finished run leaves nothing behind and the
  // ledger is never closed under it.
  const background = new Set<Promise<void>>()
  function inBackground(work: Promise<unknown>): void {
    const p: Promise<void> = work
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => background.delete(p))
    background.add(p)
  }
  function cleanupStaging(id: string): void {
    const dir = stagingDirOf(id)
    // Only images stage files: most small jobs have no folder, and a recursive rm that finds
    // nothing still costs thread-pool round trips per job.
    if (!fs.existsSync(dir)) return
    inBackground(fsp.rm(dir, { recursive: true, force: true }))
  }

  function finishProgress(id: string): void {
    progress.finish(id)
    changedProgress.add(id)
  }

  async function processJob(row: JobRow, signal: AbortSignal): Promise<void> {
    let releaseCpu: (() => void) | null = null
    try {
      await processSource(row, signal, async () => {
        releaseCpu = await processSlots.acquire()
      })
    } finally {
      ;(releaseCpu as (() => void) | null)?.()
    }
  }

  async function processSource(
    row: JobRow,
    signal: AbortSignal,
    beforeImageRead: () => Promise<void>,
  ): Promise<void> {
    const preset = presetOf(row.preset)
    const dest = destinationFor(row.destination_id)
    // Back from waiting for a twin that is still busy: no need to read the whole source again.
    if (row.sha256 && !reuseFromLedger(row, row.sha256) && waitForTwin(row, row.sha256)) return
    const stagingDir = stagingDirOf(row.id)
    const snap = await snapshotSource(row.source, {
      maxFileBytes: options.maxFileBytes ?? 50 * 1024 ** 3,
      signal,
      beforeImageRead,
    })
    const facts = {
      size: snap.size,
      mtimeMs: Math.round(snap.mtimeMs),
      sha256: snap.sha256,
      sourceType: snap.type.format,
    }
    // An image's hash is recorded at once, so a twin sees it before spending a decode and
    // encodes on the same photo; any other file's goes in with its next transition (one commit
    // less per file), and its twins meet in that transaction instead.
    const image = snap.type.kind === 'image'
    if (image) ledger.recordSource(row.id, owner, facts)
    const deferredFacts = image ? undefined : facts

    const fromLedger = reuseFromLedger(row, snap.sha256)
    if (!fromLedger && waitForTwin(row, snap.sha256)) return
    const reused =
      (fromLedger && (await stillInBucket(row, dest, preset, fromLedger, signal))) ||
      (await reuseFromBucket(row, dest, preset, snap.sha256, snap.type, signal))
    if (reused) {
      // Links to objects another ledger uploaded: its deletes must see this use first.
      await markReused(
        ledger,
        dest,
        row.destination_id,
        reused.outputs.map((o) => o.key),
      )
      // The links as the destination gives them now (a public URL changed since the first upload).
      const outputs = reused.outputs.map((o) => ({ ...o, url: dest.urlFor(o.key) }))
      ledger.markDeduplicated(row.id, owner, outputs, reused.etags, deferredFacts)
      finishProgress(row.id)
      cleanupStaging(row.id)
      return
    }

    // Only images stage files (their variants); other files are uploaded from the source.
    if (snap.type.kind === 'image') {
      await fsp.rm(stagingDir, { recursive: true, force: true })
      await fsp.mkdir(stagingDir, { recursive: true })
    }
    const staged = await makeOutputs(snap, {
      displayName: path.basename(row.source),
      preset,
      stagingDir,
      limitInputPixels: options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT,
      signal,
      admit: (bytes, sig) => pixelBudget.acquire(bytes, sig),
    })
    const { stem, ext: srcExt } = splitExt(path.basename(row.source))
    const outputs: NewOutput[] = staged.map((o) => {
      const key = buildKey({
        prefix: prefixOf(dest.config),
        sha256: snap.sha256,
        stem,
        variant: o.variant,
        ext: o.variant === 'original' ? originalExt(o.ext, o.format, srcExt) : o.ext,
        ...tagOf(preset),
      })
      return {
        variant: o.variant,
        format: o.format,
        contentType: o.contentType,
        width: o.width,
        height: o.height,
        bytes: o.bytes,
        stagedPath: o.path,
        key,
        url: dest.urlFor(key),
      }
    })
    // A small file read into memory goes straight on to its upload when a slot is free: one
    // commit (and one claim) less than processed -> claimed again.
    const slot = snap.bytes && !paused && !closed ? uploadSlots.tryAcquire() : null
    // Again now that the variants are made, in one transaction with `processed`: of two twins
    // hashing at the same moment, exactly one goes on to upload.
    let deferred: boolean
    try {
      deferred = ledger.db
        .transaction((): boolean => {
          if (waitForTwin(row, snap.sha256, true)) return true
          stepRows.set(
            row.id,
            ledger.markProcessed(
              row.id,
              owner,
              outputs,
              deferredFacts,
              slot ? { uploadLeaseMs: leaseMs } : {},
            ),
          )
          return false
        })
        .immediate()
    } catch (err) {
      slot?.()
      throw err
    }
    if (deferred) {
      slot?.()
      return
    }
    if (snap.bytes) heldBytes.keep(row.id, snap.bytes, snap.bytesDigest ?? null)
    if (slot) handoffs.set(row.id, slot)
    progress.setTotal(
      row.id,
      outputs.reduce((n, o) => n + o.bytes, 0),
    )
    changedProgress.add(row.id)
  }

  /**
   * A twin is ahead (or, with `orDone`, has finished meanwhile): this job steps back, with no
   * attempt spent, and reuses the twin's objects when it comes back.
   */
  function waitForTwin(row: JobRow, sha256: string, orDone = false): boolean {
    const ahead =
      twinAhead(ledger.db, row, sha256) || (orDone && reuseFromLedger(row, sha256) !== null)
    if (!ahead) return false
    deferToTwin(ledger.db, row.id, owner, Date.now() + 500 + Math.random() * 500)
    cleanupStaging(row.id)
    return true
  }

  /**
   * Same content + preset + destination done before in this ledger (a record not deleted, none
   * of its objects known gone): reuse its objects, once stillInBucket agrees.
   */
  function reuseFromLedger(
    row: JobRow,
    sha256: string,
  ): { outputs: NewOutput[]; etags: (string | null)[] } | null {
    const prev = ledger.findDone(sha256, row.preset_fp, row.destination_id, row.id)
    if (!prev) return null
    const outs = ledger.outputs(prev.id)
    if (outs.length === 0) return null
    const gone = stmt(
      ledger.db,
      `SELECT COUNT(*) AS n FROM objects WHERE destination_id = ? AND key IN (${outs.map(() => '?').join(',')}) AND deleted_at IS NOT NULL`,
    ).get(row.destination_id, ...outs.map((o) => o.key)) as { n: number }
    if (gone.n > 0) return null
    return { outputs: outs.map(reusedOutput), etags: outs.map((o) => o.etag) }
  }

  /**
   * The ledger's word is not enough to hand out a link: another data dir or computer may have
   * deleted the objects. The batch's listing answers when there is one, else a HEAD per object.
   */
  async function stillInBucket(
    row: JobRow,
    dest: Destination,
    preset: Preset,
    reuse: { outputs: NewOutput[]; etags: (string | null)[] },
    signal: AbortSignal,
  ): Promise<{ outputs: NewOutput[]; etags: (string | null)[] } | null> {
    const keys = reuse.outputs.map((o) => o.key)
    const listed = await listedKeys(row, dest, preset)
    const there = await confirmInBucket(ledger, dest, row.destination_id, keys, listed, signal)
    if (there) reachable.add(row.destination_id)
    return there ? reuse : null
  }

  /**
   * The bucket is the shared index across machines: keys are content-addressed, so when the
   * expected objects are already there with this source's hash, another computer (or a lost
   * ledger) uploaded them and they are reused. One HEAD answers the common miss.
   */
  async function reuseFromBucket(
    row: JobRow,
    dest: Destination,
    preset: Preset,
    sha256: string,
    type: SniffResult,
    signal: AbortSignal,
  ): Promise<{ outputs: NewOutput[]; etags: (string | null)[] } | null> {
    const { stem, ext: srcExt } = splitExt(path.basename(row.source))
    const expected =
      type.kind === 'image'
        ? preset.variants.map((v) => ({
            variant: v.name,
            format: v.format as string,
            ext: EXT_OF_FORMAT[v.format],
          }))
        : [
            {
              variant: 'original',
              format: type.format,
              ext: originalExt(type.ext, type.format, srcExt),
            },
          ]
    const keys = expected.map((e) =>
      buildKey({
        prefix: prefixOf(dest.config),
        sha256,
        stem,
        variant: e.variant,
        ext: e.ext,
        ...tagOf(preset),
      }),
    )
    // A key missing from the batch's listing is a miss without asking; a listed one still needs
    // its HEAD for the metadata (hash, preset) that proves it is ours.
    const listed = await listedKeys(row, dest, preset)
    if (listed && keys.some((k) => !listed.has(k))) return null
    const outputs: NewOutput[] = []
    const etags: (string | null)[] = []
    for (let i = 0; i < keys.length; i++) {
      let head: Awaited<ReturnType<Destination['head']>>
      try {
        head = await dest.head(keys[i]!, signal)
      } catch (err) {
        // Write-only credentials may not read: then there is nothing to reuse, and the upload
        // itself says precisely what is wrong if writing is refused too (a HEAD has no body).
        if (err instanceof UpshotError && err.code === 'ACCESS_DENIED') return null
        throw err
      }
      reachable.add(row.destination_id)
      if (!head) return null
      if (
        head.metadata['upshot-sha256'] !== sha256 ||
        head.metadata['upshot-preset'] !== row.preset_fp
      ) {
        // Another writer's object where this job's will go: its links must outlive ours.
        await claimOccupied(
          ledger,
          dest,
          row.destination_id,
          await presentKeys(dest, keys.slice(i), signal),
        )
        return null
      }
      const dim = (k: string): number | null => (head.metadata[k] ? Number(head.metadata[k]) : null)
      outputs.push({
        variant: expected[i]!.variant,
        format: expected[i]!.format,
        contentType: head.contentType ?? 'application/octet-stream',
        width: dim('upshot-width'),
        height: dim('upshot-height'),
        bytes: head.size,
        stagedPath: null,
        key: keys[i]!,
        url: dest.urlFor(keys[i]!),
      })
      etags.push(head.etag)
    }
    return { outputs, etags }
  }

  /**
   * One ListObjectsV2 over the destination's prefix per large batch, shared by its jobs. Read at
   * most N/1000+1 pages (N outputs to check): a longer listing costs more than the HEADs it
   * saves, and then null sends every job back to its HEADs.
   */
  function listedKeys(row: JobRow, dest: Destination, preset: Preset): Promise<Set<string> | null> {
    if (!dest.listKeys) return Promise.resolve(null)
    const now = Date.now()
    for (const [k, v] of listings) if (now - v.at > LISTING_TTL_MS) listings.delete(k)
    const cacheKey = `${row.batch_id}\n${row.destination_id}`
    let entry = listings.get(cacheKey)
    if (!entry) {
      const { n: jobs } = stmt(ledger.db, 'SELECT COUNT(*) AS n FROM jobs WHERE batch_id = ?').get(
        row.batch_id,
      ) as { n: number }
      const list = async (): Promise<Set<string> | null> => {
        const outputs = jobs * Math.max(1, preset.variants.length)
        const prefix = normalizePrefix(dest.config.prefix)
        try {
          const keys = await dest.listKeys!(
            prefix ? `${prefix}/` : '',
            Math.floor(outputs / 1000) + 1,
          )
          reachable.add(row.destination_id)
          return keys
        } catch {
          // Not allowed to list, or the store failed: the HEADs say precisely what is wrong.
          return null
        }
      }
      entry = { at: now, keys: jobs >= LISTING_MIN_JOBS ? list() : Promise.resolve(null) }
      listings.set(cacheKey, entry)
    }
    return entry.keys
  }

  async function uploadJob(row: JobRow, signal: AbortSignal): Promise<void> {
    const dest = destinationFor(row.destination_id)
    const outputs = relinkOutputs(ledger.db, ledger.outputs(row.id), dest)
    const pending = outputs.filter((o) => o.state === 'staged')
    if (pending.some((o) => !o.staged_path || !fs.existsSync(o.staged_path))) {
      // Staged files vanished (temp cleaned, disk swapped): make them again from the source.
      await abortRecordedUploads(row)
      ledger.requeueForProcessing(row.id, owner)
      return
    }
    progress.setTotal(
      row.id,
      outputs.reduce((n, o) => n + o.bytes, 0),
    )
    const uploadedBytes = outputs
      .filter((o) => o.state === 'uploaded')
      .reduce((n, o) => n + o.bytes, 0)
    const { done } = progress.job(row.id)
    progress.add(row.id, uploadedBytes - done)
    if (pending.length === 1) {
      // The usual small file: its one object and the job's verdict in one commit.
      await uploadOutput(row, dest, pending[0]!, signal, true)
    } else {
      await Promise.all(pending.map((o) => uploadOutput(row, dest, o, signal)))
      ledger.complete(row.id, owner)
    }
    finishProgress(row.id)
    cleanupStaging(row.id)
  }

  async function uploadOutput(
    row: JobRow,
    dest: Destination,
    o: OutputRow,
    signal: AbortSignal,
    last = false,
  ): Promise<void> {
    const mp = ledger.multipartFor(o.id)
    const fromSource = o.staged_path === row.source
    const held = fromSource ? heldBytes.get(row.id) : undefined
    const res = await dest.put({
      key: o.key,
      filePath: o.staged_path!,
      ...(held && held.bytes.length === o.bytes
        ? { bytes: held.bytes, ...(held.digest ? { bytesDigest: held.digest } : {}) }
        : {}),
      ...(fromSource && row.sha256 && row.size !== null && row.mtime_ms !== null
        ? { source: { sha256: row.sha256, size: row.size, mtimeMs: row.mtime_ms } }
        : {}),
      size: o.bytes,
      contentType: o.content_type,
      cacheControl: IMMUTABLE_CACHE_CONTROL,
      metadata: {
        'upshot-sha256': row.sha256 ?? '',
        'upshot-preset': row.preset_fp,
        'upshot-variant': o.variant,
        'upshot-source-name': encodeURIComponent(path.basename(row.source)),
        'upshot-ledger': ledgerId,
        ...(o.width !== null ? { 'upshot-width': String(o.width) } : {}),
        ...(o.height !== null ? { 'upshot-height': String(o.height) } : {}),
      },
      signal,
      onProgress: (delta) => {
        progress.add(row.id, delta)
        changedProgress.add(row.id)
      },
      multipart: {
        ...(mp
          ? { resume: { uploadId: mp.uploadId, partSize: mp.partSize, parts: mp.parts } }
          : {}),
        // Through health.call: a ledger failure keeps its code through the storage layer.
        onCreate: (uploadId, partSize) =>
          health.call(() =>
            ledger.recordMultipartCreated(o.id, row.destination_id, o.key, uploadId, partSize),
          ),
        onPart: (part) => health.call(() => ledger.recordPart(o.id, part)),
      },
    })
    reachable.add(row.destination_id)
    const done = ledger.markOutputUploaded(
      row,
      o,
      res.etag,
      res.bytesSent,
      last ? { completeAs: owner } : {},
    )
    if (done) stepRows.set(row.id, done)
  }

  async function abortRecordedUploads(row: JobRow): Promise<void> {
    const ups = ledger.multipartsOfJob(row.id)
    if (ups.length === 0) return
    const dest = destinationFor(row.destination_id)
    for (const u of ups) {
      try {
        await dest.abortMultipart(u.key, u.uploadId)
      } catch {
        // Left for `upshot cleanup` and the bucket's lifecycle rule; the ledger forgets it either way.
      }
      ledger.forgetMultipart(u.outputId)
    }
  }

  /** `destinationOf`, when given, learns each reported job's destination (run()'s links need it). */
  function report(
    jobIds: readonly string[],
    seconds: number,
    destinationOf?: Map<string, string>,
  ): RunReport {
    return reportFromLedger(ledger, jobIds, seconds, {
      ...(destinationOf ? { destinationOf } : {}),
      ledgerFailure: health.failed ? errorOf(health.failed) : null,
    })
  }

  async function run(
    jobIds: readonly string[],
    opts: { signal?: AbortSignal } = {},
  ): Promise<RunReport> {
    const started = Date.now()
    destinations.clearStops()
    await Promise.all(jobIds.map((id) => drive(id, opts.signal)))
    await Promise.all(background)
    flushProgress()
    const seconds = (): number => (Date.now() - started) / 1000
    let r: RunReport
    try {
      r = await reportWithLinks(jobIds, seconds())
    } catch (err) {
      const trouble = ledgerError(err, ledger.db.name)
      if (!trouble) throw err
      health.note(err, 'reading the report')
      // The ledger cannot even be read: the report is what this engine saw of each job.
      r = reportFromSeen(jobIds, lastEmitted, seconds(), errorOf(health.failed ?? trouble))
    }
    if (health.failed) r.ledgerError = errorOf(health.failed)
    return r
  }

  /** The run's report, with a private destination's links presigned afresh. */
  async function reportWithLinks(jobIds: readonly string[], seconds: number): Promise<RunReport> {
    const destinationOf = new Map<string, string>()
    const r = report(jobIds, seconds, destinationOf)
    // Only a private destination's links change (fresh presigned URLs); the rest are as reported.
    const privateDestination = new Map<string, boolean>()
    const isPrivate = (destinationId: string): boolean => {
      let p = privateDestination.get(destinationId)
      if (p === undefined) {
        const cfg = destinationFor(destinationId).config
        privateDestination.set(destinationId, (p = cfg.kind === 's3' && cfg.private === true))
      }
      return p
    }
    const privateDone = r.jobs.filter((j) => {
      const d = destinationOf.get(j.id)
      return j.status === 'done' && d !== undefined && isPrivate(d)
    })
    if (privateDone.length > 0) {
      const links = await freshLinks(privateDone.map((j) => j.id))
      for (const j of privateDone) j.outputs = links.get(j.id) ?? j.outputs
    }
    return r
  }

  async function freshLinks(
    jobIds: readonly string[],
    opts: { configFor?(destinationId: string): DestinationConfig | null } = {},
  ): Promise<Map<string, OutputReport[]>> {
    const result = new Map<string, OutputReport[]>()
    for (const id of jobIds) {
      const row = ledger.job(id)
      if (!row || row.state !== 'done') continue
      const outputs = ledger.outputReports(id)
      const given = opts.configFor?.(row.destination_id) ?? undefined
      const dest = given
        ? destinationFor(row.destination_id, given)
        : destinationFor(row.destination_id)
      if (dest.config.kind === 's3' && dest.config.private) {
        // Signing is local (no request); it fails only without credentials, and then the
        // object URL is the best there is.
        for (const o of outputs) o.url = await dest.linkFor(o.key).catch(() => o.url)
      }
      result.set(id, outputs)
    }
    return result
  }

  async function resumeUnfinished(opts: { signal?: AbortSignal } = {}): Promise<RunReport> {
    ledger.requeueStale(ownerIsDead)
    const ids = ledger.unfinishedJobIds()
    return run(ids, opts)
  }

  async function cancel(jobId: string): Promise<void> {
    const ctl = running.get(jobId)
    ctl?.abort('cancel')
    const row = ledger.job(jobId)
    if (!row) return
    if (ledger.cancel(jobId)) {
      await abortRecordedUploads(row)
      finishProgress(jobId)
      cleanupStaging(jobId)
      emitJobById(jobId)
    }
  }

  return {
    dataDir,
    ledger,
    enqueue,
    preset: presetOf,
    run,
    resumeUnfinished,
    report: (jobIds, seconds) => report(jobIds, seconds),
    freshLinks,
    pause() {
      paused = true
      for (const ctl of running.values()) ctl.abort('pause')
    },
    resume() {
      paused = false
      const w = pauseWaiters
      pauseWaiters = []
      for (const f of w) f()
    },
    get paused() {
      return paused
    },
    pauseJob(jobId) {
      if (!ledger.pauseJob(jobId)) return
      // Its step stops where it is (recorded parts stay) and gives the claim back.
      running.get(jobId)?.abort('pause')
    },
    resumeJob(jobId) {
      ledger.unpauseJob(jobId)
    },
    isJobPaused: (jobId) => ledger.isPaused(jobId),
    cancel,
    on(listener) {
      // A listener that throws (one that writes to a busy ledger) must not break a job's step.
      const safe = (e: EngineEvent): void => {
        try {
          listener(e)
        } catch (err) {
          if (health.note(err, 'handling an event') === null)
            console.error('[upshot] an event listener failed:', err)
        }
      }
      emitter.on('event', safe)
      return () => emitter.off('event', safe)
    },
    async close() {
      if (closed) return
      closed = true
      for (const ctl of running.values()) ctl.abort('shutdown')
      const w = pauseWaiters
      pauseWaiters = []
      for (const f of w) f()
      // Let in-flight steps record their release before the database closes.
      for (let i = 0; i < 50 && running.size > 0; i++) await sleep(20)
      await Promise.all(background)
      leases.stop()
      clearInterval(progressTimer)
      destinations.close()
      heldBytes.clear()
      LIVE_OWNERS.delete(owner)
      try {
        ledger.close()
      } catch {
        // A ledger that failed may refuse its last checkpoint: what was committed is kept.
      }
    },
  }
}

/** Which of these keys hold an object now (a HEAD each; a key that cannot be read counts as not). */
async function presentKeys(
  dest: Destination,
  keys: readonly string[],
  signal: AbortSignal,
): Promise<string[]> {
  const heads = await Promise.all(keys.map((k) => dest.head(k, signal).catch(() => null)))
  return keys.filter((_, i) => heads[i] !== null)
}

function prefixOf(config: DestinationConfig): string {
  return config.prefix
}
