// Folder sync: keeps a folder and a bucket prefix in step. The CLI (`upshot sync`) and the app
// use the same pieces: resolvePair to find or save a pair, runPass for one pass (or a dry run),
// watchPair to keep going, SyncStore for the saved pairs and their state.

import path from 'node:path'
import { UpshotError } from '../../shared/jobs'
import type { Engine, Target } from '..'
import { DEFAULT_PRESET } from '../presets'
import { localDestinationId, s3DestinationId } from '../storage'
import type { DestinationConfig } from '../types'
import { PathFilter } from './filters'
import type { PairSpec } from './reconcile'
import { SyncStore } from './store'

export { PathFilter, globToRegExp, isIgnoredName, type SyncFilters } from './filters'
export { scanTree, comparePaths, type ScanEntry } from './scan'
export { planSync, type SyncPlan } from './plan'
export {
  runPass,
  type PairSpec,
  type PassContext,
  type PassOptions,
  type PassResult,
  type SyncPlanReport,
} from './reconcile'
export { watchPair, type WatchOptions, type WatchState } from './watch'
export { SyncStore, type FileRecord, type SyncPair, type SyncPassSummary } from './store'

/** The identity the engine gives a destination (store + bucket + prefix). */
export function destinationIdOf(config: DestinationConfig): string {
  return config.kind === 's3' ? s3DestinationId(config) : localDestinationId(config)
}

export interface PairRequest {
  /** The folder as the user named it; made absolute. */
  folder: string
  /** Required the first time; afterwards the saved one is used. */
  destination?: { config: DestinationConfig; name?: string }
  preset?: string
  /** Replace the saved globs when given. */
  include?: readonly string[]
  exclude?: readonly string[]
  /** Create or update the saved pair; false for a preview that leaves the ledger as it is. */
  save: boolean
}

/**
 * Finds the pair of a folder (and destination, when given), applies the options given, and
 * returns it with the engine target of its uploads. A folder synced to several destinations
 * needs --to to say which.
 */
export function resolvePair(
  engine: Engine,
  store: SyncStore,
  req: PairRequest,
): { pair: PairSpec; target: Target } {
  const folder = path.resolve(req.folder)
  const existing = store.pairsOfFolder(folder)
  let config: DestinationConfig
  let name: string | undefined
  let destinationId: string
  if (req.destination) {
    config = req.destination.config
    name = req.destination.name
    destinationId = destinationIdOf(config)
  } else {
    if (existing.length === 0)
      throw new UpshotError(
        'CONFIG',
        `${folder} is not synced yet; give its destination with --to the first time.`,
      )
    if (existing.length > 1)
      throw new UpshotError(
        'CONFIG',
        `${folder} is synced to ${existing.length} destinations (${existing.map((p) => p.destinationName ?? p.destinationId).join(', ')}); choose one with --to.`,
      )
    const saved = existing[0]!
    destinationId = saved.destinationId
    name = saved.destinationName ?? undefined
    const row = engine.ledger.db
      .prepare('SELECT config FROM destinations WHERE id = ?')
      .get(destinationId) as { config: string } | undefined
    if (!row)
      throw new UpshotError('CONFIG', `The destination of ${folder} is no longer known; give --to.`)
    // A name saved with `upshot dest` resolves from its saved settings (privacy, links...).
    config =
      (name ? engine.ledger.destinationByName(name)?.config : undefined) ??
      (JSON.parse(row.config) as DestinationConfig)
  }
  const before = existing.find((p) => p.destinationId === destinationId)
  const preset = engine.preset(req.preset ?? before?.preset ?? DEFAULT_PRESET).name
  const filters = {
    include: [...(req.include ?? before?.filters.include ?? [])],
    exclude: [...(req.exclude ?? before?.filters.exclude ?? [])],
  }
  new PathFilter(filters) // a bad glob fails here, before anything is saved

  let pair: PairSpec
  if (req.save) {
    engine.ledger.upsertDestination(destinationId, config, name ?? null)
    pair = store.savePair({ folder, destinationId, preset, filters })
  } else {
    pair = { id: before?.id ?? null, folder, destinationId, preset, filters }
  }
  return {
    pair,
    target: { destination: config, ...(name ? { destinationName: name } : {}), preset },
  }
}
