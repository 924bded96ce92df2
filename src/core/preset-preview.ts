// What one photo becomes under a preset, for the settings' preview: the real pipeline (decode,
// variants, watermark) into a temporary folder, then each output scaled down to a small WebP
// data: URL. Nothing is uploaded or recorded; the folder is removed afterwards.

import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import type { PresetPreview } from '../shared/presets'
import { makeOutputs, snapshotSource, watermarkApplies } from '../engine/pipeline'
import type { Preset } from '../engine/types'

/** Wide enough to see a watermark, small enough to keep the message light. */
const PREVIEW_WIDTH = 480

export async function previewPreset(
  file: string,
  preset: Preset,
  tempRoot: string,
): Promise<PresetPreview> {
  const dir = path.join(tempRoot, randomUUID())
  fs.mkdirSync(dir, { recursive: true })
  try {
    const snap = await snapshotSource(file, { stagingDir: dir, maxFileBytes: 1024 ** 3 })
    const outputs = await makeOutputs(snap, {
      displayName: path.basename(file),
      preset,
      stagingDir: dir,
      limitInputPixels: 268_402_689,
    })
    const variants: PresetPreview['variants'] = []
    for (const o of outputs) {
      let url: string | null = null
      try {
        // Only the variants Upshot encoded: a file kept as it is goes nowhere near a decoder
        // (libvips would guess its type from its bytes, SVG included, and draw it unsanitised).
        if (o.width === null) throw new Error('not an image')
        const small = await sharp(o.path, { animated: false })
          .resize({
            width: PREVIEW_WIDTH,
            height: PREVIEW_WIDTH,
            fit: 'inside',
            withoutEnlargement: true,
          })
          .webp({ quality: 70 })
          .toBuffer()
        url = `data:image/webp;base64,${small.toString('base64')}`
      } catch {
        url = null // not an image (a file kept as it is): sizes only
      }
      variants.push({
        name: o.variant,
        format: o.format,
        width: o.width,
        height: o.height,
        bytes: o.bytes,
        marked:
          o.width !== null &&
          snap.type.kind === 'image' &&
          watermarkApplies(preset.watermark, o.width),
        url,
      })
    }
    return { preset: preset.name, source: path.basename(file), variants }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
