// A job's life, step by step (the files are numbered in the order a job lives it):
//
//   1-enqueue   a `queued` row per input
//   2-read      the source read once and hashed              } the claim queued -> processing
//   3-dedup     reused from the ledger, a twin or the bucket  }
//   4-process   variants or pass-through, then `processed`   }
//   5-upload    each output, multipart or not                } the claim processed -> uploading
//   6-done      `done`: progress complete, staging removed   }
//
// The scheduler (engine/scheduler) claims a job and runs the claim's steps below; what a step
// needs comes in its context, and each answers where it leaves the job.
import type { DestinationCache } from '../destination-cache'
import type { EngineEvents } from '../events'
import type { HeldBytes } from '../held-bytes'
import type { Ledger } from '../ledger'
import type { LedgerHealth } from '../ledger/health'
import type { Claim, JobType } from '../scheduler'
import type { Preset } from '../types'
import { readSource } from './2-read'
import { dedup, stillBehindTwin } from './3-dedup'
import { processSource } from './4-process'
import { abortRecordedUploads, upload } from './5-upload'
import type { ProcessContext, UploadContext } from './context'
import type { BatchListings } from './dedup/listing'
import type { Staging } from './staging'

export { enqueue, type EnqueueContext } from './1-enqueue'
export { IMMUTABLE_CACHE_CONTROL } from './5-upload'
export { BatchListings } from './dedup/listing'
export { Staging } from './staging'

/** What the steps share for the engine's life. */
export interface StepDeps {
  ledger: Ledger
  /** Which ledger wrote an object's bytes (engine/references). */
  ledgerId: string
  leaseMs: number
  health: LedgerHealth
  events: EngineEvents
  destinations: DestinationCache
  staging: Staging
  held: HeldBytes
  listings: BatchListings
  limits: ProcessContext['limits']
  admit: ProcessContext['admit']
  presetOf(name: string): Preset
}

/** Uploads of files to a destination with a preset: the job type the engine runs. */
export function uploadJobs(deps: StepDeps): JobType {
  const { ledger, destinations, held, staging } = deps
  const base = (claim: Claim) => ({
    row: claim.row,
    owner: claim.owner,
    signal: claim.signal,
    ledger,
    progress: deps.events.progressOf(claim.row.id),
    staging,
    reached: () => destinations.noteAnswered(claim.row.destination_id),
  })
  return {
    async process(claim) {
      const ctx: ProcessContext = {
        ...base(claim),
        // Asked as the step starts: a changed preset or destination config applies from here.
        preset: deps.presetOf(claim.row.preset),
        dest: destinations.get(claim.row.destination_id),
        leaseMs: deps.leaseMs,
        held,
        listings: deps.listings,
        limits: deps.limits,
        admit: deps.admit,
        processSlot: () => claim.processSlot(),
        uploadSlotNow: () => claim.uploadSlotNow(),
      }
      const waiting = stillBehindTwin(ctx)
      if (waiting) return waiting
      const source = await readSource(ctx)
      return (await dedup(ctx, source)) ?? (await processSource(ctx, source))
    },

    upload(claim) {
      const ctx: UploadContext = {
        ...base(claim),
        dest: destinations.get(claim.row.destination_id),
        held,
        ledgerId: deps.ledgerId,
        record: (write) => deps.health.call(write),
      }
      return upload(ctx)
    },

    settled(claim, after) {
      // A small file's bytes wait for its upload step; after any other outcome they are stale.
      const uploadsNext =
        after?.state === 'processed' ||
        (after?.state === 'uploading' && after.owner === claim.owner)
      if (!uploadsNext) held.drop(claim.row.id)
    },

    abandon: (row) =>
      abortRecordedUploads(ledger, row.id, () => destinations.get(row.destination_id)),

    cleanup: (id) => staging.clean(id),
  }
}
