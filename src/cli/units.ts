import { UpshotError } from '../shared/jobs'

/** Parses `10M`, `512k`, `1.5GiB`, `2000000` into bytes (binary multiples). */
export function parseSize(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(value)
  if (!m)
    throw new UpshotError(
      'CONFIG',
      `${flag} "${value}" is not a size; use a number of bytes or e.g. 500K, 10M, 2G.`,
    )
  const unit = m[2]!.toLowerCase()
  const mult = unit === '' ? 1 : 1024 ** ' kmgt'.indexOf(unit)
  const n = Math.floor(Number(m[1]) * mult)
  if (!Number.isFinite(n) || n <= 0)
    throw new UpshotError('CONFIG', `${flag} must be more than zero.`)
  return n
}

export function parsePositiveInt(value: string, flag: string, max = 256): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UpshotError(
      'CONFIG',
      `${flag} must be a whole number from 1 to ${max}, not "${value}".`,
    )
  }
  return n
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }

/** Parses `90s`, `30m`, `24h`, `7d` (or `0`) into milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(value)
  const n = m ? Number(m[1]) : NaN
  const unit = m?.[2]?.toLowerCase() ?? ''
  if (!m || !Number.isFinite(n) || (unit === '' && n !== 0)) {
    throw new UpshotError(
      'CONFIG',
      `${flag} "${value}" is not a duration; use e.g. 30m, 24h or 7d (0 for any age).`,
    )
  }
  return Math.round(n * (DURATION_UNITS[unit] ?? 0))
}
