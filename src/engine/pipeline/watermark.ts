// A preset's watermark: text (drawn by sharp's Pango text input) or an image, scaled to a share
// of the variant's width, faded to its opacity and placed on the 9-grid. Only variants at least
// `minWidth` wide get it, so thumbnails stay clean.

import fs from 'node:fs'
import sharp, { type OverlayOptions, type Sharp } from 'sharp'
import { UpshotError } from '../../shared/jobs'
import type { Watermark } from '../types'
import { SNIFF_BYTES, sniffBytes } from './sniff'
import { sanitizeSvg, svgText } from './svg'
import { renderSvg } from './svg-render'

export const WATERMARK_MIN_WIDTH = 640

/** Whether a variant of this width gets the mark. */
export function watermarkApplies(wm: Watermark | undefined, width: number): wm is Watermark {
  if (!wm || wm.opacity <= 0) return false
  if (!wm.imagePath && !wm.text?.trim()) return false
  return width >= (wm.minWidth ?? WATERMARK_MIN_WIDTH)
}

/** Where the mark goes in a width x height image: its box, in pixels. */
export function watermarkBox(
  wm: Pick<Watermark, 'position' | 'margin'>,
  image: { width: number; height: number },
  mark: { width: number; height: number },
): { left: number; top: number; width: number; height: number } {
  const margin = Math.round(wm.margin * image.width)
  const p = wm.position
  const left = p.endsWith('left')
    ? margin
    : p.endsWith('right')
      ? image.width - mark.width - margin
      : Math.round((image.width - mark.width) / 2)
  const top = p.startsWith('top')
    ? margin
    : p.startsWith('bottom')
      ? image.height - mark.height - margin
      : Math.round((image.height - mark.height) / 2)
  return {
    left: clamp(left, 0, image.width - mark.width),
    top: clamp(top, 0, image.height - mark.height),
    width: mark.width,
    height: mark.height,
  }
}

/** The composite layer that draws the mark on an image of this size. */
export async function watermarkLayer(
  wm: Watermark,
  image: { width: number; height: number },
): Promise<OverlayOptions> {
  const margin = Math.round(wm.margin * image.width)
  const maxWidth = Math.max(
    1,
    Math.min(Math.round(wm.size * image.width), image.width - 2 * margin),
  )
  const maxHeight = Math.max(1, image.height - 2 * margin)
  const mark = wm.imagePath
    ? await imageMark(wm.imagePath, maxWidth, maxHeight)
    : await textMark(wm.text ?? '', maxWidth, maxHeight)
  const faded = await fade(mark.data, wm.opacity)
  const box = watermarkBox(wm, image, mark)
  return { input: faded, left: box.left, top: box.top }
}

interface Mark {
  data: Buffer
  width: number
  height: number
}

async function imageMark(file: string, maxWidth: number, maxHeight: number): Promise<Mark> {
  try {
    const { data, info } = await (
      await markInput(file, Math.max(maxWidth, maxHeight))
    )
      .timeout({ seconds: 60 })
      .resize(maxWidth, maxHeight, { fit: 'inside' })
      .ensureAlpha()
      .png()
      .toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height }
  } catch {
    throw new UpshotError(
      'CONFIG',
      `The watermark image ${file} cannot be read as an image; choose another one in the preset.`,
    )
  }
}

/**
 * The mark's pixels, by what its bytes are: an SVG logo is sanitised and drawn by the renderer
 * process like any SVG, never handed to librsvg as it is.
 */
async function markInput(file: string, longestSide: number): Promise<Sharp> {
  const bytes = fs.readFileSync(file)
  const type = sniffBytes(bytes.subarray(0, SNIFF_BYTES), file)
  if (type.kind !== 'image') throw new Error('not an image')
  if (type.format !== 'svg') return sharp(bytes, { limitInputPixels: 50_000_000 })
  const raster = await renderSvg(sanitizeSvg(svgText(bytes)), {
    longestSide: Math.max(64, longestSide),
    maxPixels: Math.max(64, longestSide) ** 2,
  })
  return sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 4 } })
}

/**
 * White text over a soft dark shadow, so it reads on light and dark photos alike. Rendered large
 * (high dpi) and scaled down to the wanted width: sharper than rendering at the final size.
 */
async function textMark(text: string, maxWidth: number, maxHeight: number): Promise<Mark> {
  const markup = (colour: string): string =>
    `<span foreground="${colour}" font_weight="bold">${escapeMarkup(text.trim())}</span>`
  // The shadow's offset is inside the wanted size, so the mark never outgrows the image.
  const offset = Math.max(1, Math.round(maxWidth / 120))
  const boxWidth = Math.max(1, maxWidth - offset)
  const boxHeight = Math.max(1, maxHeight - offset)
  // About 7 px per character at 12 pt and 72 dpi: aim at 1.5x the wanted width.
  const dpi = clamp(Math.round((72 * maxWidth * 1.5) / (Math.max(1, text.length) * 7)), 72, 2400)
  const render = async (colour: string): Promise<Buffer> =>
    sharp({ text: { text: markup(colour), font: 'sans 12', dpi, rgba: true } })
      .resize(boxWidth, boxHeight, { fit: 'inside' })
      .png()
      .toBuffer()
  const [white, black] = await Promise.all([render('#ffffff'), render('#000000')])
  const meta = await sharp(white).metadata()
  const width = meta.width ?? 1
  const height = meta.height ?? 1
  const shadow = await fade(black, 0.55)
  const data = await sharp({
    create: {
      width: width + offset,
      height: height + offset,
      channels: 4,
      background: { r: 0, g: 0, b: 0, alpha: 0 },
    },
  })
    .composite([
      { input: shadow, left: offset, top: offset },
      { input: white, left: 0, top: 0 },
    ])
    .png()
    .toBuffer()
  return { data, width: width + offset, height: height + offset }
}

/** Multiplies the mark's alpha by `opacity`. */
async function fade(png: Buffer, opacity: number): Promise<Buffer> {
  if (opacity >= 1) return png
  const alpha = Math.round(clamp(opacity, 0, 1) * 255)
  return sharp(png)
    .ensureAlpha()
    .composite([
      {
        input: Buffer.from([255, 255, 255, alpha]),
        raw: { width: 1, height: 1, channels: 4 },
        tile: true,
        blend: 'dest-in',
      },
    ])
    .png()
    .toBuffer()
}

function escapeMarkup(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n))
}
