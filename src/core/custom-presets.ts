// The user's own presets: the schema the settings keep them in (checked on every save, with one
// sentence for the first problem), and their translation into engine presets.

import path from 'node:path'
import { z } from 'zod'
import { UpshotError } from '../shared/jobs'
import {
  OUTPUT_FORMATS,
  VARIANT_FITS,
  WATERMARK_POSITIONS,
  type CustomPresetSettings,
} from '../shared/presets'
import { PRESET_NAMES } from '../engine/presets'
import type { Preset, VariantSpec } from '../engine/types'
import { isFile } from './fs-probe'

const size = z.number().int().min(16).max(10_000).nullable()

export const variantSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,30}$/i, 'use letters, digits, - and _ (up to 31)')
      .refine((n) => n !== 'original', '"original" is reserved for files kept as they are'),
    fit: z.enum(VARIANT_FITS),
    width: size,
    height: size,
    formats: z
      .array(z.enum(OUTPUT_FORMATS))
      .min(1, 'choose at least one format')
      .max(OUTPUT_FORMATS.length)
      .refine((f) => new Set(f).size === f.length, 'each format once'),
    quality: z.number().int().min(1).max(100),
  })
  .superRefine((v, ctx) => {
    if (v.fit === 'cover' && (v.width === null || v.height === null))
      ctx.addIssue({ code: 'custom', message: 'a cropped variant needs a width and a height' })
    if (v.fit === 'inside' && v.width === null && v.height === null)
      ctx.addIssue({
        code: 'custom',
        message: 'a variant that fits in a box needs a width or height',
      })
  })

export const watermarkSchema = z
  .strictObject({
    kind: z.enum(['text', 'image']),
    text: z.string().max(100),
    imagePath: z.string().max(4096),
    position: z.enum(WATERMARK_POSITIONS),
    opacity: z.number().min(0).max(1),
    size: z.number().min(0.02).max(1),
    margin: z.number().min(0).max(0.25),
    minWidth: z.number().int().min(0).max(10_000),
  })
  .superRefine((w, ctx) => {
    if (w.kind === 'text' && !w.text.trim())
      ctx.addIssue({ code: 'custom', message: 'a text watermark needs its text' })
    if (w.kind === 'image' && !path.isAbsolute(w.imagePath))
      ctx.addIssue({ code: 'custom', message: 'choose the watermark image' })
  })

export const customPresetSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$/, 'use letters, digits, spaces, - and _ (up to 40)')
      .refine((n) => !PRESET_NAMES.includes(n), 'that name belongs to a built-in preset'),
    variants: z.array(variantSchema).min(1, 'add at least one variant').max(12),
    watermark: watermarkSchema.nullable(),
  })
  .superRefine((p, ctx) => {
    const names = p.variants.map((v) => v.name)
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: 'custom', message: 'each variant needs a name of its own' })
  })

/** Parses a preset from the window; CONFIG with one sentence when something is off. */
export function parseCustomPreset(input: unknown): CustomPresetSettings {
  const parsed = customPresetSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = describePath(issue?.path ?? [])
    throw new UpshotError(
      'CONFIG',
      `The preset is not valid: ${where}${issue?.message ?? 'unknown problem'}.`,
    )
  }
  const p = parsed.data
  if (p.watermark?.kind === 'image' && !isFile(p.watermark.imagePath)) {
    throw new UpshotError(
      'CONFIG',
      `The watermark image ${p.watermark.imagePath} is not there; choose it again.`,
    )
  }
  return p
}

function describePath(at: readonly PropertyKey[]): string {
  if (at[0] === 'variants' && typeof at[1] === 'number') {
    const field = at[2] === undefined ? '' : ` ${String(at[2])}`
    return `variant ${at[1] + 1}${field}: `
  }
  if (at[0] === 'watermark') return `watermark${at[1] === undefined ? '' : ` ${String(at[1])}`}: `
  return at[0] === undefined ? '' : `${String(at[0])}: `
}

/** The engine's preset: one variant per format; text or image mark with the settings' geometry. */
export function toEnginePreset(p: CustomPresetSettings): Preset {
  const variants: VariantSpec[] = p.variants.flatMap((v) =>
    v.formats.map((format): VariantSpec => ({
      name: v.name,
      fit: v.fit,
      ...(v.fit !== 'original' && v.width !== null ? { width: v.width } : {}),
      ...(v.fit !== 'original' && v.height !== null ? { height: v.height } : {}),
      ...(v.fit === 'cover' ? { position: 'attention' as const } : {}),
      format,
      quality: v.quality,
    })),
  )
  const w = p.watermark
  return {
    name: p.name,
    custom: true,
    variants,
    ...(w
      ? {
          watermark: {
            ...(w.kind === 'text' ? { text: w.text.trim() } : { imagePath: w.imagePath }),
            position: w.position,
            opacity: w.opacity,
            size: w.size,
            margin: w.margin,
            minWidth: w.minWidth,
          },
        }
      : {}),
  }
}
