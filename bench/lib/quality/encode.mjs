// Trial encodes for the quality curves: the same pipeline as Upshot's variants (sharp, upright,
// lanczos3 resize, attention crop for cover, sRGB), with the encoder settings under test, and
// the CPU time the process spent on it (sharp's threads included; one encode at a time).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const sharp = require('sharp')

/** The `web` preset's variants, as the engine defines them (src/engine/presets.ts). */
export const WEB_VARIANTS = [
  { name: 'thumb', fit: 'cover', width: 320, height: 180 },
  { name: 'preview', fit: 'cover', width: 640, height: 360 },
  { name: 'overlay', fit: 'inside', width: 1280, height: 720 },
  { name: 'full', fit: 'original' },
]

/** The size a variant comes out at for an upright source of w x h (never enlarged). */
export function variantSize(v, w, h) {
  if (v.fit === 'original') return { width: w, height: h }
  if (v.fit === 'inside') {
    const s = Math.min(1, v.width / w, v.height / h)
    return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) }
  }
  const s = Math.min(1, w / v.width, h / v.height)
  return {
    width: Math.max(1, Math.round(v.width * s)),
    height: Math.max(1, Math.round(v.height * s)),
  }
}

/**
 * settings: { format: 'webp' | 'avif', quality, effort, smartSubsample?, preset?,
 * chroma? ('4:2:0' | '4:4:4'), sharpen? (sigma of a light unsharp mask after the resize) }
 */
export async function encodeTrial(input, srcSize, v, settings) {
  const before = process.cpuUsage()
  const size = variantSize(v, srcSize.width, srcSize.height)
  let p = sharp(input, { autoOrient: true, failOn: 'error' })
  if (v.fit === 'cover') {
    p = p.resize(size.width, size.height, { fit: 'cover', position: 'attention' })
  } else if (
    v.fit === 'inside' &&
    (size.width !== srcSize.width || size.height !== srcSize.height)
  ) {
    p = p.resize(size.width, size.height, { fit: 'fill' })
  }
  if (settings.sharpen) p = p.sharpen({ sigma: settings.sharpen })
  p = p.toColourspace('srgb')
  if (settings.format === 'avif') {
    p = p.avif({
      quality: settings.quality,
      effort: settings.effort,
      chromaSubsampling: settings.chroma ?? '4:2:0',
    })
  } else {
    p = p.webp({
      quality: settings.quality,
      effort: settings.effort,
      smartSubsample: Boolean(settings.smartSubsample),
      ...(settings.preset ? { preset: settings.preset } : {}),
    })
  }
  const data = await p.toBuffer()
  const used = process.cpuUsage(before)
  return { data, cpuSeconds: (used.user + used.system) / 1e6 }
}
