// What a step is given: everything it reads or changes is named here, so a step can be run and
// tested alone, with a real ledger and a real destination, and no step reaches into another's
// state.
import type { JobProgress } from '../events'
import type { HeldBytes } from '../held-bytes'
import type { JobRow, Ledger } from '../ledger'
import type { Destination, Preset } from '../types'
import type { BatchListings } from './dedup/listing'
import type { Staging } from './staging'

/** What every step of a claimed job is given. */
export interface JobContext {
  /** The job's row as its claim left it. */
  readonly row: JobRow
  /** The claim's holder: every transition checks it. */
  readonly owner: string
  /** Aborted by cancel, pause, shutdown, a lost lease or a failed ledger. */
  readonly signal: AbortSignal
  readonly ledger: Ledger
  /** The destination as configured when the step started; the step keeps it to its end. */
  readonly dest: Destination
  readonly progress: JobProgress
  readonly staging: Staging
  /** The destination answered a request (a network error then means the network went away). */
  reached(): void
}

/** The claim queued -> processing: read and hash, dedup, process. */
export interface ProcessContext extends JobContext {
  readonly preset: Preset
  /** How long the claim of an upload started in the same commit lasts. */
  readonly leaseMs: number
  /** Small files' bytes, from their read to their upload. */
  readonly held: HeldBytes
  /** The bucket's listing, one per large batch (dedup). */
  readonly listings: BatchListings
  readonly limits: { maxFileBytes: number; limitInputPixels: number }
  /** Admits an image by its estimated memory (queue/pixel-budget.ts). */
  admit(bytes: number, signal?: AbortSignal): Promise<() => void>
  /** Waits for a processing slot before an image's bytes are read (scheduler). */
  processSlot(): Promise<void>
  /** An upload slot now, if free: the job may then go straight on to `uploading` (scheduler). */
  uploadSlotNow(): boolean
}

/** The claim processed -> uploading: each output, then done. */
export interface UploadContext extends JobContext {
  /** Small files' bytes, as they were hashed. */
  readonly held: HeldBytes
  /** Written on every object uploaded: which ledger wrote its bytes (engine/references). */
  readonly ledgerId: string
  /** A ledger write from inside the storage layer: its failure keeps its ledger code. */
  record<T>(write: () => T): T
}
