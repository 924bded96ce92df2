// The engine as its callers see it (the CLI, the app's core, sync, the tests): the options it
// is made with, the events it sends, and what it can be asked to do.
import type { JobError, JobState, OutputReport, RunReport } from '../shared/jobs'
import type { Ledger } from './ledger'
import type { LedgerHealthEvent } from './ledger/health'
import type { DestinationConfig, Preset } from './types'
import type { EnqueueOptions } from './enqueue-page'

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
  /** Destinations that get a copy of every object, after the primary (engine/mirrors). */
  mirrors?: readonly { config: DestinationConfig; name?: string }[]
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

/**
 * The engine's one long-lived run (the app's core): jobs are handed to it as they are queued,
 * and it drives a few at a time, pulling the next as one ends (engine/scheduler/run-loop.ts).
 * A job waiting its turn costs its id in an array; pause, cancel and retry stay the engine's.
 */
export interface JobLoop {
  /** Queues jobs to run after those waiting; a paused or ended job is passed over when its turn comes. */
  add(ids: readonly string[]): void
  /** Jobs waiting, running, or waiting for a later time (a retry, another process's claim). */
  readonly size: number
  /** Jobs being driven now: never more than the read and upload slots together. */
  readonly running: number
  /** Resolves when nothing waits or runs (at once if so). */
  whenIdle(): Promise<void>
}

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
  /** The engine's long-lived run, made on first use; it ends when the engine closes. */
  runLoop(): JobLoop
  /** Gives back claims of dead processes and runs every unfinished job. */
  resumeUnfinished(opts?: { signal?: AbortSignal }): Promise<RunReport>
  /**
   * Makes the mirror copies that are due now (retries whose time has come), outside any run: the
   * app calls it while copies wait and no job runs (engine/mirrors/worker.ts).
   */
  copyMirrors(opts?: { signal?: AbortSignal }): Promise<void>
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
