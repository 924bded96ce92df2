// Curves from the records of bench/quality-curves.mjs: per variant, each family's total bytes
// (as a share of ImageMagick's at quality 80, same photos) against the mean butteraugli score
// and the mean DSSIM, and against CPU time; ImageMagick and vipsthumbnail as single points.
import fs from 'node:fs'
import path from 'node:path'
import { lineChart } from '../svgplot.mjs'

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
const sum = (xs) => xs.reduce((a, b) => a + b, 0)

/**
 * { [variant]: { photos, peers: { imagemagick, vipsthumbnail }, families: { [id]: [point] } } }
 * point: { quality, bytes, ratio, butteraugli, dssim, cpuSeconds }, over the photos every
 * setting of that variant was measured on.
 */
export function aggregate(records) {
  const out = {}
  const variants = [...new Set(records.map((r) => r.variant))]
  for (const v of variants) {
    const rs = records.filter((r) => r.variant === v)
    const im = rs.filter((r) => r.family === 'imagemagick')
    const photos = im.map((r) => r.photo)
    const imBytes = sum(im.map((r) => r.bytes))
    const point = (group) => ({
      quality: group[0].quality,
      bytes: sum(group.map((r) => r.bytes)),
      ratio: sum(group.map((r) => r.bytes)) / imBytes,
      butteraugli: mean(group.map((r) => r.butteraugli)),
      dssim: mean(group.map((r) => r.dssim)),
      cpuSeconds: sum(group.map((r) => r.cpuSeconds)),
      n: group.length,
    })
    const families = {}
    for (const fam of [...new Set(rs.map((r) => r.family))]) {
      const byQ = new Map()
      for (const r of rs.filter((x) => x.family === fam && photos.includes(x.photo))) {
        // Upshot's own settings are one point whatever the encoder quality they map to.
        const q = r.point ? 'point' : r.quality
        if (!byQ.has(q)) byQ.set(q, [])
        byQ.get(q).push(r)
      }
      families[fam] = [...byQ.values()]
        .filter((g) => g.length === photos.length)
        .map(point)
        .sort((a, b) => a.quality - b.quality)
    }
    const peers = {}
    for (const k of [
      'imagemagick',
      'vipsthumbnail',
      'upshot-before',
      'upshot-web',
      'upshot-avif',
    ]) {
      peers[k] = families[k]?.[0]
      delete families[k]
    }
    out[v] = { photos: photos.length, peers, families }
  }
  return out
}

/** Bytes ratio (to ImageMagick) a family needs to match a score, by linear interpolation. */
export function ratioAtScore(points, metric, target) {
  const p = [...points].sort((a, b) => a.ratio - b.ratio)
  for (let i = 1; i < p.length; i++) {
    const [a, b] = [p[i - 1], p[i]]
    if ((a[metric] - target) * (b[metric] - target) <= 0 && a[metric] !== b[metric]) {
      const t = (a[metric] - target) / (a[metric] - b[metric])
      return {
        ratio: a.ratio + t * (b.ratio - a.ratio),
        quality: a.quality + t * (b.quality - a.quality),
        cpuSeconds: a.cpuSeconds + t * (b.cpuSeconds - a.cpuSeconds),
      }
    }
  }
  return null
}

export async function drawCurves(state, dir, log = () => {}) {
  fs.mkdirSync(dir, { recursive: true })
  const agg = aggregate(state.records)
  const files = []
  for (const [variant, a] of Object.entries(agg)) {
    if (!a.peers.imagemagick) continue
    for (const [metric, label] of [
      ['butteraugli', 'butteraugli (max-norm, mean over photos)'],
      ['dssim', 'DSSIM (1/SSIM - 1, mean over photos)'],
      ['cpuSeconds', 'CPU seconds, all photos'],
    ]) {
      const series = Object.entries(a.families).map(([fam, pts]) => ({
        name: fam,
        dashed: fam.startsWith('avif'),
        // Quality labels on the WebP default family only, to keep the plot readable.
        points: pts.map((p) => [
          p.ratio,
          p[metric],
          fam === 'webp-e4' || fam === 'avif-e2' || fam === 'avif-e0' ? `q${p.quality}` : undefined,
        ]),
      }))
      for (const [peer, label, color, mk] of [
        ['imagemagick', 'ImageMagick q80', '#000', 'square'],
        ['vipsthumbnail', 'vipsthumbnail Q=80', '#666', 'diamond'],
        ['upshot-before', 'Upshot before', '#999', 'star'],
        ['upshot-web', 'Upshot web now', '#e31a1c', 'star'],
        ['upshot-avif', 'Upshot web-avif now', '#6a3d9a', 'star'],
      ]) {
        const p = a.peers[peer]
        if (p)
          series.push({
            name: label,
            color,
            marker: mk,
            line: false,
            points: [[p.ratio, p[metric]]],
          })
      }
      const svg = lineChart({
        title: `${variant}: bytes against ${metric === 'cpuSeconds' ? 'CPU time' : metric} (${state.set} set, ${a.photos} photos)`,
        subtitle:
          variant === 'thumb' || variant === 'preview'
            ? 'x: total bytes / ImageMagick -quality 80 (its centre crops: other pixels than the curves)'
            : 'x: total bytes as a share of ImageMagick -quality 80 (same photos); labels: quality',
        xLabel: 'bytes / ImageMagick q80 bytes',
        yLabel: label,
        lowerIsBetter: metric !== 'cpuSeconds',
        series,
      })
      const file = path.join(
        dir,
        `${state.set}-${variant}-${metric === 'cpuSeconds' ? 'cpu' : metric}.svg`,
      )
      fs.writeFileSync(file, svg)
      files.push(file)
    }
  }
  log(`Plots: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`)
  return { agg, files }
}
