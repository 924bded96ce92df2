// Watermarks, checked on pixels: the same photo through the same preset with and without a mark
// differs inside the mark's corner and (within encoder tolerance) nowhere else; thumbnails and
// variants under the minimum width stay untouched; the mark changes the preset's fingerprint
// and its keys, so a marked variant never reuses or overwrites an unmarked object.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKey } from '../../src/engine/keys'
import { makeOutputs, snapshotSource, watermarkBox } from '../../src/engine/pipeline'
import { getPreset, presetFingerprint, presetKeyTag, WEB_PRESET } from '../../src/engine/presets'
import type { Preset, StagedOutput, Watermark } from '../../src/engine/types'
import { CORPUS } from '../helpers/fixtures'

const PHOTO = path.join(CORPUS, 'bench/exif-samples__jpg_hdr_canon_hdr_NO.jpg')
const LOGO = path.join(CORPUS, 'sharp__with-alpha.png')

let work: string
let n = 0
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-watermark-'))
})
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

/** PNG variants: lossless, so "the rest matches" can be checked tightly. */
const PLAIN: Preset = {
  name: 'plain',
  custom: true,
  variants: [
    { name: 'thumb', fit: 'cover', width: 320, height: 180, format: 'png', quality: 100 },
    { name: 'small', fit: 'inside', width: 600, height: 600, format: 'png', quality: 100 },
    { name: 'large', fit: 'inside', width: 1200, height: 1200, format: 'png', quality: 100 },
  ],
}
const TEXT: Watermark = {
  text: '© Upshot',
  position: 'bottom-right',
  opacity: 0.8,
  size: 0.3,
  margin: 0.03,
}

async function run(preset: Preset): Promise<Record<string, StagedOutput>> {
  const dir = path.join(work, `job-${++n}`)
  fs.mkdirSync(dir)
  const snap = await snapshotSource(PHOTO, { stagingDir: dir, maxFileBytes: 1024 ** 3 })
  const outs = await makeOutputs(snap, {
    displayName: 'photo.jpg',
    preset,
    stagingDir: dir,
    limitInputPixels: 268_402_689,
  })
  return Object.fromEntries(outs.map((o) => [o.variant, o]))
}

async function pixels(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** The bounding box of the pixels that differ by more than `threshold` in any channel. */
async function difference(
  a: string,
  b: string,
  threshold = 3,
): Promise<{ count: number; box: { x0: number; y0: number; x1: number; y1: number } | null }> {
  const [pa, pb] = await Promise.all([pixels(a), pixels(b)])
  expect([pb.width, pb.height]).toEqual([pa.width, pa.height])
  let count = 0
  let box: { x0: number; y0: number; x1: number; y1: number } | null = null
  for (let i = 0; i < pa.data.length; i += 3) {
    const d = Math.max(
      Math.abs(pa.data[i]! - pb.data[i]!),
      Math.abs(pa.data[i + 1]! - pb.data[i + 1]!),
      Math.abs(pa.data[i + 2]! - pb.data[i + 2]!),
    )
    if (d <= threshold) continue
    count++
    const x = (i / 3) % pa.width
    const y = Math.floor(i / 3 / pa.width)
    box = box
      ? {
          x0: Math.min(box.x0, x),
          y0: Math.min(box.y0, y),
          x1: Math.max(box.x1, x),
          y1: Math.max(box.y1, y),
        }
      : { x0: x, y0: y, x1: x, y1: y }
  }
  return { count, box }
}

describe('watermarks', () => {
  it('marks the bottom-right corner of large variants with the text and leaves the rest', async () => {
    const plain = await run(PLAIN)
    const marked = await run({ ...PLAIN, name: 'marked', watermark: TEXT })
    const large = plain.large!
    expect([marked.large!.width, marked.large!.height]).toEqual([large.width, large.height])

    const diff = await difference(large.path, marked.large!.path)
    const w = large.width!
    const h = large.height!
    const margin = Math.round(TEXT.margin * w)
    // Text was drawn: a fair share of the mark's area changed...
    expect(diff.count).toBeGreaterThan(0.02 * (TEXT.size * w) * (0.05 * w))
    // ...and only inside the corner the mark may occupy (width share + margin from the edges).
    expect(diff.box).not.toBeNull()
    expect(diff.box!.x0).toBeGreaterThanOrEqual(w - margin - Math.round(TEXT.size * w))
    expect(diff.box!.x1).toBeLessThan(w - margin)
    expect(diff.box!.y1).toBeLessThan(h - margin)
    expect(diff.box!.y0).toBeGreaterThan(h / 2)
  })

  it('never marks thumbnails or variants under the minimum width', async () => {
    const plain = await run(PLAIN)
    const marked = await run({ ...PLAIN, name: 'marked', watermark: TEXT })
    for (const name of ['thumb', 'small']) {
      expect((await difference(plain[name]!.path, marked[name]!.path, 0)).count, name).toBe(0)
    }
    // Lowering the minimum marks the 450 px wide variant too, never the 320 px thumbnail.
    const low = await run({ ...PLAIN, name: 'low', watermark: { ...TEXT, minWidth: 400 } })
    expect((await difference(plain.small!.path, low.small!.path)).count).toBeGreaterThan(100)
    expect((await difference(plain.thumb!.path, low.thumb!.path, 0)).count).toBe(0)
  })

  it('draws an image mark where the 9-grid says, faded by its opacity', async () => {
    const plain = await run(PLAIN)
    const strong = await run({
      ...PLAIN,
      name: 'logo',
      watermark: { imagePath: LOGO, position: 'top-left', opacity: 1, size: 0.2, margin: 0.02 },
    })
    const faint = await run({
      ...PLAIN,
      name: 'faint',
      watermark: { imagePath: LOGO, position: 'top-left', opacity: 0.2, size: 0.2, margin: 0.02 },
    })
    const w = plain.large!.width!
    const h = plain.large!.height!
    const margin = Math.round(0.02 * w)
    const d = await difference(plain.large!.path, strong.large!.path)
    expect(d.box!.x0).toBeGreaterThanOrEqual(margin)
    expect(d.box!.y0).toBeGreaterThanOrEqual(margin)
    expect(d.box!.x1).toBeLessThanOrEqual(margin + Math.round(0.2 * w))
    expect(d.box!.y1).toBeLessThan(h / 2)

    // The same pixels change less at opacity 0.2: compare the mean change over the mark's box.
    const meanChange = async (file: string): Promise<number> => {
      const [a, b] = await Promise.all([pixels(plain.large!.path), pixels(file)])
      let sum = 0
      let count = 0
      for (let y = d.box!.y0; y <= d.box!.y1; y++)
        for (let x = d.box!.x0; x <= d.box!.x1; x++)
          for (let c = 0; c < 3; c++) {
            const i = (y * a.width + x) * 3 + c
            sum += Math.abs(a.data[i]! - b.data[i]!)
            count++
          }
      return sum / count
    }
    const strongMean = await meanChange(strong.large!.path)
    const faintMean = await meanChange(faint.large!.path)
    expect(faintMean).toBeGreaterThan(0)
    expect(faintMean).toBeLessThan(strongMean * 0.4)
  })

  it('draws an SVG logo through the sanitiser and the renderer process', async () => {
    const logo = path.join(work, 'logo.png') // named like a PNG: the bytes decide
    fs.writeFileSync(
      logo,
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script>' +
        '<rect width="10" height="10" fill="#00f"/></svg>',
    )
    const marked = await run({
      ...PLAIN,
      name: 'svg-logo',
      watermark: { imagePath: logo, position: 'top-left', opacity: 1, size: 0.2, margin: 0.02 },
    })
    const { data, width } = await pixels(marked.large!.path)
    // The middle of the mark's box is the logo's blue.
    const at = Math.round(0.02 * width + 0.1 * width)
    const i = (at * width + at) * 3
    expect([data[i], data[i + 1], data[i + 2]]).toEqual([0, 0, 255])
  })

  it('places the mark on the 9-grid within the margins', () => {
    const image = { width: 1000, height: 600 }
    const mark = { width: 200, height: 50 }
    const at = (position: Watermark['position']) =>
      watermarkBox({ position, margin: 0.02 }, image, mark)
    expect(at('top-left')).toMatchObject({ left: 20, top: 20 })
    expect(at('top')).toMatchObject({ left: 400, top: 20 })
    expect(at('right')).toMatchObject({ left: 780, top: 275 })
    expect(at('centre')).toMatchObject({ left: 400, top: 275 })
    expect(at('bottom-left')).toMatchObject({ left: 20, top: 530 })
    expect(at('bottom-right')).toMatchObject({ left: 780, top: 530 })
  })

  it('is part of the fingerprint and the keys, so marked objects never stand in for plain ones', () => {
    const marked: Preset = { ...PLAIN, watermark: TEXT }
    const fps = new Set([
      presetFingerprint(PLAIN),
      presetFingerprint(marked),
      presetFingerprint({ ...PLAIN, watermark: { ...TEXT, opacity: 0.5 } }),
      presetFingerprint({ ...PLAIN, watermark: { ...TEXT, text: '© Someone else' } }),
      presetFingerprint({ ...PLAIN, watermark: { ...TEXT, position: 'top-left' } }),
    ])
    expect(fps.size).toBe(5)
    // The built-in presets keep their fingerprints and their plain keys.
    expect(presetFingerprint(getPreset('web'))).toBe(presetFingerprint(WEB_PRESET))
    expect(presetKeyTag(WEB_PRESET)).toBeUndefined()
    expect(presetKeyTag({ ...WEB_PRESET, watermark: TEXT })).toBe(
      presetFingerprint({ ...WEB_PRESET, watermark: TEXT }).slice(0, 8),
    )
    const parts = {
      prefix: 'blog',
      sha256: 'ab'.repeat(32),
      stem: 'photo',
      variant: 'full',
      ext: 'webp',
    }
    expect(buildKey(parts)).toBe('blog/abababababababab/photo-full.webp')
    expect(buildKey({ ...parts, tag: presetKeyTag(marked)! })).toBe(
      `blog/abababababababab/photo-full-${presetKeyTag(marked)}.webp`,
    )
    // A custom preset is looked up among the user's own.
    expect(getPreset('marked', [{ ...marked, name: 'marked' }]).watermark).toEqual(TEXT)
  })
})
