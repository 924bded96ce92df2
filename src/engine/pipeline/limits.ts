// What one image may cost before a pixel is decoded. Every check here reads only the header
// (dimensions, frames) and the file size, so a hostile file is refused for the price of reading
// it: no decode, no memory. What passes is bounded in pixels, and so in memory and time.

import { UpshotError } from '../../shared/jobs'

/** sharp's own default: 0x3FFF x 0x3FFF. */
export const DEFAULT_PIXEL_LIMIT = 268_402_689

/** Animated outputs carry at most this many frames... */
export const MAX_FRAMES = 1000
/**
 * ...and at most this many pixels in all frames together. Measured: 400 frames of 500x500
 * (100 MP) take 27 s of CPU and 750 MB through the web preset; each variant decodes every frame.
 */
export const MAX_ANIMATION_PIXELS = 100_000_000

/**
 * Decompression bombs: images from this many pixels up must come from at least one byte of file
 * per BOMB_PIXELS_PER_BYTE pixels. Real photos carry 1-10 bytes per 10 pixels; an all-black
 * 16000x16000 JPEG or PNG packs 170-340 pixels into each byte, lossless WebP 26000. Below the
 * threshold a flat picture is cheap enough to make whatever its ratio.
 */
export const BOMB_MIN_PIXELS = 50_000_000
export const BOMB_PIXELS_PER_BYTE = 100

const mp = (n: number): string => {
  const v = n / 1e6
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} MP`
}

function bytesText(n: number): string {
  if (n >= 1024 ** 2) return `${Math.round((n / 1024 ** 2) * 10) / 10} MB`
  if (n >= 1024) return `${Math.round(n / 1024)} KB`
  return `${n} bytes`
}

export function pixelLimit(width: number, height: number, limit: number): UpshotError {
  return new UpshotError(
    'PIXEL_LIMIT',
    `The image is ${width}x${height} (${mp(width * height)}), more than the ${mp(limit)} limit; resize it or raise the pixel limit.`,
  )
}

export interface HeaderFacts {
  width: number
  height: number
  /** Frames the variants would decode (1 for a still, or when no output animates). */
  frames: number
  /** Size of the file the header came from. */
  fileBytes: number
}

/**
 * Refuses, from the header alone, an image that would cost more than its outputs are worth:
 * PIXEL_LIMIT, ANIMATION_TOO_LARGE or DECOMPRESSION_BOMB.
 */
export function checkHeader(h: HeaderFacts, pixelLimitValue: number): void {
  const { width, height, frames, fileBytes } = h
  if (width * height > pixelLimitValue) throw pixelLimit(width, height, pixelLimitValue)
  if (frames > MAX_FRAMES)
    throw new UpshotError(
      'ANIMATION_TOO_LARGE',
      `This animation has ${frames} frames, more than the ${MAX_FRAMES} Upshot converts; shorten it or upload it as a video.`,
    )
  const total = width * height * frames
  if (frames > 1 && total > Math.min(MAX_ANIMATION_PIXELS, pixelLimitValue))
    throw new UpshotError(
      'ANIMATION_TOO_LARGE',
      `This animation has ${frames} frames of ${width}x${height} (${mp(total)} in all), more than the ${mp(Math.min(MAX_ANIMATION_PIXELS, pixelLimitValue))} Upshot converts; shorten it, make it smaller, or upload it as a video.`,
    )
  if (total >= BOMB_MIN_PIXELS && total > fileBytes * BOMB_PIXELS_PER_BYTE)
    throw new UpshotError(
      'DECOMPRESSION_BOMB',
      `This ${bytesText(fileBytes)} file unpacks to ${frames > 1 ? `${frames} frames of ` : ''}${width}x${height} (${mp(total)}), a ratio only crafted files reach, so it was not decoded; if it is a real picture, export it smaller.`,
    )
}

/**
 * How long one decode + encode may run (sharp's timeout, wall clock): two minutes plus two
 * seconds per megapixel it handles, so a 268 MP panorama on a busy laptop still finishes while a
 * file crafted to be slow stops. sharp accepts at most an hour.
 */
export function timeLimitSeconds(pixels: number): number {
  return Math.min(3600, Math.ceil(120 + (2 * pixels) / 1e6))
}

export function tooSlow(seconds: number, cause?: unknown): UpshotError {
  return new UpshotError(
    'IMAGE_TOO_SLOW',
    `Decoding or encoding this image ran past its ${seconds}-second limit; it may be crafted to be slow, or too big for this computer: export a smaller version.`,
    { cause },
  )
}

/**
 * Memory one image takes while its variants are made, per decoded pixel: measured peak RSS over
 * the CLI's idle footprint for 48 MP photos, 5.4 bytes (web preset) to 10 (jpeg preset, rotated
 * by EXIF: the whole picture is held to turn it); animations 7.5 per pixel of all frames.
 */
export const BYTES_PER_PIXEL = 12
/** The WASM HEIF decoder's RGBA copy and the TIFF wrapper around it. */
export const HEIF_EXTRA_BYTES_PER_PIXEL = 8
/**
 * The most an SVG renderer process may hold while drawing `pixels`: Node and libvips (~70 MB),
 * the raster, embedded pictures (16 MP at most, svg.ts) and a few filter surfaces. Past it the
 * process is killed (SVG_TOO_COMPLEX); the budget reserves it whole.
 */
export function svgRendererBytes(pixels: number): number {
  return 256 * 1024 * 1024 + 24 * pixels
}

/** What an image costs in memory until its variants are made: its bytes, pixels, decoder. */
export function memoryEstimate(
  probe: { format: string; pixels: number; wasmHeif: boolean },
  fileBytes: number,
): number {
  const perPixel = BYTES_PER_PIXEL + (probe.wasmHeif ? HEIF_EXTRA_BYTES_PER_PIXEL : 0)
  const renderer = probe.format === 'svg' ? svgRendererBytes(probe.pixels) : 0
  return fileBytes + probe.pixels * perPixel + renderer
}
