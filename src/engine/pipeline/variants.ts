// Turns a snapshot into staged outputs: one per preset variant for images (upright, sRGB, 8-bit,
// no metadata, never enlarged), or the staged original for everything else.

import path from 'node:path'
import type { OutputInfo } from 'sharp'
import { UpshotError } from '../../shared/jobs'
import type {
  OutputFormat,
  Preset,
  SourceSnapshot,
  StagedOutput,
  VariantSpec,
  Watermark,
} from '../types'
import { openImage, probeImage, type DecodeOptions, type OpenedImage } from './decode'
import { applyEncoder, encoderSettings } from './encoder'
import { canceled, decodeError, throwIfAborted } from './errors'
import { planVariant } from './geometry'
import { memoryEstimate, tooSlow } from './limits'
import type { SvgRenderLimits } from './svg-render'
import { writeAtomic } from './stage'
import { watermarkApplies, watermarkLayer } from './watermark'

export interface MakeOutputsOptions {
  /** The source's file name, for messages. */
  displayName: string
  preset: Preset
  /** Outputs are written here as `<variant>.<ext>`. */
  stagingDir: string
  /** Images with more pixels fail with PIXEL_LIMIT before being decoded. */
  limitInputPixels: number
  signal?: AbortSignal
  /**
   * Called with an image's memory estimate (bytes) once its header is read, before anything is
   * decoded; resolves with the function that gives that memory back (the engine's PixelBudget).
   * It is called when libvips has let go of the image, which can be after makeOutputs returned.
   */
  admit?: (bytes: number, signal?: AbortSignal) => Promise<() => void>
  /** Overrides the time limit of each decode + encode, in seconds (tests). */
  timeLimitSeconds?: number
  /** Overrides the SVG renderer's limits (tests). */
  svgLimits?: Partial<SvgRenderLimits>
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

// By name, which sharp maps to its strategies: reading sharp.strategy here would load sharp
// when the module loads, and the CLI loads sharp only for runs that meet an image.
const STRATEGY = {
  attention: 'attention',
  entropy: 'entropy',
  centre: 'centre',
} as const

interface Encoded {
  data: Buffer
  width: number
  height: number
}

/** What decides a variant's bytes: variants with the same recipe are encoded once. */
function recipeOf(img: OpenedImage, spec: VariantSpec, wm: Watermark | undefined): string {
  const plan = planVariant(spec, img.size)
  const position = plan.resize === 'cover' ? (spec.position ?? 'centre') : null
  const marked = markedVariant(img, spec, wm)
  return JSON.stringify([spec.format, spec.quality, plan.size, plan.resize, position, marked])
}

/** Animated variants keep their frames unmarked: a mark per frame is not worth the encode time. */
function markedVariant(img: OpenedImage, spec: VariantSpec, wm: Watermark | undefined): boolean {
  const animated = img.frames > 1 && spec.format === 'webp'
  return !animated && watermarkApplies(wm, planVariant(spec, img.size).size.width)
}

function pixelsOf(img: OpenedImage, spec: VariantSpec): number {
  const { size } = planVariant(spec, img.size)
  return size.width * size.height
}

async function encodeVariant(
  img: OpenedImage,
  spec: VariantSpec,
  wm: Watermark | undefined,
  libvips: Promise<unknown>[],
): Promise<Encoded> {
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
  if (wm && markedVariant(img, spec, wm)) {
    // sharp composites after resizing: the mark is sized for the variant, not the source.
    p = p.composite([await watermarkLayer(wm, plan.size)])
  }
  // Wide-gamut and CMYK sources are converted through their ICC profile; 16-bit becomes 8-bit.
  p = p.toColourspace('srgb')
  if (spec.format === 'jpeg' && img.hasAlpha) p = p.flatten({ background: '#ffffff' })
  const pixels = plan.size.width * plan.size.height * (animated ? img.frames : 1)
  p = applyEncoder(p, encoderSettings(spec.format, spec.quality, pixels))
  let out: { data: Buffer; info: OutputInfo }
  const started = performance.now()
  try {
    const encoding = p.toBuffer({ resolveWithObject: true })
    libvips.push(encoding.catch(() => undefined))
    out = await pastDeadline(encoding, img.timeLimitSeconds)
  } catch (err) {
    throw decodeError(err, img.label, img.timeLimitSeconds, performance.now() - started)
  }
  return { data: out.data, width: out.info.width, height: out.info.pageHeight ?? out.info.height }
}

/**
 * sharp's timeout is only checked when libvips reports progress, and some encoders (libaom,
 * parts of libwebp) report none for seconds at a time: past the limit and a second's grace the
 * job fails anyway. libvips runs on to its end and the memory budget is held until it does.
 */
function pastDeadline<T>(work: Promise<T>, seconds: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(tooSlow(seconds)), seconds * 1000 + 1000)
    work.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}

async function stageVariant(
  spec: VariantSpec,
  encoded: Encoded,
  stagingDir: string,
  signal: AbortSignal | undefined,
): Promise<StagedOutput> {
  // Work abandoned on a cancel may finish later: it must not write into a folder being removed.
  throwIfAborted(signal)
  const ext = EXT_OF[spec.format]
  const file = path.join(stagingDir, `${safeName(spec.name)}.${ext}`)
  await writeAtomic(file, encoded.data)
  return {
    variant: spec.name,
    format: spec.format,
    ext,
    contentType: MIME_OF[spec.format],
    width: encoded.width,
    height: encoded.height,
    bytes: encoded.data.length,
    path: file,
  }
}

function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_-]/g, '-')
  if (!s || s === 'original')
    throw new UpshotError('CONFIG', `The variant name "${name}" cannot be used; rename it.`)
  return s
}

/** The longest side a variant asks for (0 when every variant keeps the source's size). */
function largestSide(preset: Preset): number {
  return Math.max(0, ...preset.variants.map((v) => Math.max(v.width ?? 0, v.height ?? 0)))
}

export async function makeOutputs(
  snapshot: SourceSnapshot,
  opts: MakeOutputsOptions,
): Promise<StagedOutput[]> {
  throwIfAborted(opts.signal)
  if (snapshot.type.kind !== 'image') {
    // Uploaded from the source itself: the upload verifies it against the snapshot's hash.
    return [
      {
        variant: 'original',
        format: snapshot.type.format,
        ext: snapshot.type.ext,
        contentType: snapshot.type.mime,
        width: null,
        height: null,
        bytes: snapshot.size,
        path: snapshot.path,
      },
    ]
  }
  const decode: DecodeOptions = {
    limitInputPixels: opts.limitInputPixels,
    animate: opts.preset.variants.some((v) => v.format === 'webp'),
    largestSide: largestSide(opts.preset),
    ...(opts.timeLimitSeconds ? { timeLimitSeconds: opts.timeLimitSeconds } : {}),
    ...(opts.svgLimits ? { svgLimits: opts.svgLimits } : {}),
  }
  const probe = await probeImage(snapshot, decode)
  throwIfAborted(opts.signal)
  const release = opts.admit
    ? await opts.admit(memoryEstimate(probe, snapshot.size), opts.signal)
    : () => undefined
  inFlight++
  const libvips: Promise<unknown>[] = []
  const work = (async () => {
    const img = await openImage(snapshot, probe, decode, opts.signal)
    throwIfAborted(opts.signal)
    return encodeAll(img, opts, libvips)
  })()
  // The memory is given back when libvips is done with the image, not when a cancel or the
  // deadline stops waiting for it: sharp cannot be interrupted except by its own time limit.
  const settle = (): void => {
    void Promise.allSettled(libvips).then(() => {
      inFlight--
      release()
    })
  }
  work.then(settle, settle)
  return abortable(work, opts.signal)
}

let inFlight = 0

/**
 * Images whose decoding or encoding has not settled, including work a cancel stopped waiting
 * for: libvips threads still busy on them keep a process from exiting (see src/cli/stop.ts).
 */
export function imageWorkInFlight(): number {
  return inFlight
}

/** `work`, or CANCELED as soon as `signal` aborts (the work itself runs on, its result unused). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work
  work.catch(() => undefined)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(canceled())
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

async function encodeAll(
  img: OpenedImage,
  opts: MakeOutputsOptions,
  libvips: Promise<unknown>[],
): Promise<StagedOutput[]> {
  // In parallel: libvips spreads each pipeline over the cores, and the small variants finish
  // while the full-size one is still encoding. A source smaller than `overlay` makes `overlay`
  // and `full` identical: such twins are encoded once.
  const encodings = new Map<string, Promise<Encoded>>()
  // Largest first: the full-size encode is the critical path, the small ones fill the other core.
  const bySize = [...opts.preset.variants].sort((a, b) => pixelsOf(img, b) - pixelsOf(img, a))
  for (const v of bySize) {
    const recipe = recipeOf(img, v, opts.preset.watermark)
    if (!encodings.has(recipe)) {
      const encoded = encodeVariant(img, v, opts.preset.watermark, libvips)
      encoded.catch(() => undefined) // awaited below; avoids an unhandled rejection meanwhile
      encodings.set(recipe, encoded)
    }
  }
  const settled = await Promise.allSettled(
    opts.preset.variants.map(async (v) =>
      stageVariant(
        v,
        await encodings.get(recipeOf(img, v, opts.preset.watermark))!,
        opts.stagingDir,
        opts.signal,
      ),
    ),
  )
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) throw failed.reason
  throwIfAborted(opts.signal)
  return settled.map((s) => (s as PromiseFulfilledResult<StagedOutput>).value)
}
