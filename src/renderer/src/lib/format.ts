import { t } from '../i18n'

export function formatBytes(n: number): string {
  const units = t.units.bytes
  let v = Math.max(0, n)
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  const digits = i === 0 || v >= 100 ? 0 : 1
  return `${v.toFixed(digits)} ${units[i]}`
}

export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds))
  if (s < 60) return t.units.seconds(s)
  if (s < 3600) return t.units.minutes(Math.floor(s / 60), s % 60)
  return t.units.hours(Math.floor(s / 3600), Math.floor((s % 3600) / 60))
}

export function formatDate(ms: number | null): string {
  if (ms === null) return '—'
  return new Date(ms).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.max(0, (done / total) * 100)) : 0
}

export const MOD_KEY = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl'
