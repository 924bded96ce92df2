// Perceived difference between a reference and an output, both 8-bit RGB of the same size:
// - butteraugli (Debian's package, Google's 2017 release): its max-norm score, where < 1.0 is
//   "no visible difference" and about 1.5-2 is a difference people notice side by side. It is
//   slow (about 1.4 s of CPU per megapixel), so pictures larger than 0.3 MP are judged on three
//   512 x 512 regions chosen on the reference alone (the most detailed, a median one and the
//   smoothest): the same regions for every contender. The score is the worst of the three.
// - DSSIM from ssim.js (Wang's SSIM on luma, 11 x 11 window, no downsampling): 1/SSIM - 1, the
//   mean over the same regions; a second opinion that sees blur and blocking but not chroma.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { promisify } from 'node:util'
import { cropRgb } from './reference.mjs'

const require = createRequire(import.meta.url)
const sharp = require('sharp')
const { ssim } = require('ssim.js')
const run = promisify(execFile)

export const BUTTERAUGLI = '/usr/bin/butteraugli'
export const hasButteraugli = fs.existsSync(BUTTERAUGLI)
const TILE = 512
const WHOLE_LIMIT = 300_000

function lumaVariance(img, left, top, w, h) {
  let s = 0
  let s2 = 0
  let n = 0
  for (let y = top; y < top + h; y += 2) {
    for (let x = left; x < left + w; x += 2) {
      const i = (y * img.width + x) * 3
      const l = 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2]
      s += l
      s2 += l * l
      n++
    }
  }
  const m = s / n
  return s2 / n - m * m
}

/** The regions butteraugli looks at, chosen on the reference: [{ left, top, width, height }]. */
export function regionsOf(ref) {
  if (ref.width * ref.height <= WHOLE_LIMIT) {
    return [{ left: 0, top: 0, width: ref.width, height: ref.height }]
  }
  const w = Math.min(TILE, ref.width)
  const h = Math.min(TILE, ref.height)
  const tiles = []
  for (let top = 0; top + h <= ref.height; top += h) {
    for (let left = 0; left + w <= ref.width; left += w) {
      tiles.push({ left, top, width: w, height: h, v: lumaVariance(ref, left, top, w, h) })
    }
  }
  tiles.sort((a, b) => b.v - a.v)
  const picks = [tiles[0], tiles[Math.floor(tiles.length / 2)], tiles[tiles.length - 1]]
  return [...new Set(picks)].map(({ v: _v, ...r }) => r)
}

async function writePng(img, file) {
  await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toFile(file)
}

let seq = 0
/** Butteraugli's score of `out` against `ref` (worst region), or NaN without the tool. */
export async function butteraugli(ref, out, regions = regionsOf(ref)) {
  if (!hasButteraugli) return NaN
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `upshot-ba-${process.pid}-${seq++}-`))
  try {
    let worst = 0
    for (const [i, r] of regions.entries()) {
      const a = path.join(dir, `ref-${i}.png`)
      const b = path.join(dir, `out-${i}.png`)
      await writePng(cropRgb(ref, r.left, r.top, r.width, r.height), a)
      await writePng(cropRgb(out, r.left, r.top, r.width, r.height), b)
      const { stdout } = await run(BUTTERAUGLI, [a, b])
      const score = Number.parseFloat(stdout.trim())
      if (!Number.isFinite(score)) throw new Error(`butteraugli printed "${stdout.trim()}"`)
      worst = Math.max(worst, score)
    }
    return worst
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function rgba(img) {
  const n = img.width * img.height
  const data = new Uint8ClampedArray(n * 4)
  for (let i = 0; i < n; i++) {
    data[i * 4] = img.data[i * 3]
    data[i * 4 + 1] = img.data[i * 3 + 1]
    data[i * 4 + 2] = img.data[i * 3 + 2]
    data[i * 4 + 3] = 255
  }
  return { data, width: img.width, height: img.height }
}

/** 1/SSIM - 1 (0: identical), SSIM on luma at full resolution, averaged over the regions. */
export function dssim(ref, out, regions = regionsOf(ref)) {
  let total = 0
  for (const r of regions) {
    const a = rgba(cropRgb(ref, r.left, r.top, r.width, r.height))
    const b = rgba(cropRgb(out, r.left, r.top, r.width, r.height))
    total += 1 / ssim(a, b, { downsample: false }).mssim - 1
  }
  return total / regions.length
}
