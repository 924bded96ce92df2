// The core process's state as the host reports it: while it restarts (or cannot start) the
// window says so in a banner; when it runs again, what the window shows is fetched afresh.

import { useSyncExternalStore } from 'react'
import type { CoreStatus } from '../../../shared/api'

let current: CoreStatus | null = null
const listeners = new Set<() => void>()

/** Records the new state; true when the core came back after stopping unexpectedly. */
export function setCoreStatus(status: CoreStatus): boolean {
  const back = status.state === 'running' && status.restarts > 0 && current?.state !== 'running'
  current = status
  for (const fn of listeners) fn()
  return back
}

export function useCoreStatus(): CoreStatus | null {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    () => current,
  )
}
