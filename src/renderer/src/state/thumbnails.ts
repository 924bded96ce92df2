// Previews for queue and result rows, asked of the main process in small batches for the rows
// on screen. The latest few hundred are kept: a window scrolled through 100,000 rows holds what
// it shows, not a preview of every row it passed.

import { useEffect, useSyncExternalStore } from 'react'
import { upshot } from '../lib/api'

const cache = new Map<string, string | null>()
/** Previews kept; the oldest asked go first (rows on screen were asked last). */
const KEEP = 600
const wanted = new Set<string>()
const listeners = new Set<() => void>()
let timer: ReturnType<typeof setTimeout> | null = null
let inFlight = false

function notify(): void {
  for (const fn of listeners) fn()
}

function flush(): void {
  timer = null
  if (inFlight) return
  const keys = [...wanted].filter((key) => !cache.has(key)).slice(0, 50)
  if (keys.length === 0) return
  inFlight = true
  const ids = [...new Set(keys.map((key) => key.slice(0, key.lastIndexOf(':'))))]
  const settle = (values: Record<string, string | null>): void => {
    for (const key of keys) {
      cache.set(key, values[key.slice(0, key.lastIndexOf(':'))] ?? null)
      wanted.delete(key)
    }
    for (const key of cache.keys()) {
      if (cache.size <= KEEP) break
      cache.delete(key)
    }
    inFlight = false
    notify()
    if (wanted.size > 0) schedule()
  }
  upshot.getThumbnails(ids).then(
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

/**
 * The preview of a job: a data: URL, null when there is none, undefined while loading. Cached by
 * id and whether the job is done (a failed file may be replaced before it is retried).
 */
export function useThumbnail(id: string, done: boolean): string | null | undefined {
  const key = `${id}:${done ? 'done' : 'pending'}`
  const url = useSyncExternalStore(subscribe, () => cache.get(key))
  useEffect(() => {
    if (cache.has(key)) return
    wanted.add(key)
    schedule()
    return () => {
      // Scrolled away before it was asked for: do not fetch it.
      if (!cache.has(key)) wanted.delete(key)
    }
  }, [key])
  return url
}
