import { execFileSync } from 'node:child_process'
import crypto, { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import sharp, { type Sharp } from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UpshotError, type ErrorCode } from '../../src/shared/jobs'
import { makeOutputs, snapshotSource } from '../../src/engine/pipeline'
import { noteReadTime, smallReadsAreSync } from '../../src/engine/pipeline/source'
import { getPreset, presetFingerprint, WEB_PRESET } from '../../src/engine/presets'
import type { Preset, StagedOutput, VariantSpec } from '../../src/engine/types'
import { CORPUS } from '../helpers/fixtures'

const corpus = (name: string): string => path.join(CORPUS, name)
const EXIFTOOL = fs.existsSync('/usr/bin/exiftool') ? '/usr/bin/exiftool' : null
const LIMIT = 268_402_689

let work: string
let n = 0
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-pipeline-'))
})
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true })
})

function stagingDir(): string {
  const dir = path.join(work, `job-${++n}`)
  fs.mkdirSync(dir)
  return dir
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

async function run(
  file: string,
  preset: Preset = WEB_PRESET,
  limitInputPixels = LIMIT,
): Promise<StagedOutput[]> {
  const dir = stagingDir()
  const snap = await snapshotSource(file, { stagingDir: dir, maxFileBytes: 1024 ** 3 })
  return makeOutputs(snap, {
    displayName: path.basename(file),
    preset,
    stagingDir: dir,
    limitInputPixels,
  })
}

function byName(outputs: StagedOutput[]): Record<string, StagedOutput> {
  return Object.fromEntries(outputs.map((o) => [o.variant, o]))
}

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<UpshotError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UpshotError)
  expect((err as UpshotError).code).toBe(code)
  // One plain sentence, no libvips text.
  expect((err as UpshotError).message).not.toMatch(/vips|\n|at .*\(/i)
  return err as UpshotError
}

function onePreset(spec: Partial<VariantSpec> & Pick<VariantSpec, 'fit'>): Preset {
  return { name: 'test', variants: [{ name: 'v', format: 'webp', quality: 80, ...spec }] }
}

describe('variants of photos', () => {
  it('makes the four web variants of a big photo, written where it says, sized right', async () => {
    const outs = byName(await run(corpus('exif-samples__jpg_mobile_jolla.jpg')))
    expect(Object.keys(outs).sort()).toEqual(['full', 'overlay', 'preview', 'thumb'])
    for (const o of Object.values(outs)) {
      const meta = await sharp(o.path).metadata()
      expect(meta.format).toBe('webp')
      expect([meta.width, meta.height]).toEqual([o.width, o.height])
      expect(fs.statSync(o.path).size).toBe(o.bytes)
      expect(o.contentType).toBe('image/webp')
      expect(path.basename(o.path)).toBe(`${o.variant}.webp`)
    }
    expect([outs.thumb!.width, outs.thumb!.height]).toEqual([320, 180])
    expect([outs.preview!.width, outs.preview!.height]).toEqual([640, 360])
    expect([outs.overlay!.width, outs.overlay!.height]).toEqual([960, 720])
    expect([outs.full!.width, outs.full!.height]).toEqual([3264, 2448])
    // No temp files are left behind.
    expect(
      fs.readdirSync(path.dirname(outs.full!.path)).filter((f) => f.includes('partial')),
    ).toEqual([])
  })

  it('never enlarges a 100x68 photo: the thumb is the largest 16:9 crop, 100x56', async () => {
    const outs = byName(await run(corpus('exif-samples__jpg_Canon_40D.jpg')))
    expect([outs.thumb!.width, outs.thumb!.height]).toEqual([100, 56])
    expect([outs.preview!.width, outs.preview!.height]).toEqual([100, 56])
    expect([outs.overlay!.width, outs.overlay!.height]).toEqual([100, 68])
    expect([outs.full!.width, outs.full!.height]).toEqual([100, 68])
    const meta = await sharp(outs.thumb!.path).metadata()
    expect([meta.width, meta.height]).toEqual([100, 56])
    // overlay and full have the same recipe here: one encoding, two complete files.
    expect(outs.overlay!.path).not.toBe(outs.full!.path)
    expect(fs.readFileSync(outs.overlay!.path).equals(fs.readFileSync(outs.full!.path))).toBe(true)
  })

  it('turns EXIF-rotated photos upright (orientation 6 and 3)', async () => {
    const land6 = byName(await run(corpus('exif-samples__jpg_orientation_landscape_6.jpg')))
    // Stored 450x600 with orientation 6: shown 600x450.
    expect([land6.full!.width, land6.full!.height]).toEqual([600, 450])
    const port6 = byName(await run(corpus('exif-samples__jpg_orientation_portrait_6.jpg')))
    expect([port6.full!.width, port6.full!.height]).toEqual([450, 600])
    expect([port6.overlay!.width, port6.overlay!.height]).toEqual([450, 600])

    // Orientation 3 keeps its size, so compare pixels with sharp's own rotation of the source.
    const src = corpus('exif-samples__jpg_orientation_landscape_3.jpg')
    const land3 = byName(await run(src))
    expect([land3.full!.width, land3.full!.height]).toEqual([600, 450])
    const rowMeans = async (input: Sharp): Promise<[number, number]> => {
      const { data, info } = await input
        .resize(600, 450, { fit: 'fill' })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true })
      const mean = (rows: number[]): number => {
        let s = 0
        for (const y of rows) for (let x = 0; x < info.width; x++) s += data[y * info.width + x]!
        return s / (rows.length * info.width)
      }
      const top = Array.from({ length: 40 }, (_, i) => i)
      const bottom = top.map((i) => info.height - 1 - i)
      return [mean(top), mean(bottom)]
    }
    const expected = await rowMeans(sharp(src).rotate(180))
    const unrotated = await rowMeans(sharp(src, { autoOrient: false }))
    const got = await rowMeans(sharp(land3.full!.path))
    // The photo's top and bottom differ; ours matches the rotated version, not the stored one.
    expect(Math.abs(expected[0] - expected[1])).toBeGreaterThan(10)
    expect(Math.abs(got[0] - expected[0])).toBeLessThan(4)
    expect(Math.abs(got[1] - expected[1])).toBeLessThan(4)
    expect(Math.abs(got[0] - unrotated[0])).toBeGreaterThan(10)
  })

  it('strips EXIF and GPS from every output', async () => {
    const src = corpus('exif-samples__jpg_gps_DSCN0010.jpg')
    expect((await sharp(src).metadata()).exif).toBeDefined()
    const outs = await run(src, getPreset('jpeg'))
    for (const o of outs) {
      const meta = await sharp(o.path).metadata()
      expect(meta.exif).toBeUndefined()
      expect(meta.xmp).toBeUndefined()
      expect(meta.iptc).toBeUndefined()
      if (EXIFTOOL) {
        const tags = execFileSync(EXIFTOOL, ['-a', '-G1', '-s', o.path], { encoding: 'utf8' })
        expect(tags).not.toMatch(/GPS/i)
        expect(tags).not.toMatch(/\[EXIF\]/)
      }
    }
    if (EXIFTOOL) {
      const srcTags = execFileSync(EXIFTOOL, ['-a', '-G1', '-s', src], { encoding: 'utf8' })
      expect(srcTags).toMatch(/GPSLatitude/)
    }
  })

  it('keeps alpha in with-alpha.png and outputs 8-bit from a 16-bit PNG', async () => {
    const alpha = byName(await run(corpus('sharp__with-alpha.png')))
    const am = await sharp(alpha.full!.path).metadata()
    expect(am.hasAlpha).toBe(true)
    const { data } = await sharp(alpha.full!.path).extractChannel(3).raw().toBuffer({
      resolveWithObject: true,
    })
    // The source is uniformly 168/255 opaque; the output keeps that translucency.
    expect(Math.min(...data)).toBeGreaterThan(160)
    expect(Math.max(...data)).toBeLessThan(176)

    const png = byName(
      await run(corpus('sharp__Flag_of_the_Netherlands-16bit.png'), getPreset('png')),
    )
    const pm = await sharp(png.full!.path).metadata()
    expect([pm.width, pm.height, pm.depth]).toEqual([900, 600, 'uchar'])
    // Top stripe red, bottom stripe blue.
    const px = await sharp(png.full!.path).raw().toBuffer()
    expect(px[0]).toBeGreaterThan(150)
    expect(px[2]).toBeLessThan(100)
    const last = px.length - 3
    expect(px[last + 2]).toBeGreaterThan(px[last]!)
  })

  it('converts a CMYK JPEG to sRGB', async () => {
    const dir = stagingDir()
    const src = path.join(dir, 'cmyk.jpg')
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff0000' } })
      .toColourspace('cmyk')
      .jpeg()
      .toFile(src)
    expect((await sharp(src).metadata()).space).toBe('cmyk')
    const outs = byName(await run(src, getPreset('jpeg')))
    const meta = await sharp(outs.full!.path).metadata()
    expect(meta.space).toBe('srgb')
    const px = await sharp(outs.full!.path).raw().toBuffer()
    expect(px[0]).toBeGreaterThan(200)
    expect(px[1]).toBeLessThan(60)
  })

  it('renders a Display P3 photo right: converted to sRGB through its ICC profile', async () => {
    const dir = stagingDir()
    const src = path.join(dir, 'p3.jpg')
    await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 100, b: 50 } },
    })
      .withIccProfile('p3')
      .jpeg({ quality: 100 })
      .toFile(src)
    const stored = await sharp(src, { ignoreIcc: true }).raw().toBuffer()
    // The stored numbers are P3 numbers, visibly different from the sRGB colour.
    expect(
      Math.abs(stored[0]! - 200) + Math.abs(stored[1]! - 100) + Math.abs(stored[2]! - 50),
    ).toBeGreaterThan(15)
    const outs = byName(await run(src, getPreset('png')))
    const meta = await sharp(outs.full!.path).metadata()
    expect(meta.icc).toBeUndefined()
    const px = await sharp(outs.full!.path).raw().toBuffer()
    expect(Math.abs(px[0]! - 200)).toBeLessThan(4)
    expect(Math.abs(px[1]! - 100)).toBeLessThan(4)
    expect(Math.abs(px[2]! - 50)).toBeLessThan(4)
  })

  it('flattens alpha on white for JPEG outputs', async () => {
    const outs = byName(await run(corpus('sharp__with-alpha.png'), getPreset('jpeg')))
    const meta = await sharp(outs.full!.path).metadata()
    expect(meta.format).toBe('jpeg')
    expect(meta.channels).toBe(3)
  })
})

describe('special inputs', () => {
  it('keeps all 10 frames, delays and loop of an animated GIF in WebP outputs', async () => {
    const src = corpus('sharp__animated-loop-3.gif')
    const srcMeta = await sharp(src).metadata()
    const outs = byName(await run(src))
    for (const o of Object.values(outs)) {
      const meta = await sharp(o.path, { animated: true }).metadata()
      expect(meta.pages).toBe(10)
      expect(meta.loop).toBe(srcMeta.loop)
      expect(meta.delay).toEqual(srcMeta.delay)
      expect([meta.width, meta.pageHeight]).toEqual([o.width, o.height])
    }
    expect([outs.thumb!.width, outs.thumb!.height]).toEqual([320, 180])
    expect([outs.full!.width, outs.full!.height]).toEqual([370, 285])
    // Formats without animation get the first frame.
    const jpg = byName(await run(src, getPreset('jpeg')))
    const jm = await sharp(jpg.full!.path).metadata()
    expect([jm.width, jm.height, jm.pages ?? 1]).toEqual([370, 285, 1])
  })

  it('rasterises a hostile SVG without its script or the external file', async () => {
    const dir = stagingDir()
    const src = path.join(dir, 'evil.svg')
    fs.writeFileSync(
      src,
      `<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="16" height="8" onload="alert(1)">
  <script>alert(document.cookie)</script>
  <rect width="16" height="8" fill="#00ff00"/>
  <image href="file:///etc/passwd" width="16" height="8"/>
  <image xlink:href="/etc/hostname" width="16" height="8"/>
  <rect width="1" height="1" style="fill:url(file:///etc/passwd)"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
</svg>`,
    )
    const { sanitizeSvg } = await import('../../src/engine/pipeline/svg')
    const clean = sanitizeSvg(fs.readFileSync(src, 'utf8'))
    expect(clean).not.toMatch(/script|foreignObject|onload|file:|\/etc\/|ENTITY|xxe/i)
    expect(clean).toContain('fill="#00ff00"')

    const outs = byName(await run(src))
    // 16x8 nominal: rasterised with its longest side at 2048.
    expect([outs.full!.width, outs.full!.height]).toEqual([2048, 1024])
    expect([outs.thumb!.width, outs.thumb!.height]).toEqual([320, 180])
    const { data, info } = await sharp(outs.overlay!.path)
      .raw()
      .toBuffer({ resolveWithObject: true })
    // Solid green all over: nothing was drawn from the external files.
    for (let i = 0; i < data.length; i += info.channels * 97) {
      expect(data[i]).toBeLessThan(16)
      expect(data[i + 1]).toBeGreaterThan(240)
      expect(data[i + 2]).toBeLessThan(16)
    }
  })

  it('rasterises the corpus circle.svg (8x8 nominal) at a useful size with alpha', async () => {
    const outs = byName(await run(corpus('sharp__circle.svg')))
    expect([outs.full!.width, outs.full!.height]).toEqual([2048, 2048])
    expect((await sharp(outs.full!.path).metadata()).hasAlpha).toBe(true)
  })

  it('decodes HEVC HEIC through the WASM decoder', async () => {
    const src = corpus('exif-samples__heic_samplefilehub.heif')
    const outs = byName(await run(src))
    const meta = await sharp(outs.full!.path).metadata()
    expect([meta.width, meta.height]).toEqual([640, 426])
    expect(meta.hasAlpha).toBe(false)
    expect([outs.thumb!.width, outs.thumb!.height]).toEqual([320, 180])
    // Real picture content, not a blank frame.
    const stats = await sharp(outs.full!.path).stats()
    expect(stats.channels[0]!.stdev).toBeGreaterThan(10)
  })

  it('fails a truncated JPEG with CORRUPT_IMAGE', async () => {
    await expectCode(run(corpus('sharp__truncated.jpg')), 'CORRUPT_IMAGE')
  })

  it('refuses a pixel bomb from its header, before decoding it', async () => {
    // A valid PNG header claiming 100000x100000 followed by almost nothing.
    const dir = stagingDir()
    const crc = (b: Buffer): Buffer => {
      const out = Buffer.alloc(4)
      out.writeUInt32BE(zlib.crc32(b) >>> 0)
      return out
    }
    const chunk = (type: string, data: Buffer): Buffer => {
      const len = Buffer.alloc(4)
      len.writeUInt32BE(data.length)
      const td = Buffer.concat([Buffer.from(type, 'latin1'), data])
      return Buffer.concat([len, td, crc(td)])
    }
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(100_000, 0)
    ihdr.writeUInt32BE(100_000, 4)
    ihdr[8] = 8
    ihdr[9] = 2
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(Buffer.alloc(1000))),
      chunk('IEND', Buffer.alloc(0)),
    ])
    const src = path.join(dir, 'bomb.png')
    fs.writeFileSync(src, bomb)
    const t = performance.now()
    const err = await expectCode(run(src), 'PIXEL_LIMIT')
    expect(performance.now() - t).toBeLessThan(2000)
    expect(err.message).toMatch(/100000x100000/)
    // A real image over a lower limit fails the same way.
    await expectCode(
      run(corpus('exif-samples__jpg_mobile_jolla.jpg'), WEB_PRESET, 1_000_000),
      'PIXEL_LIMIT',
    )
  })

  it('sniffs an .jpg that is really a PNG as PNG', async () => {
    const dir = stagingDir()
    const src = path.join(dir, 'photo.jpg')
    fs.copyFileSync(corpus('sharp__with-alpha.png'), src)
    const snap = await snapshotSource(src, { stagingDir: dir, maxFileBytes: 1e9 })
    expect(snap.type).toEqual({ kind: 'image', format: 'png', mime: 'image/png', ext: 'png' })
  })
})

describe('non-images and the source', () => {
  it('keeps a small file whole (read once, sync or async) with the hash of exactly its bytes', async () => {
    const dir = stagingDir()
    const src = path.join(dir, 'small.bin')
    const body = crypto.randomBytes(300_000)
    fs.writeFileSync(src, body)
    // Other tests' reads in this process may have been slow (a loaded machine): past any async
    // spell, a fast read puts the process back on synchronous reads.
    noteReadTime(0, Date.now() + 10 * 60_000)
    expect(smallReadsAreSync()).toBe(true)
    const snap = await snapshotSource(src, { maxFileBytes: 1e9 })
    expect(snap.bytes?.equals(body)).toBe(true)
    expect(snap.sha256).toBe(sha256(body))
    expect(snap.bytesDigest?.md5Hex).toBe(createHash('md5').update(body).digest('hex'))
    // A slow read (a network share) sends this process to asynchronous reads for a minute...
    const now = Date.now()
    noteReadTime(50, now)
    expect(smallReadsAreSync()).toBe(false)
    const again = await snapshotSource(src, { maxFileBytes: 1e9 })
    expect(again.bytes?.equals(body)).toBe(true)
    expect(again.sha256).toBe(sha256(body))
    noteReadTime(0, now + 30_000)
    expect(smallReadsAreSync()).toBe(false)
    // ...after which a fast read lets it try synchronous reads again.
    noteReadTime(0, now + 61_000)
    expect(smallReadsAreSync()).toBe(true)
  })

  it('stages a text file byte-identical with its sha256', async () => {
    const dir = stagingDir()
    const src = path.join(dir, 'notes.md')
    const body = Buffer.from('# Notes\n\nplain text, café ☕\n'.repeat(5000))
    fs.writeFileSync(src, body)
    const snap = await snapshotSource(src, { stagingDir: dir, maxFileBytes: 1e9 })
    expect(snap.type.kind).toBe('other')
    expect(snap.type.mime).toBe('text/plain; charset=utf-8')
    expect(snap.type.ext).toBe('')
    expect(snap.sha256).toBe(sha256(body))
    expect(snap.buffer).toBeNull()
    const outs = await makeOutputs(snap, {
      displayName: 'notes.md',
      preset: WEB_PRESET,
      stagingDir: dir,
      limitInputPixels: LIMIT,
    })
    expect(outs).toHaveLength(1)
    expect(outs[0]!.variant).toBe('original')
    // Uploaded from the source itself, verified against the hash while it is sent.
    expect(outs[0]!.path).toBe(src)
    expect(fs.readdirSync(dir)).toEqual([path.basename(src)])
    expect(outs[0]!.bytes).toBe(body.length)
  })

  it('never modifies the source', async () => {
    const src = corpus('exif-samples__jpg_gps_DSCN0010.jpg')
    const before = sha256(fs.readFileSync(src))
    const stat = fs.statSync(src)
    const dir = stagingDir()
    const snap = await snapshotSource(src, { stagingDir: dir, maxFileBytes: 1e9 })
    expect(snap.sha256).toBe(before)
    await makeOutputs(snap, {
      displayName: 'x.jpg',
      preset: WEB_PRESET,
      stagingDir: dir,
      limitInputPixels: LIMIT,
    })
    expect(sha256(fs.readFileSync(src))).toBe(before)
    expect(fs.statSync(src).mtimeMs).toBe(stat.mtimeMs)
  })

  it('reports a full disk as DISK_FULL and leaves no partial file', async () => {
    if (!fs.existsSync('/dev/full')) return expect(process.platform).not.toBe('linux')
    // Writes to /dev/full fail with ENOSPC: point the temp names there.
    const dir = stagingDir()
    fs.symlinkSync('/dev/full', path.join(dir, '.full.webp.partial'))
    const snap = await snapshotSource(corpus('exif-samples__jpg_Canon_40D.jpg'), {
      stagingDir: dir,
      maxFileBytes: 1e9,
    })
    const opts = { displayName: 'x', preset: WEB_PRESET, stagingDir: dir, limitInputPixels: LIMIT }
    await expectCode(makeOutputs(snap, opts), 'DISK_FULL')
    expect(fs.readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([])
    expect(fs.existsSync(path.join(dir, 'full.webp'))).toBe(false)

    // Other files are not copied any more: a full staging disk does not stop them.
    const dir2 = stagingDir()
    const src = path.join(dir2, 'notes.txt')
    fs.writeFileSync(src, 'some text\n')
    fs.symlinkSync('/dev/full', path.join(dir2, 'original.partial'))
    const snap2 = await snapshotSource(src, { stagingDir: dir2, maxFileBytes: 1e9 })
    expect(snap2.sha256).toBe(sha256(Buffer.from('some text\n')))
    expect(fs.readdirSync(dir2).sort()).toEqual(['notes.txt', 'original.partial'])
  })

  it('reports missing, empty, oversized and non-regular files with their codes', async () => {
    const dir = stagingDir()
    const opts = { stagingDir: dir, maxFileBytes: 100 }
    await expectCode(snapshotSource(path.join(dir, 'nope.jpg'), opts), 'NOT_FOUND')
    fs.writeFileSync(path.join(dir, 'empty.txt'), '')
    await expectCode(snapshotSource(path.join(dir, 'empty.txt'), opts), 'EMPTY_FILE')
    fs.writeFileSync(path.join(dir, 'big.txt'), Buffer.alloc(101, 'a'))
    await expectCode(snapshotSource(path.join(dir, 'big.txt'), opts), 'FILE_TOO_LARGE')
    await expectCode(snapshotSource(dir, opts), 'NOT_A_FILE')
    if (process.platform !== 'win32') {
      execFileSync('mkfifo', [path.join(dir, 'fifo')])
      await expectCode(snapshotSource(path.join(dir, 'fifo'), opts), 'NOT_A_FILE')
    }
  })
})

describe('presets', () => {
  it('knows its presets and refuses unknown names with CONFIG', () => {
    expect(getPreset('web')).toBe(WEB_PRESET)
    expect(getPreset('web-avif').variants.every((v) => v.format === 'avif')).toBe(true)
    expect(getPreset('jpeg').variants.every((v) => v.format === 'jpeg' && v.quality === 82)).toBe(
      true,
    )
    let err: unknown
    try {
      getPreset('nope')
    } catch (e) {
      err = e
    }
    expect((err as UpshotError).code).toBe('CONFIG')
    expect((err as UpshotError).message).toMatch(/web, web-avif, jpeg/)
  })

  it('fingerprints what a preset makes, stable across key order', () => {
    const fp = presetFingerprint(WEB_PRESET)
    expect(fp).toMatch(/^[0-9a-f]{16}$/)
    const reordered: Preset = {
      name: 'web',
      variants: WEB_PRESET.variants.map(
        (v) => Object.fromEntries(Object.entries(v).reverse()) as VariantSpec,
      ),
    }
    expect(presetFingerprint(reordered)).toBe(fp)
    const changed: Preset = {
      name: 'web',
      variants: WEB_PRESET.variants.map((v) => ({ ...v, quality: 81 })),
    }
    expect(presetFingerprint(changed)).not.toBe(fp)
    expect(presetFingerprint(getPreset('web-avif'))).not.toBe(fp)
  })

  it('applies cover, inside and original without enlarging', async () => {
    const src = corpus('sharp__4.webp') // 1024x772
    const [wide] = await run(src, onePreset({ fit: 'cover', width: 2000, height: 500 }))
    expect([wide!.width, wide!.height]).toEqual([1024, 256])
    const [inside] = await run(src, onePreset({ fit: 'inside', width: 500, height: 500 }))
    expect([inside!.width, inside!.height]).toEqual([500, 377])
  })
})
