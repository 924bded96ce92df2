// Reference markers: how one ledger tells every other that it hands out links to objects it did
// not upload. An empty object per content dir and ledger:
//
//   {prefix}/.upshot/refs/{hash16}/{ledger id}
//
// Markers exist only where a ledger deduplicated from the bucket, so the whole refs/ folder is
// small and one listing answers for every object a delete considers.

import { normalizePrefix } from '../keys'
import type { Destination, DestinationConfig } from '../types'

const REFS = '.upshot/refs'

/** The content dir of a key: `{prefix}/{hash16}/{file}` -> `{prefix}/{hash16}`. */
export function contentDirOf(key: string): string {
  const slash = key.lastIndexOf('/')
  return slash < 0 ? '' : key.slice(0, slash)
}

function prefixOf(config: DestinationConfig): string {
  const p = normalizePrefix(config.prefix)
  return p ? `${p}/` : ''
}

/** Where every marker of a destination lives. */
export function refsPrefix(config: DestinationConfig): string {
  return `${prefixOf(config)}${REFS}/`
}

/** The part of a content dir below the destination's prefix (the hash folder). */
function dirBelowPrefix(config: DestinationConfig, dir: string): string {
  const p = prefixOf(config)
  return p && dir.startsWith(p) ? dir.slice(p.length) : dir
}

export function markerKey(config: DestinationConfig, dir: string, ledgerId: string): string {
  return `${refsPrefix(config)}${dirBelowPrefix(config, dir)}/${ledgerId}`
}

/**
 * Content dir -> ids of the ledgers with a marker in it, from one listing of refs/. A key that
 * is not a marker's shape is ignored.
 */
export async function listMarkers(
  dest: Destination,
  signal?: AbortSignal,
): Promise<Map<string, Set<string>>> {
  const base = refsPrefix(dest.config)
  const byDir = new Map<string, Set<string>>()
  for (const key of await dest.listAll(base, signal)) {
    if (!key.startsWith(base)) continue
    const rest = key.slice(base.length)
    const slash = rest.lastIndexOf('/')
    if (slash <= 0) continue
    const dir = `${prefixOf(dest.config)}${rest.slice(0, slash)}`
    const ledgers = byDir.get(dir) ?? new Set<string>()
    ledgers.add(rest.slice(slash + 1))
    byDir.set(dir, ledgers)
  }
  return byDir
}
