// One line of feedback at a time at the bottom of the window: "Copied", or what went wrong.

import { useSyncExternalStore } from 'react'

export interface Toast {
  id: number
  kind: 'info' | 'error'
  message: string
}

let toasts: Toast[] = []
let nextId = 1
const listeners = new Set<() => void>()

function emit(): void {
  for (const fn of listeners) fn()
}

export function toast(message: string, kind: Toast['kind'] = 'info'): void {
  const id = nextId++
  toasts = [...toasts.slice(-2), { id, kind, message }]
  emit()
  // Errors stay longer: they usually say what to do.
  setTimeout(() => dismiss(id), kind === 'error' ? 9000 : 3500)
}

export function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id)
  emit()
}

export function useToasts(): Toast[] {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    () => toasts,
  )
}
