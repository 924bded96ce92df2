// What the scheduler runs: a job type declares what each claim does, and what an ended job leaves
// behind. The scheduler runs any job type the same way (engine/steps is the one there is).
import type { JobRow } from '../ledger'

/** One claim of a job, as the scheduler hands it to a step. */
export interface Claim {
  /** The job's row as the claim left it (`processing` or `uploading`, owned by `owner`). */
  readonly row: JobRow
  readonly owner: string
  /** Aborted by cancel ('cancel'), pause ('pause'), close ('shutdown'), a lost lease or ledger. */
  readonly signal: AbortSignal
  /** Waits for a processing slot (decoding and encoding take a core); held until the step ends. */
  processSlot(): Promise<void>
  /**
   * Takes an upload slot if one is free now and nothing holds the queue. The step may then
   * commit its job straight into `uploading` (still its owner), and the scheduler uploads it next
   * with that slot; in any other case the slot is given back when the step ends.
   */
  uploadSlotNow(): boolean
}

/** How a step left its job. */
export interface StepEnd {
  /** The row its last transition returned (saves reading it back); else the ledger is asked. */
  row?: JobRow
}

export interface JobType {
  /** The claim queued -> processing: everything up to `processed` (or an earlier end). */
  process(claim: Claim): Promise<StepEnd>
  /** The claim processed -> uploading: everything up to `done`. */
  upload(claim: Claim): Promise<StepEnd>
  /** A claim's step ended, however it ended; `after` is the job's row now (undefined: unreadable). */
  settled(claim: Claim, after: JobRow | undefined): void
  /** The job failed for good or was canceled: abort what it still has in flight. */
  abandon(row: JobRow): Promise<void>
  /** The job reached an end: its working files go. */
  cleanup(id: string): void
}
