// A small SVG line chart for the reports (no dependency): series of points with markers, axes
// with round ticks, a legend. Readable on GitHub's light and dark themes (white background).

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
]

const esc = (s) =>
  String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

/** Round tick values covering [lo, hi]. */
export function ticks(lo, hi, count = 6) {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw
  const out = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(+v.toFixed(10))
  return out
}

const fmt = (v) =>
  Math.abs(v) >= 100
    ? v.toFixed(0)
    : Math.abs(v) >= 1
      ? String(+v.toFixed(2))
      : String(+v.toPrecision(2))

/**
 * series: [{ name, points: [[x, y, label?]], color?, dashed?, marker?: 'circle' | 'square' |
 * 'diamond', line?: boolean }]. Points labelled with a third element get a small text.
 */
export function lineChart({
  title,
  subtitle,
  xLabel,
  yLabel,
  series,
  width = 720,
  height = 440,
  lowerIsBetter,
}) {
  const m = { left: 64, right: Math.max(200, width - 560), top: subtitle ? 56 : 40, bottom: 52 }
  const pts = series
    .flatMap((s) => s.points)
    .filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))]
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))]
  const padX = (x1 - x0) * 0.05 || 1
  const padY = (y1 - y0) * 0.08 || 1
  x0 -= padX
  x1 += padX
  y0 = Math.max(0, y0 - padY)
  y1 += padY
  const W = width - m.left - m.right
  const H = height - m.top - m.bottom
  const sx = (x) => m.left + ((x - x0) / (x1 - x0)) * W
  const sy = (y) => m.top + H - ((y - y0) / (y1 - y0)) * H
  const o = []
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${m.left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  )
  if (subtitle) o.push(`<text x="${m.left}" y="40" fill="#555">${esc(subtitle)}</text>`)
  for (const t of ticks(x0, x1)) {
    o.push(
      `<line x1="${sx(t)}" x2="${sx(t)}" y1="${m.top}" y2="${m.top + H}" stroke="#e5e5e5"/>`,
      `<text x="${sx(t)}" y="${m.top + H + 16}" text-anchor="middle" fill="#333">${fmt(t)}</text>`,
    )
  }
  for (const t of ticks(y0, y1)) {
    o.push(
      `<line x1="${m.left}" x2="${m.left + W}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${sy(t) + 4}" text-anchor="end" fill="#333">${fmt(t)}</text>`,
    )
  }
  o.push(
    `<rect x="${m.left}" y="${m.top}" width="${W}" height="${H}" fill="none" stroke="#999"/>`,
    `<text x="${m.left + W / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + H / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}${lowerIsBetter ? ' (lower is better)' : ''}</text>`,
  )
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]
    const p = s.points.filter((q) => Number.isFinite(q[0]) && Number.isFinite(q[1]))
    if (s.line !== false && p.length > 1) {
      o.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''} points="${p.map((q) => `${sx(q[0]).toFixed(1)},${sy(q[1]).toFixed(1)}`).join(' ')}"/>`,
      )
    }
    for (const q of p) {
      o.push(marker(s.marker ?? 'circle', sx(q[0]), sy(q[1]), color))
      if (q[2] !== undefined) {
        o.push(
          `<text x="${sx(q[0]) + 5}" y="${sy(q[1]) - 5}" font-size="10" fill="${color}">${esc(q[2])}</text>`,
        )
      }
    }
    const ly = m.top + 8 + i * 20
    const lx = m.left + W + 14
    if (s.line !== false) {
      o.push(
        `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      )
    }
    o.push(
      marker(s.marker ?? 'circle', lx + 11, ly, color),
      `<text x="${lx + 28}" y="${ly + 4}">${esc(s.name)}</text>`,
    )
  })
  o.push('</svg>')
  return `${o.join('\n')}\n`
}

function marker(kind, x, y, color) {
  const X = x.toFixed(1)
  const Y = y.toFixed(1)
  if (kind === 'square')
    return `<rect x="${(x - 5).toFixed(1)}" y="${(y - 5).toFixed(1)}" width="10" height="10" fill="${color}"/>`
  if (kind === 'star') {
    const pts = []
    for (let i = 0; i < 10; i++) {
      const r = i % 2 ? 3.5 : 8
      const a = (Math.PI / 5) * i - Math.PI / 2
      pts.push(`${(x + r * Math.cos(a)).toFixed(1)},${(y + r * Math.sin(a)).toFixed(1)}`)
    }
    return `<polygon points="${pts.join(' ')}" fill="${color}" stroke="#000" stroke-width="0.5"/>`
  }
  if (kind === 'diamond')
    return `<polygon points="${X},${(y - 7).toFixed(1)} ${(x + 7).toFixed(1)},${Y} ${X},${(y + 7).toFixed(1)} ${(x - 7).toFixed(1)},${Y}" fill="${color}"/>`
  return `<circle cx="${X}" cy="${Y}" r="3.5" fill="${color}"/>`
}
