// Custom presets as the settings keep them and the window edits them: variants (one or more
// formats each) and an optional watermark. The main process turns them into engine presets.

export const OUTPUT_FORMATS = ['webp', 'avif', 'jpeg', 'png'] as const
export type OutputFormatName = (typeof OUTPUT_FORMATS)[number]

export const VARIANT_FITS = ['cover', 'inside', 'original'] as const
export type VariantFit = (typeof VARIANT_FITS)[number]

/** The 9-grid, row by row. */
export const WATERMARK_POSITIONS = [
  'top-left',
  'top',
  'top-right',
  'left',
  'centre',
  'right',
  'bottom-left',
  'bottom',
  'bottom-right',
] as const
export type WatermarkPosition = (typeof WATERMARK_POSITIONS)[number]

export interface PresetVariantSettings {
  name: string
  fit: VariantFit
  width: number | null
  height: number | null
  /** One output per format, e.g. AVIF and WebP of the same size for a <picture>. */
  formats: OutputFormatName[]
  /** 1-100 (PNG ignores it). */
  quality: number
}

export interface WatermarkSettings {
  kind: 'text' | 'image'
  text: string
  /**
   * The image (kind image): in a saved preset, the core's copy in the data directory; from the
   * window, that path again or the token chooseWatermarkImage gave for a new image.
   */
  imagePath: string
  position: WatermarkPosition
  /** 0-1 */
  opacity: number
  /** The mark's width as a share of the variant's width, 0.02-1. */
  size: number
  /** Distance from the edges as a share of the variant's width, 0-0.25. */
  margin: number
  /** Variants narrower than this (in px) stay unmarked. */
  minWidth: number
}

export interface CustomPresetSettings {
  name: string
  variants: PresetVariantSettings[]
  watermark: WatermarkSettings | null
}

export const DEFAULT_WATERMARK: WatermarkSettings = {
  kind: 'text',
  text: '',
  imagePath: '',
  position: 'bottom-right',
  opacity: 0.7,
  size: 0.25,
  margin: 0.03,
  minWidth: 640,
}

/** What one photo becomes under a preset, for the preview in the settings. */
export interface PresetPreview {
  preset: string
  /** The photo's file name. */
  source: string
  variants: {
    name: string
    format: string
    width: number | null
    height: number | null
    bytes: number
    /** Whether the watermark was drawn on this variant. */
    marked: boolean
    /** A small data: URL of the variant as it came out (scaled down for the window). */
    url: string | null
  }[]
}
