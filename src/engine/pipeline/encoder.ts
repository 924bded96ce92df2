// How each variant is encoded: per format and size class, the encoder settings chosen from the
// measured curves (bytes against butteraugli and DSSIM, and CPU time, on the tuning corpus;
// `node bench/quality-curves.mjs`, plots in docs/quality/, the choice in docs/BENCHMARKS.md).
//
// A WebP variant's `quality` names a look, not an encoder number: the look libwebp's own
// defaults (method 4, what ImageMagick and cwebp use) give at that quality. Each size class
// reaches it with the settings below, which is why the libwebp quality used may differ from the
// preset's. AVIF qualities are libaom's own; the `web-avif` preset picks, per variant, the one
// that reaches the `web` preset's look (engine/presets.ts).

import type { Sharp } from 'sharp'
import type { OutputFormat } from '../types'

export interface EncoderSettings {
  format: OutputFormat
  /** The encoder's own quality (1-100), after the size class's calibration. */
  quality: number
  /** libwebp method / libaom speed (as sharp's `effort`); unused for PNG and JPEG. */
  effort: number
  /** WebP: libwebp's sharp RGB-to-YUV conversion (cwebp -sharp_yuv): crisper colour edges. */
  smartSubsample: boolean
  /** AVIF only. */
  chromaSubsampling: '4:2:0' | '4:4:4'
}

/** Pictures below this many pixels are "small" (thumbnails, previews). */
export const SMALL_PIXELS = 500_000
/** Pictures from SMALL_PIXELS up to this are "medium" (overlays, small photos' full size). */
export const LARGE_PIXELS = 1_500_000

interface ClassSettings {
  effort: number
  smartSubsample: boolean
  /** Added to the preset's quality for the encoder (the look stays the preset's). */
  qualityOffset: number
  chromaSubsampling: '4:2:0' | '4:4:4'
}

type SizeClass = 'small' | 'medium' | 'large'

const sizeClass = (pixels: number): SizeClass =>
  pixels < SMALL_PIXELS ? 'small' : pixels < LARGE_PIXELS ? 'medium' : 'large'

/**
 * WebP and AVIF per size class, chosen from the curves of the 7 tuning photos (bytes at equal
 * butteraugli and DSSIM against the reference; docs/BENCHMARKS.md, "Encoder settings"):
 * - WebP below 1.5 MP: method 4, libwebp's default, so the look is libwebp's own. Method 6
 *   reached the same look with 0-1.3% fewer bytes for 17-25% more CPU; sharp YUV
 *   (smartSubsample) was -3% to +1.6% by butteraugli but +5% by DSSIM; the `photo` preset +1% by
 *   DSSIM and +16% by butteraugli; sharpening after the downscale moved away from the reference
 *   (+29-75% bytes for the same butteraugli score).
 * - WebP from 1.5 MP (a photo's full size): method 2. Method 4 would reach the look with 11-15%
 *   fewer bytes but costs 54% more CPU for that variant (the whole preset ~1.25x), over the
 *   budget; method 2 needs quality +2 to score as well as method 4 at the preset's quality
 *   (measured at 70-85: the gap is 0-2 points, largest at 80; +2 is applied at every quality).
 * - AVIF: libaom speed 2 below 1.5 MP, 0 above (speed 4 is 4-8x slower); chroma 4:2:0, like
 *   lossy WebP and JPEG (4:4:4 measured below).
 */
const TABLE: Record<'webp' | 'avif', Record<SizeClass, ClassSettings>> = {
  webp: {
    small: { effort: 4, smartSubsample: false, qualityOffset: 0, chromaSubsampling: '4:2:0' },
    medium: { effort: 4, smartSubsample: false, qualityOffset: 0, chromaSubsampling: '4:2:0' },
    large: { effort: 2, smartSubsample: false, qualityOffset: 2, chromaSubsampling: '4:2:0' },
  },
  avif: {
    small: { effort: 2, smartSubsample: false, qualityOffset: 0, chromaSubsampling: '4:2:0' },
    medium: { effort: 2, smartSubsample: false, qualityOffset: 0, chromaSubsampling: '4:2:0' },
    large: { effort: 0, smartSubsample: false, qualityOffset: 0, chromaSubsampling: '4:2:0' },
  },
}

const clampQuality = (q: number): number => Math.min(100, Math.max(1, Math.round(q)))

/** The settings for a variant of `format` at the preset's `quality`, with `pixels` to encode. */
export function encoderSettings(
  format: OutputFormat,
  quality: number,
  pixels: number,
): EncoderSettings {
  if (format === 'webp' || format === 'avif') {
    const c = TABLE[format][sizeClass(pixels)]
    return {
      format,
      quality: clampQuality(quality + c.qualityOffset),
      effort: c.effort,
      smartSubsample: c.smartSubsample,
      chromaSubsampling: c.chromaSubsampling,
    }
  }
  return { format, quality, effort: 0, smartSubsample: false, chromaSubsampling: '4:2:0' }
}

export function applyEncoder(p: Sharp, s: EncoderSettings): Sharp {
  switch (s.format) {
    case 'webp':
      return p.webp({ quality: s.quality, effort: s.effort, smartSubsample: s.smartSubsample })
    case 'avif':
      return p.avif({
        quality: s.quality,
        effort: s.effort,
        chromaSubsampling: s.chromaSubsampling,
      })
    case 'jpeg':
      // mozjpeg (trellis, progressive): ~20% smaller than libjpeg-turbo, ~5x slower.
      return p.jpeg({ quality: s.quality, mozjpeg: true })
    case 'png':
      return p.png({ compressionLevel: 6 })
  }
}
