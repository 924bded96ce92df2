// The mirrors a saved destination names in the app's settings: other saved destinations that get
// a copy of every object uploaded to it (docs/ARCHITECTURE.md, "Mirrors"). They are kept by
// settings id, so renaming a mirror changes nothing; these are the rules a list must keep, the
// same in meaning as `upshot dest add --mirror` (another saved destination, never itself), plus
// no cycles: a mirror that names its primary back would make "which copy is the fallback" a
// circle the user cannot read.

import type { DestinationSettings } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { sameKeySpace } from '../engine/mirrors'
import type { DestinationConfig } from '../engine/types'

/** At most this many mirrors per destination: each is one more copy of every object. */
export const MAX_MIRRORS = 8

type Named = Pick<DestinationSettings, 'id' | 'name' | 'mirrors'>

/**
 * The mirror list `id` may be saved with, deduplicated in the user's order; throws a CONFIG
 * error naming the first problem. `storeOf` tells two saved destinations in the same bucket (or
 * folder), whatever their prefixes, apart from two different ones (engine/mirrors `keySpaceOf`):
 * a mirror gets its primary's keys, prefix included, so a copy there is onto itself.
 */
export function checkMirrors(
  all: readonly Named[],
  id: string,
  name: string,
  wanted: readonly string[],
  storeOf: (id: string) => string | null,
): string[] {
  const mirrors = [...new Set(wanted)]
  if (mirrors.length > MAX_MIRRORS) {
    throw new UpshotError('CONFIG', `A destination can have at most ${MAX_MIRRORS} mirrors.`)
  }
  const byId = new Map(all.map((d) => [d.id, d]))
  const store = storeOf(id)
  for (const m of mirrors) {
    if (m === id) {
      throw new UpshotError('CONFIG', `"${name}" cannot mirror itself; pick another destination.`)
    }
    const mirror = byId.get(m)
    if (!mirror) {
      throw new UpshotError(
        'CONFIG',
        `A mirror of "${name}" is not a saved destination any more; pick its mirrors again.`,
      )
    }
    if (store !== null && storeOf(m) === store) throw sameKeySpace(mirror.name, `"${name}"`)
    const path = pathBack(byId, m, id)
    if (path) {
      const names = [name, ...path.map((p) => byId.get(p)?.name ?? p)].map((n) => `"${n}"`)
      throw new UpshotError(
        'CONFIG',
        `"${mirror.name}" cannot be a mirror of "${name}": it mirrors it already (${names.join(' → ')}).`,
      )
    }
  }
  return mirrors
}

/** The chain of mirrors from `from` that leads back to `to`, or null (depth-first). */
function pathBack(byId: ReadonlyMap<string, Named>, from: string, to: string): string[] | null {
  const seen = new Set<string>()
  const walk = (at: string): string[] | null => {
    if (at === to) return [at]
    if (seen.has(at)) return null
    seen.add(at)
    for (const next of byId.get(at)?.mirrors ?? []) {
      const rest = walk(next)
      if (rest) return [at, ...rest]
    }
    return null
  }
  return walk(from)
}

/**
 * Refuses to remove a destination another one names as its mirror: its copies would stop
 * silently. The error names the destinations to change first.
 */
export function assertNotAMirror(all: readonly Named[], id: string): void {
  const target = all.find((d) => d.id === id)
  const users = all.filter((d) => d.id !== id && d.mirrors.includes(id))
  if (!target || users.length === 0) return
  const names = users.map((u) => `"${u.name}"`).join(', ')
  throw new UpshotError(
    'CONFIG',
    `"${target.name}" is a mirror of ${names}; remove it from their mirrors first.`,
  )
}

/**
 * A document edited by hand (or written before a mirror was removed) loses the mirrors that are
 * not saved destinations, and a destination's own id; cycles are left to the next save to refuse.
 */
export function dropUnknownMirrors<T extends Named>(all: readonly T[]): T[] {
  const ids = new Set(all.map((d) => d.id))
  return all.map((d) => {
    const mirrors = [...new Set(d.mirrors)].filter((m) => m !== d.id && ids.has(m))
    return mirrors.length === d.mirrors.length ? d : { ...d, mirrors }
  })
}

/** The engine target's `mirrors` for resolved mirror destinations (spread into a Target). */
export function mirrorsTarget(resolved: readonly { config: DestinationConfig; name: string }[]): {
  mirrors?: { config: DestinationConfig; name: string }[]
} {
  return resolved.length > 0
    ? { mirrors: resolved.map((m) => ({ config: m.config, name: m.name })) }
    : {}
}
