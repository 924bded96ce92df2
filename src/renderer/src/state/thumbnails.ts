// Previews for queue and result rows, asked of the main process in small batches for the rows
// on screen, and kept for the session.

import { useEffect, useSyncExternalStore } from 'react'
import { upshot } from '../lib/api'

const cache = new Map<string, string | null>()
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
  const ids = [...wanted].filter((id) => !cache.has(id)).slice(0, 50)
  if (ids.length === 0) return
  inFlight = true
  const settle = (values: Record<string, string | null>): void => {
    for (const id of ids) {
      cache.set(id, values[id] ?? null)
      wanted.delete(id)
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

/** The preview of a job: a data: URL, null when there is none, undefined while loading. */
export function useThumbnail(id: string): string | null | undefined {
  const url = useSyncExternalStore(subscribe, () => cache.get(id))
  useEffect(() => {
    if (cache.has(id)) return
    wanted.add(id)
    schedule()
    return () => {
      // Scrolled away before it was asked for: do not fetch it.
      if (!cache.has(id)) wanted.delete(id)
    }
  }, [id])
  return url
}
