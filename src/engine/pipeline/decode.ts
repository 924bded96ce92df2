// Opens an image for the variants in two steps. probeImage reads only the header (dimensions,
// orientation, frames) and refuses what would cost too much (limits.ts) before a single pixel is
// decoded; the engine then admits the image by its pixel count (queue/pixel-budget.ts) and
// openImage picks the decoder: libvips for what it can read, WASM libheif for HEVC HEIF,
// sanitised librsvg in a child process for SVG. Every pipeline carries sharp's time limit.

import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp'
import { UpshotError } from '../../shared/jobs'
import type { SourceSnapshot } from '../types'
import { decodeError, throwIfAborted } from './errors'
import type { Size } from './geometry'
import { decodeHeic } from './heic'
import { checkHeader, timeLimitSeconds } from './limits'
import { sanitizeSvg, svgText } from './svg'
import { renderSvg, type SvgRenderLimits, type SvgTarget } from './svg-render'
import { rgbaTiffWithIcc } from './tiff'

/**
 * 'error': damaged data (truncation, broken entropy coding) fails with CORRUPT_IMAGE instead of
 * publishing grey blocks, while the libjpeg *warnings* many cameras trigger ("extraneous bytes
 * before marker") are tolerated; 'warning' would reject such real photos.
 */
export const FAIL_ON = 'error' as const

/**
 * Vectors are drawn once, so that their longest side is this, or the longest side a variant of
 * the preset asks for, up to SVG_MAX_LONGEST_SIDE; never at their nominal size (an icon is 24x24,
 * a crafted file 16000x16000), and never past SVG_MAX_PIXELS.
 */
export const SVG_MIN_LONGEST_SIDE = 2048
export const SVG_MAX_LONGEST_SIDE = 4096
export const SVG_MAX_PIXELS = 16 * 1024 * 1024

export interface DecodeOptions {
  /** Pixels of one frame; more fail with PIXEL_LIMIT from the header. */
  limitInputPixels: number
  /** Whether an output keeps animation (a WebP variant): then all frames count. */
  animate: boolean
  /** The longest side a variant of the preset asks for (0: none does). */
  largestSide: number
  /** Overrides timeLimitSeconds() (tests). */
  timeLimitSeconds?: number
  /** Overrides the SVG renderer's limits (tests). */
  svgLimits?: Partial<SvgRenderLimits>
}

/** What the header says, before any pixel is decoded. */
export interface ImageProbe {
  format: string
  /** Name of the source format for messages. */
  label: string
  /** Frames the variants decode (1: still). */
  frames: number
  /** Pixels decoded in all, frames included (SVG: the raster's most): memory and time scale with it. */
  pixels: number
  /** Decoded through the WASM HEIF decoder (its RGBA copy and TIFF wrapper cost extra memory). */
  wasmHeif: boolean
  meta: Metadata | null
}

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
  /** sharp's time limit of each pipeline, in seconds (for messages). */
  timeLimitSeconds: number
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
  seconds: number,
): (animated: boolean) => Sharp {
  return () => {
    const p = sharp(data, { raw: { ...size, channels }, limitInputPixels }).timeout({ seconds })
    return dropAlpha ? p.removeAlpha() : p
  }
}

export function svgTarget(largestSide: number): SvgTarget {
  return {
    longestSide: Math.min(SVG_MAX_LONGEST_SIDE, Math.max(SVG_MIN_LONGEST_SIDE, largestSide)),
    maxPixels: SVG_MAX_PIXELS,
  }
}

export async function probeImage(
  snapshot: SourceSnapshot,
  opts: DecodeOptions,
): Promise<ImageProbe> {
  const buffer = snapshot.buffer
  if (!buffer) throw new UpshotError('INTERNAL', 'The image bytes were not kept in memory.')
  const format = snapshot.type.format
  const label = LABELS[format] ?? format.toUpperCase()
  if (format === 'svg') {
    // The nominal size does not matter: the raster's is chosen (svgTarget).
    const t = svgTarget(opts.largestSide)
    const pixels = Math.min(t.maxPixels, t.longestSide ** 2)
    return { format, label, frames: 1, pixels, wasmHeif: false, meta: null }
  }
  let meta: Metadata
  try {
    // Header only: no pixel is decoded here, so a 100000x100000 "bomb" costs nothing.
    meta = await sharp(buffer, { limitInputPixels: false }).metadata()
  } catch (err) {
    throw decodeError(err, label)
  }
  const width = meta.width
  const height = meta.pageHeight ?? meta.height
  if (!width || !height) throw decodeError(new Error('no dimensions'), label)
  const pages = meta.pages ?? 1
  const animated = opts.animate && (meta.format === 'gif' || meta.format === 'webp') && pages > 1
  const frames = animated ? pages : 1
  checkHeader({ width, height, frames, fileBytes: snapshot.size }, opts.limitInputPixels)
  const wasmHeif = meta.format === 'heif' && meta.compression !== 'av1'
  return { format, label, frames, pixels: width * height * frames, wasmHeif, meta }
}

export async function openImage(
  snapshot: SourceSnapshot,
  probe: ImageProbe,
  opts: DecodeOptions,
  signal?: AbortSignal,
): Promise<OpenedImage> {
  const buffer = snapshot.buffer!
  const limitInputPixels = opts.limitInputPixels
  const seconds = opts.timeLimitSeconds ?? timeLimitSeconds(probe.pixels)
  throwIfAborted(signal)
  if (!probe.meta) return openSvg(buffer, opts, seconds, signal)
  const meta = probe.meta
  const width = meta.width!
  const height = meta.pageHeight ?? meta.height!
  const upright: Size =
    (meta.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height }

  // libvips here decodes AV1 pictures only; anything else in a HEIF box goes to libheif-js.
  if (probe.wasmHeif) {
    const raw = await decodeHeic(buffer, { ...(signal ? { signal } : {}), seconds })
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
          const p = sharp(tiff, { limitInputPixels, failOn: FAIL_ON }).timeout({ seconds })
          return meta.hasAlpha ? p : p.removeAlpha()
        },
        label: 'HEIC',
        timeLimitSeconds: seconds,
      }
    }
    return {
      size,
      frames: 1,
      hasAlpha: meta.hasAlpha,
      pipeline: fromRaw(raw.data, size, 4, limitInputPixels, !meta.hasAlpha, seconds),
      label: 'HEIC',
      timeLimitSeconds: seconds,
    }
  }

  const canAnimate = probe.frames > 1
  return {
    size: upright,
    frames: probe.frames,
    hasAlpha: meta.hasAlpha,
    pipeline: (animated) => {
      const options: SharpOptions = {
        autoOrient: true,
        failOn: FAIL_ON,
        limitInputPixels,
        ...(animated && canAnimate ? { animated: true } : { pages: 1 }),
      }
      return sharp(buffer, options).timeout({ seconds })
    },
    label: probe.label,
    timeLimitSeconds: seconds,
  }
}

/**
 * SVG: sanitised first, then drawn once in the renderer process at the capped size; the
 * variants are cut from that raster.
 */
async function openSvg(
  buffer: Buffer,
  opts: DecodeOptions,
  seconds: number,
  signal?: AbortSignal,
): Promise<OpenedImage> {
  const clean = sanitizeSvg(svgText(buffer))
  const raster = await renderSvg(clean, svgTarget(opts.largestSide), {
    ...(signal ? { signal } : {}),
    ...(opts.svgLimits ? { limits: opts.svgLimits } : {}),
  })
  const size = { width: raster.width, height: raster.height }
  return {
    size,
    frames: 1,
    hasAlpha: true,
    pipeline: fromRaw(raster.data, size, 4, opts.limitInputPixels, false, seconds),
    label: 'SVG',
    timeLimitSeconds: seconds,
  }
}
