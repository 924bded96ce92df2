// The encoder settings keep each preset's look: every variant of real photos scores, against the
// benchmarks' reference, no worse than libwebp's own defaults at the preset's quality (method 4,
// what ImageMagick's `-quality 80` writes) on the same pixels; the AVIF preset reaches the WebP
// preset's look. Scores are DSSIM (ssim.js); bytes and time are the benchmarks' business.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeOutputs, snapshotSource } from '../../src/engine/pipeline'
import { encoderSettings } from '../../src/engine/pipeline/encoder'
import { getPreset, presetFingerprint } from '../../src/engine/presets'
import type { Preset, StagedOutput, VariantSpec } from '../../src/engine/types'
import { CORPUS } from '../helpers/fixtures'
import { decodeRgb, dssim, referenceFor, type Rgb } from '../helpers/quality'

const PHOTOS = [
  // 2048x1536 stored, EXIF-rotated to portrait: the reference must be upright too.
  'bench/exif-samples__jpg_hdr_canon_hdr_NO.jpg',
  'bench/exif-samples__jpg_hdr_iphone_hdr_YES.jpg',
]
/** How much worse than libwebp's defaults one photo's variant may score (DSSIM ratio). */
const PER_PHOTO = 1.12

let work: string
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-encoder-'))
})
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true })
})

let n = 0
async function variantsOf(file: string, preset: Preset): Promise<StagedOutput[]> {
  const dir = path.join(work, `job-${++n}`)
  fs.mkdirSync(dir)
  const snap = await snapshotSource(file, { stagingDir: dir, maxFileBytes: 1024 ** 3 })
  return makeOutputs(snap, {
    displayName: path.basename(file),
    preset,
    stagingDir: dir,
    limitInputPixels: 268_402_689,
  })
}

/** libwebp's defaults at the preset's quality on exactly the pixels Upshot encoded. */
async function libwebpDefaults(file: string, v: VariantSpec, out: StagedOutput): Promise<Rgb> {
  let p = sharp(file, { autoOrient: true })
  if (v.fit === 'cover') {
    p = p.resize(out.width!, out.height!, { fit: 'cover', position: v.position ?? 'centre' })
  } else if (v.fit === 'inside') {
    p = p.resize(out.width!, out.height!, { fit: 'fill' })
  }
  return decodeRgb(await p.toColourspace('srgb').webp({ quality: v.quality, effort: 4 }).toBuffer())
}

describe('encoder settings chosen by measured quality', () => {
  it('every web variant of real photos looks at least as good as libwebp defaults at quality 80', async () => {
    const preset = getPreset('web')
    const ratios: number[] = []
    for (const name of PHOTOS) {
      const file = path.join(CORPUS, name)
      const src = await decodeRgb(file)
      const outs = await variantsOf(file, preset)
      for (const v of preset.variants) {
        const o = outs.find((x) => x.variant === v.name)!
        expect(o.format).toBe('webp')
        const out = await decodeRgb(o.path)
        expect([out.width, out.height]).toEqual([o.width, o.height])
        const ref = await referenceFor(src, out, v.fit === 'cover')
        const ours = dssim(ref, out)
        const theirs = dssim(ref, await libwebpDefaults(file, v, o))
        expect(ours, `${name} ${v.name}: DSSIM ${ours} vs ${theirs}`).toBeLessThanOrEqual(
          theirs * PER_PHOTO,
        )
        ratios.push(ours / theirs)
      }
    }
    // Over the photos and variants, the look is libwebp's own or better.
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length
    expect(mean).toBeLessThanOrEqual(1.02)
  }, 120_000)

  it('the AVIF preset reaches the WebP preset’s look', async () => {
    const web = getPreset('web')
    const avif = getPreset('web-avif')
    const file = path.join(CORPUS, PHOTOS[0])
    const src = await decodeRgb(file)
    const [w, a] = [await variantsOf(file, web), await variantsOf(file, avif)]
    const ratios: number[] = []
    for (const v of web.variants) {
      const wo = w.find((x) => x.variant === v.name)!
      const ao = a.find((x) => x.variant === v.name)!
      expect(ao.format).toBe('avif')
      expect([ao.width, ao.height]).toEqual([wo.width, wo.height])
      const wImg = await decodeRgb(wo.path)
      const aImg = await decodeRgb(ao.path)
      const ref = await referenceFor(src, wImg, v.fit === 'cover')
      ratios.push(dssim(ref, aImg) / dssim(ref, wImg))
    }
    const mean = ratios.reduce((x, y) => x + y, 0) / ratios.length
    expect(mean, ratios.join(', ')).toBeLessThanOrEqual(1.1)
  }, 120_000)

  it('encodes small pictures with libwebp defaults, full sizes with a cheaper method at a higher quality', () => {
    const thumb = encoderSettings('webp', 80, 320 * 180)
    const full = encoderSettings('webp', 80, 3264 * 2448)
    expect([thumb.effort, thumb.quality]).toEqual([4, 80])
    expect(full.effort).toBeLessThan(thumb.effort)
    // The cheaper method gets a higher libwebp quality to keep the look.
    expect(full.quality).toBeGreaterThan(80)
    expect(encoderSettings('webp', 100, 3264 * 2448).quality).toBe(100)
    expect(encoderSettings('jpeg', 82, 3264 * 2448).quality).toBe(82)
  })

  it('keeps the web preset’s fingerprint: outputs made before stay valid and are reused', () => {
    // Encoder tuning that keeps sizes, formats and the look does not re-upload synced folders.
    expect(presetFingerprint(getPreset('web'))).toBe(WEB_FINGERPRINT)
  })
})

// presetFingerprint(WEB_PRESET) before issue 18's encoder work (commit 1b16b1e).
const WEB_FINGERPRINT = 'd1dda24489ddab7f'
