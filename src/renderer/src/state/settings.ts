import { useSyncExternalStore } from 'react'
import type { SettingsView } from '../../../shared/api'

let current: SettingsView | null = null
const listeners = new Set<() => void>()

export function setSettings(view: SettingsView): void {
  current = view
  applyTheme(view.preferences.theme)
  for (const fn of listeners) fn()
}

export function useSettings(): SettingsView | null {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    () => current,
  )
}

function applyTheme(theme: SettingsView['preferences']['theme']): void {
  document.documentElement.dataset.theme = theme
}
