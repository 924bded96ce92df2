// Medians with their spread, and the ratio of two medians, as the report prints them.

export function median(values) {
  const v = [...values].sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = Math.floor(v.length / 2)
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** { median, min, max, n, values } of the finite values. */
export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x))
  return {
    median: median(v),
    min: v.length ? Math.min(...v) : NaN,
    max: v.length ? Math.max(...v) : NaN,
    n: v.length,
    values: v,
  }
}

export function fmtSeconds(s) {
  if (!Number.isFinite(s)) return 'n/a'
  if (s < 0.01) return `${(s * 1000).toFixed(2)} ms`
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`
  return `${s.toFixed(2)} s`
}

/** "1.23 s (1.20-1.31)" */
export function fmtSummary(sum, fmt = fmtSeconds) {
  if (!sum || sum.n === 0) return 'n/a'
  if (sum.n === 1) return `${fmt(sum.median)} (1 run)`
  return `${fmt(sum.median)} (${fmt(sum.min)}-${fmt(sum.max)}, ${sum.n} runs)`
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return 'n/a'
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`
}

export function fmtMB(n) {
  return Number.isFinite(n) ? `${(n / 1e6).toFixed(0)} MB` : 'n/a'
}

export function fmtRatio(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a'
}
