// A job's steps, one at a time, against a real ledger and a real destination (a local folder, or
// the s3rver a test starts): what the engine wires together, built here by hand so a test runs
// exactly one step and looks at what it left in the ledger and the store.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Background } from '../../../src/engine/background'
import { DestinationCache } from '../../../src/engine/destination-cache'
import { EngineEvents } from '../../../src/engine/events'
import { HeldBytes } from '../../../src/engine/held-bytes'
import { Ledger, type JobRow } from '../../../src/engine/ledger'
import { LedgerHealth } from '../../../src/engine/ledger/health'
import { localMetaDirFor } from '../../../src/engine/paths'
import { getPreset } from '../../../src/engine/pipeline'
import { DEFAULT_PIXEL_LIMIT } from '../../../src/engine/pipeline/limits'
import { ledgerIdOf } from '../../../src/engine/references/usage'
import { BatchListings, Staging, enqueue, type EnqueueContext } from '../../../src/engine/steps'
import type { ProcessContext, UploadContext } from '../../../src/engine/steps/context'
import { createDestination } from '../../../src/engine/storage'
import type { DestinationConfig, Preset } from '../../../src/engine/types'

/** One small variant: the tests look at what a step does, not at sharp's speed. */
export const TINY: Preset = {
  name: 'tiny',
  custom: true,
  variants: [{ name: 'thumb', fit: 'inside', width: 64, height: 64, format: 'webp', quality: 70 }],
}

export interface StepWorld {
  root: string
  dataDir: string
  /** The local destination's folder (when the world has one). */
  folder: string
  config: DestinationConfig
  ledger: Ledger
  health: LedgerHealth
  events: EngineEvents
  destinations: DestinationCache
  staging: Staging
  background: Background
  held: HeldBytes
  listings: BatchListings
  /** Records jobs for these paths with step 1 (enqueue); their rows, in order. */
  enqueue(paths: readonly string[], preset?: string): Promise<JobRow[]>
  /** The job claimed as the scheduler would (queued -> processing, processed -> uploading). */
  claim(id: string, owner?: string): JobRow
  processCtx(
    row: JobRow,
    opts?: { uploadSlot?: boolean; limitInputPixels?: number },
  ): ProcessContext
  uploadCtx(row: JobRow): UploadContext
  /** Files under the destination folder (relative paths), sidecars excluded. */
  stored(): string[]
  close(): Promise<void>
}

export const OWNER = 'test-host/1/steps'

/**
 * `config` defaults to a local folder in the world's temp dir; `dataDir` shares one (a second
 * ledger on the same data dir's sidecars: a ledger lost, its objects' metadata kept).
 */
export function stepWorld(opts: { config?: DestinationConfig; dataDir?: string } = {}): StepWorld {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-steps-'))
  const dataDir = opts.dataDir ?? path.join(root, 'data')
  const folder = path.join(root, 'store')
  fs.mkdirSync(dataDir, { recursive: true })
  fs.mkdirSync(folder, { recursive: true })
  const config: DestinationConfig = opts.config ?? { kind: 'local', dir: folder, prefix: 'p' }
  const ledger = Ledger.open(path.join(root, 'ledger'))
  const health = new LedgerHealth(ledger.db.name, () => {})
  const events = new EngineEvents((err) => {
    throw err
  })
  const destinations = new DestinationCache({
    make: (c) => createDestination(c, { metaDir: localMetaDirFor(dataDir) }),
    fromLedger: (id) => ledger.destinationConfig(id),
  })
  const background = new Background()
  const staging = new Staging(path.join(root, 'staging'), background)
  const held = new HeldBytes(64 * 1024 * 1024)
  const listings = new BatchListings(ledger)
  const presetOf = (name: string): Preset => getPreset(name, [TINY])
  const enqueueCtx: EnqueueContext = { ledger, health, destinations, events, presetOf }

  function base(row: JobRow) {
    return {
      row,
      owner: row.owner ?? OWNER,
      signal: new AbortController().signal,
      ledger,
      dest: destinations.get(row.destination_id),
      progress: events.progressOf(row.id),
      staging,
      reached: () => destinations.noteAnswered(row.destination_id),
    }
  }

  return {
    root,
    dataDir,
    folder,
    config,
    ledger,
    health,
    events,
    destinations,
    staging,
    background,
    held,
    listings,
    async enqueue(paths, preset = 'tiny') {
      const ids = await enqueue(enqueueCtx, paths, { destination: config, preset })
      return ids.map((id) => ledger.job(id)!)
    },
    claim(id, owner = OWNER) {
      const row = ledger.claimRow(id, owner, 60_000)
      if (!row) throw new Error(`job ${id} could not be claimed`)
      return row
    },
    processCtx(row, o = {}) {
      return {
        ...base(row),
        preset: presetOf(row.preset),
        leaseMs: 60_000,
        held,
        listings,
        limits: {
          maxFileBytes: 1024 ** 3,
          limitInputPixels: o.limitInputPixels ?? DEFAULT_PIXEL_LIMIT,
        },
        admit: async () => () => {},
        processSlot: async () => {},
        uploadSlotNow: () => o.uploadSlot ?? false,
      }
    },
    uploadCtx(row) {
      return {
        ...base(row),
        held,
        ledgerId: ledgerIdOf(ledger),
        record: (write) => health.call(write),
      }
    },
    stored() {
      if (config.kind !== 'local') return []
      return (fs.readdirSync(folder, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(folder, f)).isFile())
        .sort()
    },
    async close() {
      await background.settled()
      events.close()
      destinations.close()
      ledger.close()
      fs.rmSync(root, { recursive: true, force: true })
    },
  }
}
