// The size of a raster image from its first bytes, for pictures embedded in an SVG as data:
// URLs: librsvg decodes each one whole, whatever size it is drawn at, so a 30 KB PNG inside a
// 100x100 drawing can cost gigabytes. The sanitiser refuses those from their headers.

export interface PixelSize {
  width: number
  height: number
}

const DATA_IMAGE = /^\s*data:image\/[a-z+.-]+((?:;[^,;]*)*),(.*)$/is

/** The bytes of a `data:image/...` URL (base64 or percent-encoded); null if it is not one. */
export function dataUrlBytes(url: string): Buffer | null {
  const m = DATA_IMAGE.exec(url)
  if (!m) return null
  const params = m[1]!.toLowerCase()
  const body = m[2]!
  if (params.split(';').includes('base64')) return Buffer.from(body.replace(/\s+/g, ''), 'base64')
  try {
    return Buffer.from(decodeURIComponent(body), 'latin1')
  } catch {
    return null
  }
}

/** Width and height from a PNG, GIF, JPEG or WebP header; null for anything else. */
export function rasterSize(b: Buffer): PixelSize | null {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR')
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
  if (b.length >= 10 && b.toString('latin1', 0, 3) === 'GIF')
    return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegSize(b)
  if (
    b.length >= 30 &&
    b.toString('latin1', 0, 4) === 'RIFF' &&
    b.toString('latin1', 8, 12) === 'WEBP'
  )
    return webpSize(b)
  return null
}

function jpegSize(b: Buffer): PixelSize | null {
  let o = 2
  while (o + 9 < b.length) {
    if (b[o] !== 0xff) return null
    const marker = b[o + 1]!
    if (marker === 0xff) {
      o++
      continue
    }
    // SOF0-15, except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: b.readUInt16BE(o + 5), width: b.readUInt16BE(o + 7) }
    o += 2 + b.readUInt16BE(o + 2)
  }
  return null
}

function webpSize(b: Buffer): PixelSize | null {
  const chunk = b.toString('latin1', 12, 16)
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 }
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21)
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
  }
  if (chunk === 'VP8 ' && b.length >= 30)
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff }
  return null
}
