import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { UpshotError } from '../shared/jobs'
import type { OutputFormat, Preset, VariantSpec, Watermark } from './types'

/**
 * The default preset, after the seed design: four WebP variants at quality 80, which names a look
 * (what libwebp's defaults give at 80: ImageMagick's `-quality 80`), reached per size with the
 * encoder settings of pipeline/encoder.ts.
 */
export const WEB_PRESET: Preset = {
  name: 'web',
  variants: [
    {
      name: 'thumb',
      fit: 'cover',
      width: 320,
      height: 180,
      position: 'attention',
      format: 'webp',
      quality: 80,
    },
    {
      name: 'preview',
      fit: 'cover',
      width: 640,
      height: 360,
      position: 'attention',
      format: 'webp',
      quality: 80,
    },
    { name: 'overlay', fit: 'inside', width: 1280, height: 720, format: 'webp', quality: 80 },
    { name: 'full', fit: 'original', format: 'webp', quality: 80 },
  ],
}

function sameSizes(name: string, format: OutputFormat, quality: number): Preset {
  return { name, variants: WEB_PRESET.variants.map((v) => ({ ...v, format, quality })) }
}

/**
 * libaom quality per variant that reaches the `web` preset's look (butteraugli and DSSIM against
 * the reference, tuning corpus; docs/BENCHMARKS.md): small pictures need a higher AVIF quality
 * than large ones for the same look. Quality 50 everywhere, as before, looked visibly worse than
 * `web` on thumbnails (DSSIM 1.4-2.3x).
 */
const AVIF_LOOK_OF_WEB: Record<string, number> = { thumb: 67, preview: 67, overlay: 63, full: 55 }

const PRESETS: readonly Preset[] = [
  WEB_PRESET,
  {
    name: 'web-avif',
    variants: WEB_PRESET.variants.map((v) => ({
      ...v,
      format: 'avif',
      quality: AVIF_LOOK_OF_WEB[v.name]!,
    })),
  },
  // For places that cannot show WebP; encoded with mozjpeg.
  sameSizes('jpeg', 'jpeg', 82),
  // Lossless, for screenshots and diagrams; quality is unused.
  sameSizes('png', 'png', 100),
  // Keys name a variant's format, so the source's own format cannot be kept: `original` is one
  // full-size variant, metadata stripped, in near-lossless-looking WebP.
  { name: 'original', variants: [{ name: 'full', fit: 'original', format: 'webp', quality: 90 }] },
]

export const PRESET_NAMES: readonly string[] = PRESETS.map((p) => p.name)

export const DEFAULT_PRESET = WEB_PRESET.name

/** A built-in preset, or one of `custom` (the app's own presets) by its name. */
export function getPreset(name: string, custom: readonly Preset[] = []): Preset {
  const preset = custom.find((p) => p.name === name) ?? PRESETS.find((p) => p.name === name)
  if (!preset)
    throw new UpshotError(
      'CONFIG',
      `There is no preset named "${name}"; use one of: ${[...PRESET_NAMES, ...custom.map((p) => p.name)].join(', ')}.`,
    )
  return preset
}

/**
 * Bump only when outputs made before are wrong in a way users would want fixed (not upright,
 * metadata left in, wrong colours): every file of every synced folder is then processed and
 * uploaded again. Encoder tuning that keeps the preset's sizes, formats and quality (effort,
 * chroma choice, the per-size calibration in pipeline/encoder.ts) does not bump it: older outputs
 * keep the look the preset names, stay valid and are reused. A changed quality (a new look)
 * changes the fingerprint by itself.
 */
export const PIPELINE_VERSION = 1

function canonicalVariant(v: VariantSpec): unknown[] {
  // An array in a fixed order: independent of key order in the object literal.
  return [
    v.name,
    v.fit,
    v.width ?? null,
    v.height ?? null,
    v.fit === 'cover' ? (v.position ?? 'centre') : null,
    v.format,
    v.quality,
  ]
}

/** A stable hash of what a preset produces (not of its name): 16 hex characters. */
export function presetFingerprint(preset: Preset): string {
  const parts: unknown[] = [PIPELINE_VERSION, preset.variants.map(canonicalVariant)]
  // Only presets with a mark carry it: the built-in presets keep the fingerprints they had.
  if (preset.watermark) parts.push(canonicalWatermark(preset.watermark))
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16)
}

function canonicalWatermark(w: Watermark): unknown[] {
  return [
    w.imagePath ? null : (w.text ?? '').trim(),
    // The image's content, not its path: a replaced logo makes new variants.
    w.imagePath ? fileDigest(w.imagePath) : null,
    w.position,
    w.opacity,
    w.size,
    w.margin,
    w.minWidth ?? 640,
  ]
}

function fileDigest(file: string): string {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  } catch {
    return `unreadable:${file}`
  }
}

/**
 * Keys name the content and the variant, not the recipe: a custom or watermarked preset's
 * objects get a tag from its fingerprint so they never overwrite (immutable, cached) objects
 * another preset made for the same photo.
 */
export function presetKeyTag(preset: Preset): string | undefined {
  return preset.custom || preset.watermark ? presetFingerprint(preset).slice(0, 8) : undefined
}
