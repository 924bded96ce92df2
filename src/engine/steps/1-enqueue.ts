// 1. enqueue: one `queued` row per input before anything else happens; inputs that cannot be
// read (missing, dangling link) become `failed` rows at once, so every input is in the report.
// A drop is recorded page by page as it is listed (listInputs), so its first files are queued,
// shown and running while the rest of a large folder is still being listed.
import { randomUUID } from 'node:crypto'
import type { Target } from '../api'
import type { DestinationCache } from '../destination-cache'
import { jobsOfPage, type EnqueueOptions } from '../enqueue-page'
import type { EngineEvents } from '../events'
import { listInputs } from '../inputs'
import type { Ledger } from '../ledger'
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

/** Records one job per file found under `paths`, page by page; answers their ids, in order. */
export async function enqueue(
  ctx: EnqueueContext,
  paths: readonly string[],
  target: Target,
  opts: EnqueueOptions = {},
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
    for (const row of rows) ctx.events.job(row)
    all.push(...ids)
    opts.onPage?.({ ids, rows, listMs, recordMs: performance.now() - listedAt - listMs })
    listedAt = performance.now()
  }
  return all
}
