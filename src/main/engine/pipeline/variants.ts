// Turns a snapshot into staged outputs: one per preset variant for images (upright, sRGB, 8-bit,
// no metadata, never enlarged), or the staged original for everything else.

import path from 'node:path'
import sharp, { type OutputInfo, type Sharp } from 'sharp'
import { UpshotError } from '../../../shared/jobs'
import type { OutputFormat, Preset, SourceSnapshot, StagedOutput, VariantSpec } from '../types'
import { openImage, type OpenedImage } from './decode'
import { decodeError, throwIfAborted } from './errors'
import { planVariant } from './geometry'
import { writeAtomic } from './stage'

export interface MakeOutputsOptions {
  /** The source's file name, for messages. */
  displayName: string
  preset: Preset
  /** Outputs are written here as `<variant>.<ext>`. */
  stagingDir: string
  /** Images with more pixels fail with PIXEL_LIMIT before being decoded. */
  limitInputPixels: number
  signal?: AbortSignal
}

export const EXT_OF: Record<OutputFormat, string> = {
  webp: 'webp',
  avif: 'avif',
  jpeg: 'jpg',
  png: 'png',
}

export const MIME_OF: Record<OutputFormat, string> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
}

/**
 * Above this many output pixels the encoders trade a little size for a lot of time. Measured on
 * the 2-8 MP bench photos: WebP effort 2 instead of 4 is ~2.2x faster for +5% bytes on a full-size
 * variant; AVIF effort 4 takes ~18 s for 8 MP, effort 2 ~2.5 s. Small variants keep the
 * default effort: they are cheap and their bytes are fetched most often.
 */
const LARGE_OUTPUT_PIXELS = 1_500_000
const WEBP_EFFORT = { small: 4, large: 2 }
const AVIF_EFFORT = { small: 4, large: 2 }

function encode(p: Sharp, spec: VariantSpec, pixels: number, animated: boolean): Sharp {
  const large = pixels >= LARGE_OUTPUT_PIXELS
  switch (spec.format) {
    case 'webp':
      return p.webp({
        quality: spec.quality,
        effort: large && !animated ? WEBP_EFFORT.large : WEBP_EFFORT.small,
      })
    case 'avif':
      return p.avif({
        quality: spec.quality,
        effort: large ? AVIF_EFFORT.large : AVIF_EFFORT.small,
      })
    case 'jpeg':
      return p.jpeg({ quality: spec.quality, mozjpeg: true })
    case 'png':
      return p.png({ compressionLevel: 6 })
  }
}

const STRATEGY = {
  attention: sharp.strategy.attention,
  entropy: sharp.strategy.entropy,
  centre: 'centre',
} as const

async function makeVariant(
  img: OpenedImage,
  spec: VariantSpec,
  stagingDir: string,
): Promise<StagedOutput> {
  // Only WebP can carry the animation here (sharp writes no animated AVIF, JPEG or PNG); the
  // other formats get the first frame.
  const animated = img.frames > 1 && spec.format === 'webp'
  const plan = planVariant(spec, img.size)
  let p = img.pipeline(animated)
  if (plan.resize === 'cover') {
    p = p.resize(plan.size.width, plan.size.height, {
      fit: 'cover',
      // libvips cannot run the attention/entropy crop on multi-frame images.
      position: animated ? 'centre' : STRATEGY[spec.position ?? 'centre'],
    })
  } else if (plan.resize === 'inside') {
    // The size is computed already (aspect kept); 'fill' makes sharp use exactly that size.
    p = p.resize(plan.size.width, plan.size.height, { fit: 'fill' })
  }
  // Wide-gamut and CMYK sources are converted through their ICC profile; 16-bit becomes 8-bit.
  p = p.toColourspace('srgb')
  if (spec.format === 'jpeg' && img.hasAlpha) p = p.flatten({ background: '#ffffff' })
  p = encode(p, spec, plan.size.width * plan.size.height, animated)

  let out: { data: Buffer; info: OutputInfo }
  try {
    out = await p.toBuffer({ resolveWithObject: true })
  } catch (err) {
    throw decodeError(err, img.label)
  }
  const ext = EXT_OF[spec.format]
  const file = path.join(stagingDir, `${safeName(spec.name)}.${ext}`)
  await writeAtomic(file, out.data)
  return {
    variant: spec.name,
    format: spec.format,
    ext,
    contentType: MIME_OF[spec.format],
    width: out.info.width,
    height: out.info.pageHeight ?? out.info.height,
    bytes: out.data.length,
    path: file,
  }
}

function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_-]/g, '-')
  if (!s || s === 'original')
    throw new UpshotError('CONFIG', `The variant name "${name}" cannot be used; rename it.`)
  return s
}

export async function makeOutputs(
  snapshot: SourceSnapshot,
  opts: MakeOutputsOptions,
): Promise<StagedOutput[]> {
  throwIfAborted(opts.signal)
  if (snapshot.type.kind !== 'image') {
    if (!snapshot.stagedPath)
      throw new UpshotError('INTERNAL', 'The file was not staged before making outputs.')
    return [
      {
        variant: 'original',
        format: snapshot.type.format,
        ext: snapshot.type.ext,
        contentType: snapshot.type.mime,
        width: null,
        height: null,
        bytes: snapshot.size,
        path: snapshot.stagedPath,
      },
    ]
  }
  const img = await openImage(snapshot, opts.limitInputPixels, opts.signal)
  throwIfAborted(opts.signal)
  // In parallel: libvips spreads each pipeline over the cores, and the small variants finish
  // while the full-size one is still encoding.
  const settled = await Promise.allSettled(
    opts.preset.variants.map((v) => makeVariant(img, v, opts.stagingDir)),
  )
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) throw failed.reason
  throwIfAborted(opts.signal)
  return settled.map((s) => (s as PromiseFulfilledResult<StagedOutput>).value)
}
