// Output sizes, decided before anything is encoded. Variants are never enlarged: upscaling adds
// bytes and blur, never detail.

import type { OutputFormat, VariantSpec } from '../types'

export interface Size {
  width: number
  height: number
}

/** Largest dimension each encoder accepts (WebP is limited to 14 bits per side). */
export const MAX_DIMENSION: Record<OutputFormat, number> = {
  webp: 16383,
  avif: 16384,
  jpeg: 65500,
  png: 65535,
}

/** Scales `size` down (never up) to fit within `box`, keeping the aspect ratio. */
export function fitInside(size: Size, box: Size): Size {
  const scale = Math.min(1, box.width / size.width, box.height / size.height)
  if (scale >= 1) return { ...size }
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  }
}

/**
 * The size of a `cover` output: the target itself when the source is big enough; otherwise the
 * largest crop with the target's aspect ratio that fits in the source (100x68 -> 100x56 for a
 * 320x180 thumb), so the output keeps its shape and is never enlarged.
 */
export function coverSize(source: Size, target: Size): Size {
  if (source.width >= target.width && source.height >= target.height) return { ...target }
  const aspect = target.width / target.height
  let width = Math.min(target.width, source.width, Math.floor(source.height * aspect))
  let height = Math.round(width / aspect)
  if (height > source.height) {
    height = source.height
    width = Math.floor(height * aspect)
  }
  return { width: Math.max(1, width), height: Math.max(1, height) }
}

/**
 * What a variant becomes for a source of `source` size (already upright). `resize` is how to get
 * there: null when the source size is kept.
 */
export function planVariant(
  spec: VariantSpec,
  source: Size,
): { size: Size; resize: 'cover' | 'inside' | null } {
  const max = MAX_DIMENSION[spec.format]
  const cap: Size = { width: max, height: max }
  if (spec.fit === 'cover') {
    const target = coverSize(source, {
      width: spec.width ?? source.width,
      height: spec.height ?? source.height,
    })
    const size = fitInside(target, cap)
    const same = size.width === source.width && size.height === source.height
    return { size, resize: same ? null : 'cover' }
  }
  const box: Size =
    spec.fit === 'inside'
      ? {
          width: Math.min(spec.width ?? Infinity, max),
          height: Math.min(spec.height ?? Infinity, max),
        }
      : cap
  const size = fitInside(source, box)
  const same = size.width === source.width && size.height === source.height
  return { size, resize: same ? null : 'inside' }
}
