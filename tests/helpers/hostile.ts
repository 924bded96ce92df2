// Hostile and odd inputs made at test time, one per class the corpus lacks, with what each must
// end as. Nothing here is checked in: the bytes come from sharp and a few hand-made headers.
import fs from 'node:fs'
import path from 'node:path'
import { deflateSync } from 'node:zlib'
import sharp, { type Sharp } from 'sharp'
import type { ErrorCode, ReportStatus } from '../../src/shared/jobs'

export interface HostileCase {
  /** What the file is, for messages. */
  what: string
  /** The input path (absolute). */
  file: string
  status: ReportStatus
  code?: ErrorCode
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

export function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** A valid PNG header claiming 50000x50000 RGB (2.5 gigapixels) over a few hundred bytes. */
export function pixelBombPng(): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(50_000, 0)
  ihdr.writeUInt32BE(50_000, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  // One zero row repeated would inflate to 7.5 GB; a few rows' worth is enough to look real.
  const rows = deflateSync(Buffer.alloc((1 + 50_000 * 3) * 4))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', rows),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

function photoLike(width: number, height: number): Sharp {
  // A gradient with noise, so encoders have real work and the result is not a flat colour.
  const raw = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      raw[i] = (x * 255) / width
      raw[i + 1] = (y * 255) / height
      raw[i + 2] = (x * y) % 251
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
}

/** A JPEG whose EXIF block is garbage: a TIFF header pointing its first IFD past the end. */
async function brokenExifJpeg(): Promise<Buffer> {
  const jpeg = await photoLike(320, 240).jpeg().toBuffer()
  const tiff = Buffer.from([
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x7f,
    0xff,
    0xff,
    0xf0, // big-endian, IFD0 at 2 GiB
    0x00,
    0x05,
    0x01,
    0x12,
    0x00,
    0x03,
    0xff,
    0xff, // a count and half an entry
  ])
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const app1 = Buffer.alloc(4)
  app1.writeUInt16BE(0xffe1, 0)
  app1.writeUInt16BE(payload.length + 2, 2)
  // Right after SOI.
  return Buffer.concat([jpeg.subarray(0, 2), app1, payload, jpeg.subarray(2)])
}

async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(
    [0, 1, 2].map((f) =>
      sharp({
        create: { width: 48, height: 32, channels: 3, background: { r: f * 100, g: 80, b: 160 } },
      })
        .png()
        .toBuffer(),
    ),
  )
  return sharp(frames, { join: { animated: true } })
    .gif({ loop: 0, delay: [100, 100, 100] })
    .toBuffer()
}

/**
 * Writes the hostile set into `dir` and returns each input with its expected verdict. Root reads
 * anything whatever its mode bits, so the unreadable-file case exists only for other users.
 */
export async function buildHostileSet(dir: string): Promise<HostileCase[]> {
  fs.mkdirSync(dir, { recursive: true })
  const cases: HostileCase[] = []
  const put = (name: string, bytes: Buffer | string, c: Omit<HostileCase, 'file'>): string => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, bytes)
    cases.push({ ...c, file })
    return file
  }
  const rgb = await photoLike(400, 300).jpeg().toBuffer()

  put('cmyk.jpg', await photoLike(200, 150).toColourspace('cmyk').jpeg().toBuffer(), {
    what: 'CMYK JPEG',
    status: 'done',
  })
  put('deep.png', await photoLike(160, 120).toColourspace('rgb16').png().toBuffer(), {
    what: '16-bit PNG',
    status: 'done',
  })
  put('moving.gif', await animatedGif(), { what: 'animated GIF', status: 'done' })
  put('bomb.png', pixelBombPng(), {
    what: 'PNG claiming 50000x50000',
    status: 'failed',
    code: 'PIXEL_LIMIT',
  })
  put('broken-exif.jpg', await brokenExifJpeg(), { what: 'JPEG with broken EXIF', status: 'done' })
  put('weird #1 ?% 📷 photo.jpg', rgb, { what: 'name with #?% emoji spaces', status: 'done' })
  put('a..b.jpg', await photoLike(120, 90).jpeg().toBuffer(), {
    what: 'name with ..',
    status: 'done',
  })
  put('cut.jpg', rgb.subarray(0, Math.floor(rgb.length / 3)), {
    what: 'truncated JPEG',
    status: 'failed',
    code: 'CORRUPT_IMAGE',
  })
  put('empty.jpg', Buffer.alloc(0), { what: 'empty file', status: 'failed', code: 'EMPTY_FILE' })
  put('notes.png', 'not a picture at all\n', { what: 'text named .png', status: 'done' })
  put(
    'script.svg',
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><script>alert(1)</script>' +
      '<image href="file:///etc/passwd" width="40" height="40"/><circle cx="20" cy="20" r="15"/></svg>',
    { what: 'SVG with script and external reference', status: 'done' },
  )

  // A folder named like an image: walked into, never a job itself.
  const album = path.join(dir, 'album.jpg')
  fs.mkdirSync(album)
  put(path.join('album.jpg', 'inside.txt'), 'inside a folder named album.jpg\n', {
    what: 'file in a folder named .jpg',
    status: 'done',
  })

  const dangling = path.join(dir, 'gone.jpg')
  fs.symlinkSync(path.join(dir, 'no-such-target.jpg'), dangling)
  cases.push({ what: 'dangling symlink', file: dangling, status: 'failed', code: 'NOT_FOUND' })

  if (process.getuid?.() !== 0) {
    const locked = put('locked.jpg', rgb, {
      what: 'unreadable file',
      status: 'failed',
      code: 'UNREADABLE',
    })
    fs.chmodSync(locked, 0o000)
  }
  return cases
}
