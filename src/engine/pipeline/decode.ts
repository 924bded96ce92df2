// Opens an image for the variants: reads only its header first (dimensions, orientation, frames),
// enforces the pixel limit before a single pixel is decoded, and picks the decoder: libvips for
// what it can read, WASM libheif for HEVC HEIF, sanitised librsvg for SVG.

import sharp, { type Metadata, type OutputInfo, type Sharp, type SharpOptions } from 'sharp'
import { UpshotError } from '../../shared/jobs'
import type { SourceSnapshot } from '../types'
import { decodeError, pixelLimit, throwIfAborted } from './errors'
import type { Size } from './geometry'
import { decodeHeic } from './heic'
import { sanitizeSvg, svgText } from './svg'
import { rgbaTiffWithIcc } from './tiff'

/**
 * 'error': damaged data (truncation, broken entropy coding) fails with CORRUPT_IMAGE instead of
 * publishing grey blocks, while the libjpeg *warnings* many cameras trigger ("extraneous bytes
 * before marker") are tolerated; 'warning' would reject such real photos.
 */
export const FAIL_ON = 'error' as const

/** Vectors are rasterised so their longest side is at least this (or their nominal size). */
export const SVG_MIN_LONGEST_SIDE = 2048

/** An image ready to be turned into variants. */
export interface OpenedImage {
  /** Upright size of one frame. */
  size: Size
  /** Frames an animated output may keep (1: still). */
  frames: number
  hasAlpha: boolean
  /** A new pipeline reading the source; all frames when `animated`, else the first one. */
  pipeline(animated: boolean): Sharp
  /** Name of the source format for messages. */
  label: string
}

const LABELS: Record<string, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  avif: 'AVIF',
  heif: 'HEIF',
  tiff: 'TIFF',
  svg: 'SVG',
}

function fromRaw(
  data: Buffer,
  size: Size,
  channels: 3 | 4,
  limitInputPixels: number,
  dropAlpha: boolean,
): (animated: boolean) => Sharp {
  return () => {
    const p = sharp(data, { raw: { ...size, channels }, limitInputPixels })
    return dropAlpha ? p.removeAlpha() : p
  }
}

export async function openImage(
  snapshot: SourceSnapshot,
  limitInputPixels: number,
  signal?: AbortSignal,
): Promise<OpenedImage> {
  const buffer = snapshot.buffer
  if (!buffer) throw new UpshotError('INTERNAL', 'The image bytes were not kept in memory.')
  const format = snapshot.type.format
  const label = LABELS[format] ?? format.toUpperCase()
  if (format === 'svg') return openSvg(buffer, limitInputPixels, signal)

  let meta: Metadata
  try {
    // Header only: no pixel is decoded here, so a 100000x100000 "bomb" costs nothing.
    meta = await sharp(buffer, { limitInputPixels: false }).metadata()
  } catch (err) {
    throw decodeError(err, label)
  }
  throwIfAborted(signal)
  const width = meta.width
  const height = meta.pageHeight ?? meta.height
  if (!width || !height) throw decodeError(new Error('no dimensions'), label)
  if (width * height > limitInputPixels) throw pixelLimit(width, height, limitInputPixels)
  const upright: Size =
    (meta.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height }

  // libvips here decodes AV1 pictures only; anything else in a HEIF box goes to libheif-js.
  if (meta.format === 'heif' && meta.compression !== 'av1') {
    const raw = await decodeHeic(buffer)
    throwIfAborted(signal)
    const size = { width: raw.width, height: raw.height }
    const icc = meta.icc
    // The profile has to travel with the pixels (TIFF wrapper) so they are converted to sRGB;
    // TIFF strips are limited to 4 GiB.
    if (icc && raw.data.length < 2 ** 32 - icc.length - 1024) {
      const tiff = rgbaTiffWithIcc(raw.data, raw.width, raw.height, icc)
      return {
        size,
        frames: 1,
        hasAlpha: meta.hasAlpha,
        pipeline: () => {
          const p = sharp(tiff, { limitInputPixels, failOn: FAIL_ON })
          return meta.hasAlpha ? p : p.removeAlpha()
        },
        label: 'HEIC',
      }
    }
    return {
      size,
      frames: 1,
      hasAlpha: meta.hasAlpha,
      pipeline: fromRaw(raw.data, size, 4, limitInputPixels, !meta.hasAlpha),
      label: 'HEIC',
    }
  }

  // Animation is kept only when every frame together stays under the pixel limit; otherwise the
  // first frame is used, like for formats that cannot animate.
  const pages = meta.pages ?? 1
  const canAnimate =
    (meta.format === 'gif' || meta.format === 'webp') &&
    pages > 1 &&
    width * height * pages <= limitInputPixels
  return {
    size: upright,
    frames: canAnimate ? pages : 1,
    hasAlpha: meta.hasAlpha,
    pipeline: (animated) => {
      const options: SharpOptions = {
        autoOrient: true,
        failOn: FAIL_ON,
        limitInputPixels,
        ...(animated && canAnimate ? { animated: true } : { pages: 1 }),
      }
      return sharp(buffer, options)
    },
    label,
  }
}

/**
 * SVG: sanitised first, then rasterised once at a density that makes the longest side
 * max(SVG_MIN_LONGEST_SIDE, nominal) (icons are often 8x8 or 24x24 nominally, useless as a
 * `full` variant), bounded by the pixel limit; the variants are cut from that raster.
 */
async function openSvg(
  buffer: Buffer,
  limitInputPixels: number,
  signal?: AbortSignal,
): Promise<OpenedImage> {
  const clean = Buffer.from(sanitizeSvg(svgText(buffer)), 'utf8')
  let meta: Metadata
  try {
    meta = await sharp(clean, { limitInputPixels: false }).metadata()
  } catch (err) {
    throw decodeError(err, 'SVG')
  }
  throwIfAborted(signal)
  const { width, height } = meta
  if (!width || !height) throw decodeError(new Error('no dimensions'), 'SVG')
  if (width * height > limitInputPixels) throw pixelLimit(width, height, limitInputPixels)
  const longest = Math.max(width, height)
  let scale = Math.max(1, SVG_MIN_LONGEST_SIDE / longest)
  scale = Math.min(scale, Math.sqrt(limitInputPixels / (width * height)))
  const density = Math.min(100_000, Math.max(1, 72 * scale))
  let rendered: { data: Buffer; info: OutputInfo }
  try {
    rendered = await sharp(clean, { density, limitInputPixels, failOn: FAIL_ON })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
  } catch (err) {
    throw decodeError(err, 'SVG')
  }
  const size = { width: rendered.info.width, height: rendered.info.height }
  return {
    size,
    frames: 1,
    hasAlpha: true,
    pipeline: fromRaw(rendered.data, size, 4, limitInputPixels, false),
    label: 'SVG',
  }
}
