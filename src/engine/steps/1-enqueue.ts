// 1. enqueue: one `queued` row per input before anything else happens; inputs that cannot be
// read (missing, dangling link) become `failed` rows at once, so every input is in the report.
import { randomUUID } from 'node:crypto'
import type { JobError } from '../../shared/jobs'
import type { Target } from '../api'
import type { DestinationCache } from '../destination-cache'
import type { EngineEvents } from '../events'
import { expandInputs } from '../inputs'
import type { Ledger, NewJob } from '../ledger'
import type { LedgerHealth } from '../ledger/health'
import { presetFingerprint } from '../pipeline'
import { createDestination } from '../storage'
import { warmHashWorker } from '../storage/hash-worker'
import type { Preset } from '../types'

export interface EnqueueContext {
  ledger: Ledger
  /** Recording waits out another process's write lock (the app and a CLI on one data dir). */
  health: LedgerHealth
  /** Keeps the config given here, secrets included, for this process only. */
  destinations: DestinationCache
  events: EngineEvents
  presetOf(name: string): Preset
}

/** Records one job per file found under `paths`; answers their ids, in order. */
export async function enqueue(
  ctx: EnqueueContext,
  paths: readonly string[],
  target: Target,
): Promise<string[]> {
  const { ledger, health } = ctx
  warmHashWorker() // boots while the inputs are listed and recorded
  const preset = ctx.presetOf(target.preset)
  const dest = createDestination(target.destination, {})
  const destinationId = dest.id
  dest.close()
  await health.retry('recording the destination', () =>
    ledger.upsertDestination(destinationId, target.destination, target.destinationName ?? null),
  )
  // Secrets never reach the ledger; the live config (with them) is kept for this process only.
  ctx.destinations.remember(destinationId, target.destination)
  const entries = await expandInputs(paths)
  const base = {
    batchId: randomUUID(),
    destinationId,
    preset: preset.name,
    presetFp: presetFingerprint(preset),
  }
  const ids: string[] = []
  const good: NewJob[] = []
  const failed: { job: NewJob; error: JobError }[] = []
  for (const e of entries) {
    const id = randomUUID()
    ids.push(id)
    if (e.error) failed.push({ job: { id, source: e.source, ...base }, error: e.error })
    else good.push({ id, source: e.source, ...base })
  }
  await health.retry('recording the files', () =>
    ledger.db
      .transaction(() => {
        for (const f of failed) ledger.enqueueFailed(f.job, f.error)
        ledger.enqueue(good)
      })
      .immediate(),
  )
  for (const id of ids) {
    const row = ledger.job(id)
    if (row) ctx.events.job(row)
  }
  return ids
}
