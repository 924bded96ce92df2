// The reference a variant is judged against: the source decoded in full (no shrink-on-load),
// upright, sRGB, 8-bit RGB; for a smaller variant, that image resized with lanczos3 to the
// variant's own size, and for a cropped variant, the same region the variant shows (found by
// matching, so any tool's crop is judged against the region it chose).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const sharp = require('sharp')

/** { data, width, height } of 8-bit RGB pixels, upright. */
export async function decodeRgb(input) {
  const { data, info } = await sharp(input, { autoOrient: true, failOn: 'error' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

async function resizeRgb(img, width, height) {
  if (img.width === width && img.height === height) return img
  const { data, info } = await sharp(img.data, {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** A w x h window of img at (left, top). */
export function cropRgb(img, left, top, width, height) {
  const out = Buffer.allocUnsafe(width * height * 3)
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3
    img.data.copy(out, y * width * 3, from, from + width * 3)
  }
  return { data: out, width, height }
}

/**
 * The reference for an output of `out`'s size made from `src` under `fit` ('cover' crops, the
 * others keep the whole picture). For cover, the source is scaled to cover the output and the
 * window that best matches the output along the cropped axis is taken.
 */
export async function referenceFor(src, out, fit) {
  if (fit !== 'cover') return resizeRgb(src, out.width, out.height)
  const w = await coverWindow(src, out)
  return w.ref
}

/**
 * Where a cover crop `out` sits: the size the source is scaled to ({ width, height }), the
 * window's offset in it ({ left, top }), and the reference window itself (ref).
 */
export async function coverWindow(src, out) {
  const scale = Math.max(out.width / src.width, out.height / src.height)
  const cw = Math.max(out.width, Math.round(src.width * scale))
  const ch = Math.max(out.height, Math.round(src.height * scale))
  const covered = await resizeRgb(src, cw, ch)
  if (cw === out.width && ch === out.height) {
    return { width: cw, height: ch, left: 0, top: 0, ref: covered }
  }
  const { left, top } = bestOffset(covered, out)
  return {
    width: cw,
    height: ch,
    left,
    top,
    ref: cropRgb(covered, left, top, out.width, out.height),
  }
}

/** The crop offset along the free axis with the smallest sum of absolute differences. */
function bestOffset(big, small) {
  const alongX = big.width > small.width
  const range = alongX ? big.width - small.width : big.height - small.height
  const step = Math.max(1, Math.floor(Math.min(small.width, small.height) / 90))
  let best = { sad: Infinity, off: 0 }
  for (let off = 0; off <= range; off++) {
    const dx = alongX ? off : 0
    const dy = alongX ? 0 : off
    let sad = 0
    for (let y = 0; y < small.height && sad < best.sad; y += step) {
      for (let x = 0; x < small.width; x += step) {
        const a = (y * small.width + x) * 3
        const b = ((y + dy) * big.width + x + dx) * 3
        sad +=
          Math.abs(small.data[a] - big.data[b]) +
          Math.abs(small.data[a + 1] - big.data[b + 1]) +
          Math.abs(small.data[a + 2] - big.data[b + 2])
      }
    }
    if (sad < best.sad) best = { sad, off }
  }
  return alongX ? { left: best.off, top: 0 } : { left: 0, top: best.off }
}
