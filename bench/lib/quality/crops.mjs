// Side-by-side crops for the report: the same region of the reference and of each contender's
// variant, scaled up 2x with nearest-neighbour so encoder artefacts stay visible, with labels.
import { createRequire } from 'node:module'
import { cropRgb } from './reference.mjs'

const require = createRequire(import.meta.url)
const sharp = require('sharp')

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')

/**
 * panels: [{ label, img }] of equal size; region: { left, top, width, height } (at most 320 x 320
 * is shown, centred in the region). Writes a PNG.
 */
export async function sideBySidePng(file, panels, region, scale = 2) {
  const w = Math.min(320, region.width)
  const h = Math.min(320, region.height)
  const left = region.left + Math.floor((region.width - w) / 2)
  const top = region.top + Math.floor((region.height - h) / 2)
  const gap = 8
  const labelH = 22
  const W = panels.length * (w * scale + gap) - gap
  const H = h * scale + labelH
  const layers = []
  for (const [i, p] of panels.entries()) {
    const c = cropRgb(p.img, left, top, w, h)
    const tile = await sharp(c.data, { raw: { width: w, height: h, channels: 3 } })
      .resize(w * scale, h * scale, { kernel: 'nearest' })
      .png()
      .toBuffer()
    const x = i * (w * scale + gap)
    layers.push({ input: tile, left: x, top: labelH })
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w * scale}" height="${labelH}"><text x="4" y="16" font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#000">${esc(p.label)}</text></svg>`
    layers.push({ input: Buffer.from(svg), left: x, top: 0 })
  }
  await sharp({ create: { width: W, height: H, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toFile(file)
  return { file, left, top, width: w, height: h }
}
