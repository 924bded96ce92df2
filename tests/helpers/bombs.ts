// Files crafted to cost minutes and gigabytes (issue 17), made at test time in a few hundred
// milliseconds each: SVG filters and huge canvases, decompression and animation bombs, headers
// claiming enormous pictures, SVGs that hide references from the sanitiser. Each comes with
// what it must end as.
import fs from 'node:fs'
import path from 'node:path'
import { deflateSync } from 'node:zlib'
import sharp from 'sharp'
import type { ErrorCode, ReportStatus } from '../../src/shared/jobs'
import { pngChunk } from './hostile'

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'

/** The issue's own: noise over a 16000x16000 canvas, six layers of it (minutes of CPU). */
export function turbulenceSvg(): string {
  const layers = Array.from(
    { length: 6 },
    (_, i) =>
      `<filter id="t${i}"><feTurbulence baseFrequency="0.0${i + 1}" numOctaves="10" seed="${i}"/></filter>` +
      `<rect width="100%" height="100%" filter="url(#t${i})" opacity="0.5"/>`,
  )
  return `<svg ${SVG_NS} width="16000" height="16000">${layers.join('')}</svg>`
}

/** Dilation with a 500 px radius: a quarter of a million samples per pixel. */
export function morphologySvg(): string {
  return `<svg ${SVG_NS} width="2000" height="2000"><filter id="m"><feMorphology operator="dilate" radius="500"/></filter><rect width="100%" height="100%" fill="red" filter="url(#m)"/></svg>`
}

/** A blur over a 16000x16000 canvas: ran 300 s at its nominal size; cheap at the capped one. */
export function blurCanvasSvg(): string {
  return `<svg ${SVG_NS} width="16000" height="16000"><filter id="b"><feGaussianBlur stdDeviation="400"/></filter><rect width="100%" height="100%" fill="#03c" filter="url(#b)"/><circle cx="8000" cy="8000" r="4000" fill="#fc0"/></svg>`
}

/** 100000 nested groups (libxml2 refuses past 256). */
export function deepSvg(): string {
  const n = 100_000
  return `<svg ${SVG_NS} width="100" height="100">${'<g>'.repeat(n)}<rect width="10" height="10"/>${'</g>'.repeat(n)}</svg>`
}

/** A billion laughs with <use>: 10^20 rectangles from 4 KB. */
export function useBombSvg(): string {
  let defs = '<rect id="a0" width="1" height="1"/>'
  for (let i = 1; i <= 20; i++) defs += `<g id="a${i}">${`<use href="#a${i - 1}"/>`.repeat(10)}</g>`
  return `<svg ${SVG_NS} width="1000" height="1000"><defs>${defs}</defs><use href="#a20"/></svg>`
}

/** `@import` split by a comment: the XML parser joins the text around it. */
export function splitImportSvg(target: string): string {
  return `<svg ${SVG_NS} width="64" height="64"><style>@im<!-- -->port url("file://${target}");</style><rect width="64" height="64" fill="#08f"/></svg>`
}

/** `url(` spelled with a character reference, which the XML parser decodes before CSS sees it. */
export function entityUrlSvg(target: string): string {
  return `<svg ${SVG_NS} width="64" height="64"><style>rect { fill: &#117;rl(file://${target}) }</style><rect width="64" height="64"/></svg>`
}

/** A script and a picture read from a local file, in an SVG named `.png`. */
export function svgWithReferences(target: string): string {
  return `<svg ${SVG_NS} width="64" height="64"><script>alert(1)</script><image href="file://${target}" width="64" height="64"/><rect width="32" height="32" fill="#08f"/></svg>`
}

/** A 16000x16000 all-zero PNG (1 bit per pixel): 30 KB that unpack to 256 MP. */
export function zeroPng(width = 16_000, height = 16_000): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 1 // bit depth
  ihdr[9] = 0 // greyscale
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** An SVG drawing a 100x100 picture that is really the 16000x16000 zero PNG. */
export function embeddedBombSvg(): string {
  const png = zeroPng().toString('base64')
  return `<svg ${SVG_NS} width="100" height="100"><image width="100" height="100" href="data:image/png;base64,${png}"/></svg>`
}

/** A real 16x16 JPEG whose frame header claims `width` x `height`. */
export async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = await sharp({
    create: { width: 16, height: 16, channels: 3, background: '#468' },
  })
    .jpeg()
    .toBuffer()
  for (let o = 2; o + 9 < jpeg.length;) {
    const marker = jpeg[o + 1]!
    if (marker === 0xc0 || marker === 0xc2) {
      jpeg.writeUInt16BE(height, o + 5)
      jpeg.writeUInt16BE(width, o + 7)
      return jpeg
    }
    o += 2 + jpeg.readUInt16BE(o + 2)
  }
  throw new Error('no SOF marker in the generated JPEG')
}

/** A real 16x16 lossless WebP whose header claims `width` x `height` (at most 16384 each). */
export async function webpClaiming(width: number, height: number): Promise<Buffer> {
  const webp = await sharp({
    create: { width: 16, height: 16, channels: 3, background: '#000' },
  })
    .webp({ lossless: true })
    .toBuffer()
  if (webp.toString('latin1', 12, 16) !== 'VP8L') throw new Error('not a simple lossless WebP')
  const bits = webp.readUInt32LE(21)
  const rest = bits & ~((1 << 28) - 1)
  webp.writeUInt32LE((rest | ((height - 1) << 14) | (width - 1)) >>> 0, 21)
  return webp
}

/** LZW for GIF (variable code width, table reset when full). */
function lzw(indices: Uint8Array, minCode: number): Buffer {
  const clear = 1 << minCode
  const eoi = clear + 1
  let dict = new Map<number, number>()
  let next = eoi + 1
  let size = minCode + 1
  const out: number[] = []
  let acc = 0
  let nbits = 0
  const emit = (code: number): void => {
    acc |= code << nbits
    nbits += size
    while (nbits >= 8) {
      out.push(acc & 255)
      acc >>>= 8
      nbits -= 8
    }
  }
  emit(clear)
  let prefix = indices[0]!
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i]!
    const hit = dict.get(prefix * 4096 + k)
    if (hit !== undefined) {
      prefix = hit
      continue
    }
    emit(prefix)
    if (next < 4096) {
      dict.set(prefix * 4096 + k, next++)
      if (next > 1 << size && size < 12) size++
    } else {
      emit(clear)
      dict = new Map()
      next = eoi + 1
      size = minCode + 1
    }
    prefix = k
  }
  emit(prefix)
  emit(eoi)
  if (nbits > 0) out.push(acc & 255)
  return Buffer.from(out)
}

/** An animated GIF of `frames` full-canvas frames of one colour: tiny, and huge once decoded. */
export function animationBombGif(width: number, height: number, frames: number): Buffer {
  const lsd = Buffer.alloc(7)
  lsd.writeUInt16LE(width, 0)
  lsd.writeUInt16LE(height, 2)
  lsd[4] = 0x81 // global colour table of 4 entries
  const data = lzw(new Uint8Array(width * height), 2)
  const blocks: Buffer[] = [Buffer.from([2])]
  for (let o = 0; o < data.length; o += 255) {
    const b = data.subarray(o, o + 255)
    blocks.push(Buffer.from([b.length]), b)
  }
  blocks.push(Buffer.from([0]))
  const image = Buffer.concat(blocks)
  const descriptor = Buffer.alloc(10)
  descriptor[0] = 0x2c
  descriptor.writeUInt16LE(width, 5)
  descriptor.writeUInt16LE(height, 7)
  const frame = Buffer.concat([Buffer.from([0x21, 0xf9, 4, 0, 2, 0, 0, 0]), descriptor, image])
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    lsd,
    Buffer.from([0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255]),
    Buffer.from([0x21, 0xff, 0x0b]),
    Buffer.from('NETSCAPE2.0', 'latin1'),
    Buffer.from([3, 1, 0, 0, 0]),
    ...Array.from({ length: frames }, () => frame),
    Buffer.from([0x3b]),
  ])
}

/** A TIFF of `pages` 8x8 RGB pages sharing one strip. */
export function manyPageTiff(pages: number): Buffer {
  const strip = Buffer.alloc(8 * 8 * 3, 0x80)
  const bpsAt = 8 + strip.length
  const ifdAt = bpsAt + 8
  const entries = 10
  const ifdSize = 2 + entries * 12 + 4
  const out = Buffer.alloc(ifdAt + pages * ifdSize)
  out.write('II', 0, 'latin1')
  out.writeUInt16LE(42, 2)
  out.writeUInt32LE(ifdAt, 4)
  strip.copy(out, 8)
  for (let i = 0; i < 3; i++) out.writeUInt16LE(8, bpsAt + 2 * i)
  for (let p = 0; p < pages; p++) {
    const at = ifdAt + p * ifdSize
    out.writeUInt16LE(entries, at)
    const fields: [number, number, number, number][] = [
      [256, 4, 1, 8],
      [257, 4, 1, 8],
      [258, 3, 3, bpsAt],
      [259, 3, 1, 1],
      [262, 3, 1, 2],
      [273, 4, 1, 8],
      [277, 3, 1, 3],
      [278, 4, 1, 8],
      [279, 4, 1, strip.length],
      [284, 3, 1, 1],
    ]
    fields.forEach(([tag, type, count, value], i) => {
      const o = at + 2 + i * 12
      out.writeUInt16LE(tag, o)
      out.writeUInt16LE(type, o + 2)
      out.writeUInt32LE(count, o + 4)
      if (type === 3 && count === 1) out.writeUInt16LE(value, o + 8)
      else out.writeUInt32LE(value, o + 8)
    })
    out.writeUInt32LE(p + 1 < pages ? at + ifdSize : 0, at + 2 + entries * 12)
  }
  return out
}

export interface BombCase {
  what: string
  file: string
  status: ReportStatus
  code?: ErrorCode
  /** For done cases: the longest side the `full` variant may have. */
  maxSide?: number
  /** For done cases kept as they are: the key must end with this. */
  keyEnds?: string
}

/**
 * Writes the hostile batch into `dir`. `secret` is a local file the SVGs try to pull in: it
 * must never reach an output.
 */
export async function buildBombSet(dir: string, secret: string): Promise<BombCase[]> {
  fs.mkdirSync(dir, { recursive: true })
  const cases: BombCase[] = []
  const put = (name: string, bytes: Buffer | string, c: Omit<BombCase, 'file'>): void => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, bytes)
    cases.push({ ...c, file })
  }
  put('turbulence.svg', turbulenceSvg(), {
    what: 'feTurbulence layers on a 16000x16000 canvas',
    status: 'failed',
    code: 'IMAGE_TOO_SLOW',
  })
  put('morphology.svg', morphologySvg(), {
    what: 'feMorphology with a 500 px radius',
    status: 'failed',
    code: 'IMAGE_TOO_SLOW',
  })
  put('blur.svg', blurCanvasSvg(), {
    what: 'feGaussianBlur on a 16000x16000 canvas',
    status: 'done',
    maxSide: 2048,
  })
  put('deep.svg', deepSvg(), {
    what: 'SVG nested 100000 deep',
    status: 'failed',
    code: 'SVG_TOO_COMPLEX',
  })
  put('use-bomb.svg', useBombSvg(), {
    what: 'SVG <use> billion laughs',
    status: 'failed',
    code: 'SVG_TOO_COMPLEX',
  })
  put('embedded-bomb.svg', embeddedBombSvg(), {
    what: 'SVG embedding a 256 MP PNG',
    status: 'failed',
    code: 'SVG_TOO_COMPLEX',
  })
  put('split-import.svg', splitImportSvg(secret), {
    what: 'SVG @import split by a comment',
    status: 'failed',
    code: 'UNSAFE_SVG',
  })
  put('entity-url.svg', entityUrlSvg(secret), {
    what: 'SVG url( spelled with &#117;',
    status: 'done',
    maxSide: 2048,
  })
  put('drawing.png', svgWithReferences(secret), {
    what: 'SVG named .png',
    status: 'done',
    maxSide: 2048,
  })
  put('zeros.png', zeroPng(), {
    what: 'all-zero 16000x16000 PNG (30 KB)',
    status: 'failed',
    code: 'DECOMPRESSION_BOMB',
  })
  put('flat.webp', await webpClaiming(16_383, 16_383), {
    what: 'lossless WebP claiming 16383x16383',
    status: 'failed',
    code: 'DECOMPRESSION_BOMB',
  })
  put('huge.jpg', await jpegClaiming(65_000, 65_000), {
    what: 'JPEG claiming 65000x65000',
    status: 'failed',
    code: 'PIXEL_LIMIT',
  })
  put('frames.gif', animationBombGif(64, 64, 1500), {
    what: 'GIF of 1500 frames',
    status: 'failed',
    code: 'ANIMATION_TOO_LARGE',
  })
  put('canvas.gif', animationBombGif(2000, 2000, 30), {
    what: 'GIF of 30 frames of 2000x2000 (110 KB)',
    status: 'failed',
    code: 'ANIMATION_TOO_LARGE',
  })
  put('pages.tiff', manyPageTiff(2000), {
    what: 'TIFF of 2000 pages',
    status: 'done',
    maxSide: 8,
  })
  put('page.html', '<!doctype html><script>alert(document.cookie)</script>\n', {
    what: 'HTML page',
    status: 'done',
    keyEnds: '/page.txt',
  })
  put('shell.php', '<?php system($_GET["c"]); ?>\n', {
    what: 'PHP script',
    status: 'done',
    keyEnds: '/shell.txt',
  })
  return cases
}
