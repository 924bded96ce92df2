// Thumbnails for the Browse view's rows, made by the core from what is in the bucket (the
// smallest variant of an upload it knows): asked in small batches per destination for the rows
// on screen, and kept for the session.

import { useEffect, useSyncExternalStore } from 'react'
import { upshot } from '../lib/api'

const cache = new Map<string, string | null>()
/** Wanted keys per destination ('' for the built-in folder). */
const wanted = new Map<string, Set<string>>()
const listeners = new Set<() => void>()
let timer: ReturnType<typeof setTimeout> | null = null
let inFlight = false

const cacheKey = (dest: string, key: string): string => `${dest}\n${key}`

function notify(): void {
  for (const fn of listeners) fn()
}

function flush(): void {
  timer = null
  if (inFlight) return
  const entry = [...wanted].find(([, keys]) => keys.size > 0)
  if (!entry) return
  const [dest, set] = entry
  const keys = [...set].filter((k) => !cache.has(cacheKey(dest, k))).slice(0, 24)
  if (keys.length === 0) {
    wanted.delete(dest)
    return schedule()
  }
  inFlight = true
  const settle = (values: Record<string, string | null>): void => {
    for (const k of keys) {
      cache.set(cacheKey(dest, k), values[k] ?? null)
      set.delete(k)
    }
    inFlight = false
    notify()
    if ([...wanted.values()].some((s) => s.size > 0)) schedule()
  }
  upshot.browseThumbnails(dest === '' ? null : dest, keys).then(
    (r) => settle(r.ok ? r.value : {}),
    () => settle({}),
  )
}

function schedule(): void {
  if (!timer) timer = setTimeout(flush, 60)
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

/** A listed object's thumbnail: a data: URL, null when there is none, undefined while loading. */
export function useBucketThumbnail(dest: string | null, key: string): string | null | undefined {
  const d = dest ?? ''
  const url = useSyncExternalStore(subscribe, () => cache.get(cacheKey(d, key)))
  useEffect(() => {
    if (cache.has(cacheKey(d, key))) return
    const set = wanted.get(d) ?? new Set<string>()
    wanted.set(d, set)
    set.add(key)
    schedule()
    return () => {
      // Scrolled away before it was asked for: do not fetch it.
      if (!cache.has(cacheKey(d, key))) set.delete(key)
    }
  }, [d, key])
  return url
}
