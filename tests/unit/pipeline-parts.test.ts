import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { UpshotError } from '../../src/shared/jobs'
import { coverSize, planVariant } from '../../src/engine/pipeline/geometry'
import { sniffBytes } from '../../src/engine/pipeline/sniff'
import { sanitizeCss, sanitizeSvg } from '../../src/engine/pipeline/svg'
import { rgbaTiffWithIcc } from '../../src/engine/pipeline/tiff'
import { snapshotSource } from '../../src/engine/pipeline/source'
import { CORPUS } from '../helpers/fixtures'

const head = (name: string): Buffer => fs.readFileSync(path.join(CORPUS, name)).subarray(0, 16384)

describe('sniffBytes', () => {
  it('names the corpus images by their bytes', () => {
    const cases: [string, string, string][] = [
      ['exif-samples__jpg_Canon_40D.jpg', 'jpeg', 'image/jpeg'],
      ['sharp__with-alpha.png', 'png', 'image/png'],
      ['sharp__animated-loop-3.gif', 'gif', 'image/gif'],
      ['sharp__4.webp', 'webp', 'image/webp'],
      ['sharp__circle.svg', 'svg', 'image/svg+xml'],
      ['exif-samples__heic_samplefilehub.heif', 'heif', 'image/heic'],
    ]
    for (const [file, format, mime] of cases) {
      const r = sniffBytes(head(file), 'whatever.bin')
      expect([r.kind, r.format, r.mime]).toEqual(['image', format, mime])
    }
  })

  it('ignores the extension and recognises common non-images', () => {
    const b = (s: string): Buffer => Buffer.from(s, 'latin1')
    const sniff = (bytes: Buffer) => sniffBytes(bytes, 'photo.jpg')
    expect(sniff(b('%PDF-1.7\n...'))).toMatchObject({
      kind: 'other',
      mime: 'application/pdf',
      ext: 'pdf',
    })
    expect(sniff(Buffer.from([0x1f, 0x8b, 8, 0]))).toMatchObject({
      mime: 'application/gzip',
      ext: 'gz',
    })
    const zip = Buffer.alloc(64)
    zip.write('PK\x03\x04', 0, 'latin1')
    zip.writeUInt16LE(5, 26)
    zip.write('a.txt', 30, 'latin1')
    expect(sniff(zip)).toMatchObject({ mime: 'application/zip', ext: 'zip' })
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 24]), b('ftypisom\0\0\0\0isomavc1')])
    expect(sniff(mp4)).toMatchObject({ kind: 'other', mime: 'video/mp4', ext: 'mp4' })
    const mov = Buffer.concat([Buffer.from([0, 0, 0, 20]), b('ftypqt  \0\0\0\0qt  ')])
    expect(sniff(mov)).toMatchObject({ mime: 'video/quicktime', ext: 'mov' })
    const avif = Buffer.concat([Buffer.from([0, 0, 0, 28]), b('ftypavif\0\0\0\0avifmif1miaf')])
    expect(sniff(avif)).toMatchObject({ kind: 'image', format: 'avif', mime: 'image/avif' })
    expect(sniff(b('ID3\x04\0\0\0\0'))).toMatchObject({ mime: 'audio/mpeg', ext: 'mp3' })
    expect(sniff(b('{"a": 1}'))).toMatchObject({ mime: 'application/json', ext: 'json' })
    expect(sniff(b('hello, world\n'))).toMatchObject({
      kind: 'other',
      mime: 'text/plain; charset=utf-8',
      ext: '',
    })
    // HTML is never served as text/html from the bucket.
    expect(sniff(b('<!DOCTYPE html><script>x</script>')).mime).toBe('text/plain; charset=utf-8')
    // Image formats sharp cannot decode here are uploaded as they are, with their real type.
    const bmp = Buffer.alloc(64)
    bmp.write('BM', 0, 'latin1')
    expect(sniff(bmp)).toMatchObject({ kind: 'other', mime: 'image/bmp', ext: 'bmp' })
    expect(sniff(Buffer.from([0xff, 0x0a, 1, 2]))).toMatchObject({
      kind: 'other',
      mime: 'image/jxl',
    })
    expect(sniff(Buffer.from([0, 1, 2, 3, 0xfe, 0xdc]))).toEqual({
      kind: 'other',
      format: 'unknown',
      mime: 'application/octet-stream',
      ext: '',
    })
  })

  it('finds <svg> after a BOM, XML declaration, comments and a doctype', () => {
    const svg = Buffer.from(
      '\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x" [ <!ENTITY a "b"> ]>\n<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>',
    )
    expect(sniffBytes(svg, 'x.txt')).toMatchObject({ kind: 'image', format: 'svg' })
    expect(sniffBytes(Buffer.from('<?xml version="1.0"?><html/>'), 'x.svg').kind).toBe('other')
  })
})

const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

describe('sanitizeSvg', () => {
  const wrap = (body: string): string =>
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">${body}</svg>`

  it('keeps local references and raster data URIs, drops everything else', () => {
    const out = sanitizeSvg(
      wrap(
        `<use href="#a"/><use xlink:href="other.svg#a"/><image href="data:image/png;base64,${PNG_1PX}"/>` +
          '<image href="data:image/svg+xml;base64,PHN2Zz4="/><image href=" http://evil.test/x.png"/>' +
          '<image xlink:href="&#x66;ile:///etc/passwd"/><rect fill="url(#g)" stroke="url(file:///x)"/>',
      ),
    )
    expect(out).toContain('href="#a"')
    expect(out).toContain(`data:image/png;base64,${PNG_1PX}`)
    expect(out).toContain('fill="url(#g)"')
    expect(out).not.toMatch(/other\.svg|svg\+xml|evil|passwd|file:|&#x66;/)
    expect(out).toContain('stroke="none"')
  })

  it('removes scripts, handlers, foreign content, XInclude, stylesheets PIs and doctypes', () => {
    const out = sanitizeSvg(
      `<?xml version="1.0" encoding="ISO-8859-1"?><?xml-stylesheet href="file:///etc/x.css"?>
<!DOCTYPE svg [<!ENTITY e SYSTEM "file:///etc/passwd">]>` +
        wrap(
          '<SCRIPT>alert(1)</SCRIPT><svg:script xmlns:svg="http://www.w3.org/2000/svg">x</svg:script>' +
            '<g onclick="x()" ONLOAD="y()"><rect/></g><foreignObject><p>hi<b>x</b></p></foreignObject>' +
            '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>' +
            '<set attributeName="href" to="file:///etc/passwd"/>' +
            '<style>@import url(file:///etc/x.css);</style>',
        ).replace('<style>@import url(file:///etc/x.css);</style>', ''),
    )
    expect(out).not.toMatch(
      /script|alert|onclick|onload|foreignObject|include|passwd|ENTITY|stylesheet|<\?xml|<set/i,
    )
    expect(out).toContain('<g><rect/></g>')
  })

  it('sanitises CSS and refuses what it cannot judge', () => {
    expect(sanitizeCss('fill: url(#a); stroke: url("http://x/y")')).toBe(
      'fill: url(#a); stroke: none',
    )
    expect(sanitizeCss('fill: u\\72l(file:///etc/passwd)')).toBeNull()
    expect(sanitizeCss('@import "x.css";')).toBeNull()
    expect(sanitizeCss('@font-face { src: local(x) }')).toBeNull()
    const styled = sanitizeSvg(
      wrap(
        '<style>.a{fill:url(file:///x)} .b{fill:red}</style><rect style="fill:u\\72l(/etc/x)"/>',
      ),
    )
    expect(styled).toContain('.a{fill:none} .b{fill:red}')
    expect(styled).not.toContain('style="')
    const refuse = (svg: string): string => {
      try {
        sanitizeSvg(svg)
      } catch (e) {
        return (e as UpshotError).code
      }
      return 'accepted'
    }
    expect(refuse(wrap('<style>@import url(x.css);</style>'))).toBe('UNSAFE_SVG')
    expect(refuse(wrap('<style>.a{fill:u\\72l(x)}</style>'))).toBe('UNSAFE_SVG')
    // Markup the tokenizer cannot follow is damaged, not guessed at.
    expect(refuse(wrap('<g><rect></g>'))).toBe('CORRUPT_IMAGE')
    expect(refuse('<html><svg/></html>')).toBe('CORRUPT_IMAGE')
    expect(refuse(wrap('<rect width=5/>'))).toBe('CORRUPT_IMAGE')
    expect(refuse(wrap('<rect a="1" a="2"/>'))).toBe('CORRUPT_IMAGE')
    expect(refuse(wrap('<rect/>').slice(0, -3))).toBe('CORRUPT_IMAGE')
  })

  it('judges a stylesheet as librsvg reads it: entities decoded, comments and CDATA joined', () => {
    const refuse = (svg: string): string => {
      try {
        sanitizeSvg(svg)
      } catch (e) {
        return (e as UpshotError).code
      }
      return 'accepted'
    }
    // `&#117;rl(` is `url(` once the XML parser is done with it.
    const decoded = sanitizeSvg(wrap('<style>rect{fill:&#117;rl(file:///etc/passwd)}</style>'))
    expect(decoded).toContain('rect{fill:none}')
    expect(decoded).not.toContain('passwd')
    // The text on both sides of a comment, a CDATA section or a PI joins into one stylesheet.
    expect(refuse(wrap('<style>@im<!-- -->port url(/etc/x.css);</style>'))).toBe('UNSAFE_SVG')
    expect(refuse(wrap('<style>@im<![CDATA[port]]> "x.css";</style>'))).toBe('UNSAFE_SVG')
    expect(refuse(wrap('<style>@im<?x?>port "x.css";</style>'))).toBe('UNSAFE_SVG')
    expect(refuse(wrap('<style>@&#105;mport "x.css";</style>'))).toBe('UNSAFE_SVG')
    expect(refuse(wrap('<style>.a{}<g/>@import "x.css";</style>'))).toBe('UNSAFE_SVG')
    // What is kept is written back escaped: a `<` in the CSS cannot open markup.
    expect(sanitizeSvg(wrap('<style>.a&gt;.b{fill:red}</style>'))).toContain(
      '<style>.a&gt;.b{fill:red}</style>',
    )
  })

  it('caps filter costs: noise octaves, the number of filter steps, embedded pictures', () => {
    const refuse = (svg: string): string => {
      try {
        sanitizeSvg(svg)
      } catch (e) {
        return (e as UpshotError).code
      }
      return 'accepted'
    }
    expect(sanitizeSvg(wrap('<filter><feTurbulence numOctaves="1000000"/></filter>'))).toContain(
      'numOctaves="8"',
    )
    expect(sanitizeSvg(wrap('<filter><feTurbulence numOctaves="3"/></filter>'))).toContain(
      'numOctaves="3"',
    )
    const steps = (n: number): string => wrap(`<filter>${'<feOffset dx="1"/>'.repeat(n)}</filter>`)
    expect(refuse(steps(64))).toBe('accepted')
    expect(refuse(steps(65))).toBe('SVG_TOO_COMPLEX')
    const png = (w: number, h: number): string => {
      const b = Buffer.alloc(33)
      b.writeUInt32BE(0x89504e47, 0)
      b.write('IHDR', 12, 'latin1')
      b.writeUInt32BE(w, 16)
      b.writeUInt32BE(h, 20)
      return `data:image/png;base64,${b.toString('base64')}`
    }
    expect(refuse(wrap(`<image href="${png(2000, 2000)}"/>`))).toBe('accepted')
    expect(refuse(wrap(`<image href="${png(16000, 16000)}"/>`))).toBe('SVG_TOO_COMPLEX')
    // Many small ones add up.
    expect(refuse(wrap(`<image href="${png(2000, 2000)}"/>`.repeat(5)))).toBe('SVG_TOO_COMPLEX')
    // A declared PNG whose bytes are something else: the decoder would go by the bytes.
    expect(refuse(wrap('<image href="data:image/png;base64,SUkqAAgAAAA="/>'))).toBe(
      'SVG_TOO_COMPLEX',
    )
  })
})

describe('geometry', () => {
  it('cover: exact target when possible, else the largest same-shape crop, never enlarged', () => {
    expect(coverSize({ width: 3000, height: 2000 }, { width: 320, height: 180 })).toEqual({
      width: 320,
      height: 180,
    })
    expect(coverSize({ width: 100, height: 68 }, { width: 320, height: 180 })).toEqual({
      width: 100,
      height: 56,
    })
    expect(coverSize({ width: 1000, height: 100 }, { width: 320, height: 180 })).toEqual({
      width: 177,
      height: 100,
    })
    expect(coverSize({ width: 300, height: 2000 }, { width: 320, height: 180 })).toEqual({
      width: 300,
      height: 169,
    })
  })

  it('original and inside are capped by the encoder limits', () => {
    const big = { width: 30000, height: 10000 }
    expect(
      planVariant({ name: 'full', fit: 'original', format: 'webp', quality: 80 }, big).size,
    ).toEqual({
      width: 16383,
      height: 5461,
    })
    expect(
      planVariant({ name: 'full', fit: 'original', format: 'jpeg', quality: 80 }, big),
    ).toEqual({
      size: big,
      resize: null,
    })
    const inside = planVariant(
      { name: 'o', fit: 'inside', width: 1280, height: 720, format: 'webp', quality: 80 },
      { width: 600, height: 450 },
    )
    expect(inside).toEqual({ size: { width: 600, height: 450 }, resize: null })
  })
})

describe('HEIF colour', () => {
  it('the TIFF wrapper carries an ICC profile so raw P3 pixels convert to sRGB', async () => {
    const p3 = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 100, b: 50 } },
    })
      .withIccProfile('p3')
      .png()
      .toBuffer()
    const icc = (await sharp(p3).metadata()).icc!
    const raw = await sharp(p3, { ignoreIcc: true }).ensureAlpha().raw().toBuffer()
    expect(
      Math.abs(raw[0]! - 200) + Math.abs(raw[1]! - 100) + Math.abs(raw[2]! - 50),
    ).toBeGreaterThan(15)
    const tiff = rgbaTiffWithIcc(raw, 8, 8, icc)
    const out = await sharp(tiff).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
    expect(out.info.channels).toBe(4)
    expect(Math.abs(out.data[0]! - 200)).toBeLessThan(4)
    expect(Math.abs(out.data[1]! - 100)).toBeLessThan(4)
    expect(Math.abs(out.data[2]! - 50)).toBeLessThan(4)
    expect(out.data[3]).toBe(255)
  })
})

describe('snapshotSource', () => {
  it('hashes a large non-image by streaming and stages no copy of it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-snap-'))
    try {
      const src = path.join(dir, 'blob.bin')
      const data = Buffer.alloc(5 * 1024 * 1024 + 123)
      for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 0xff
      data[0] = 0xfe
      fs.writeFileSync(src, data)
      const stage = path.join(dir, 'stage')
      fs.mkdirSync(stage)
      const snap = await snapshotSource(src, { stagingDir: stage, maxFileBytes: 1e9 })
      const { createHash } = await import('node:crypto')
      expect(snap.sha256).toBe(createHash('sha256').update(data).digest('hex'))
      expect(snap.type.mime).toBe('application/octet-stream')
      expect(snap.stagedPath).toBeNull()
      expect(fs.readdirSync(stage)).toEqual([])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('notices a file that changes while it is read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-snap-'))
    try {
      const src = path.join(dir, 'growing.bin')
      fs.writeFileSync(src, Buffer.alloc(64 * 1024 * 1024, 1))
      const stage = path.join(dir, 'stage')
      fs.mkdirSync(stage)
      let settled = false
      const outcome = snapshotSource(src, { stagingDir: stage, maxFileBytes: 1e10 }).then(
        () => null,
        (e: unknown) => e,
      )
      void outcome.then(() => (settled = true))
      // Appends while the 64 MiB are being read and hashed, until the snapshot gives up.
      await new Promise((r) => setTimeout(r, 5))
      while (!settled) {
        const fd = fs.openSync(src, 'a')
        fs.writeSync(fd, Buffer.alloc(1024, 2))
        fs.closeSync(fd)
        await new Promise((r) => setTimeout(r, 2))
      }
      const err = await outcome
      expect((err as UpshotError).code).toBe('SOURCE_CHANGED')
      expect(fs.readdirSync(stage)).toEqual([])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
