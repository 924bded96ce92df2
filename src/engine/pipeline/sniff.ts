// Content type from magic bytes, never from the file name: a `.jpg` that is really a PNG is a PNG,
// and a file we cannot decode must never be published under an image MIME type it does not have.

import type { SniffResult } from '../types'

/** Bytes read from the start of a file for sniffing (tar needs 262, SVG prologues can be long). */
export const SNIFF_BYTES = 16 * 1024

export const UNKNOWN: SniffResult = {
  kind: 'other',
  format: 'unknown',
  mime: 'application/octet-stream',
  ext: '',
}

const image = (format: string, mime: string, ext: string): SniffResult => ({
  kind: 'image',
  format,
  mime,
  ext,
})
const other = (format: string, mime: string, ext: string): SniffResult => ({
  kind: 'other',
  format,
  mime,
  ext,
})

function startsWith(head: Buffer, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false
  for (let i = 0; i < bytes.length; i++) if (head[offset + i] !== bytes[i]) return false
  return true
}

function ascii(head: Buffer, start: number, end: number): string {
  return head.subarray(start, Math.min(end, head.length)).toString('latin1')
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs'])
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2', 'miaf'])
const MP4_BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'avc1',
  'dash',
  'm4v ',
  'f4v ',
  'mmp4',
  'msnv',
  'ndas',
  'xavc',
])

/** ISO base media files (HEIF, AVIF, MP4, MOV...) say what they are in their `ftyp` box. */
function sniffFtyp(head: Buffer): SniffResult | null {
  if (ascii(head, 4, 8) !== 'ftyp' || head.length < 12) return null
  const boxSize = head.readUInt32BE(0)
  const major = ascii(head, 8, 12)
  const brands = new Set([major])
  for (let o = 16; o + 4 <= Math.min(boxSize, head.length); o += 4)
    brands.add(ascii(head, o, o + 4))
  if (major === 'avif' || major === 'avis') return image('avif', 'image/avif', 'avif')
  if (HEIC_BRANDS.has(major)) return image('heif', 'image/heic', 'heic')
  if (HEIF_BRANDS.has(major)) {
    // A generic HEIF brand: the compatible brands say which codec the pictures use.
    if (brands.has('avif') || brands.has('avis')) return image('avif', 'image/avif', 'avif')
    if ([...HEIC_BRANDS].some((b) => brands.has(b))) return image('heif', 'image/heic', 'heic')
    return image('heif', 'image/heif', 'heif')
  }
  if (major === 'qt  ') return other('mov', 'video/quicktime', 'mov')
  if (major === 'M4A ' || major === 'M4B ') return other('m4a', 'audio/mp4', 'm4a')
  if (major.startsWith('3g2')) return other('3g2', 'video/3gpp2', '3g2')
  if (major.startsWith('3gp')) return other('3gp', 'video/3gpp', '3gp')
  if (major === 'crx ') return other('cr3', 'image/x-canon-cr3', 'cr3')
  if (major === 'jxl ') return other('jxl', 'image/jxl', 'jxl')
  if (MP4_BRANDS.has(major) || major.startsWith('mp4')) return other('mp4', 'video/mp4', 'mp4')
  return other('mp4', 'video/mp4', 'mp4')
}

function sniffZip(head: Buffer): SniffResult {
  // Office and OpenDocument files are zips; name them after what they are, not 'zip'.
  const nameLen = head.length >= 30 ? head.readUInt16LE(26) : 0
  const first = ascii(head, 30, 30 + nameLen)
  const text = head.toString('latin1')
  if (first === 'mimetype') {
    const extraLen = head.readUInt16LE(28)
    const declared = ascii(head, 30 + nameLen + extraLen, 30 + nameLen + extraLen + 80)
    const known: [string, string, string][] = [
      ['application/epub+zip', 'epub', 'epub'],
      ['application/vnd.oasis.opendocument.text', 'odt', 'odt'],
      ['application/vnd.oasis.opendocument.spreadsheet', 'ods', 'ods'],
      ['application/vnd.oasis.opendocument.presentation', 'odp', 'odp'],
    ]
    for (const [mime, format, ext] of known)
      if (declared.startsWith(mime)) return other(format, mime, ext)
  }
  if (first === '[Content_Types].xml' || text.includes('[Content_Types].xml')) {
    if (text.includes('word/'))
      return other(
        'docx',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'docx',
      )
    if (text.includes('xl/'))
      return other(
        'xlsx',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'xlsx',
      )
    if (text.includes('ppt/'))
      return other(
        'pptx',
        'application/vnd.openxmlformats-officedocument.presentationml.presentation',
        'pptx',
      )
  }
  if (first === 'META-INF/MANIFEST.MF' || first === 'META-INF/')
    return other('jar', 'application/java-archive', 'jar')
  return other('zip', 'application/zip', 'zip')
}

/** Drops a multi-byte UTF-8 sequence cut off by the end of the sniffed head. */
function trimPartialUtf8(b: Buffer): Buffer {
  let end = b.length
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const c = b[end - back]!
    if ((c & 0xc0) === 0x80) continue // continuation byte: keep looking for the lead byte
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1
    if (need > back) end -= back
    break
  }
  return b.subarray(0, end)
}

function decodeText(head: Buffer): string | null {
  if (head.includes(0)) return null
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(head))
  } catch {
    return null
  }
}

/**
 * SVG is XML text whose root element is `svg`: skip a BOM, the XML declaration, comments,
 * processing instructions and a doctype (with its internal subset), then expect `<svg` (maybe
 * namespace-prefixed).
 */
export function looksLikeSvg(text: string): boolean {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const n = text.length
  for (;;) {
    while (i < n && /\s/.test(text[i]!)) i++
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2)
      if (end < 0) return false
      i = end + 2
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4)
      if (end < 0) return false
      i = end + 3
    } else if (/^<!doctype/i.test(text.slice(i, i + 9))) {
      let depth = 0
      let j = i + 9
      for (; j < n; j++) {
        const c = text[j]
        if (c === '[') depth++
        else if (c === ']') depth--
        else if (c === '>' && depth <= 0) break
      }
      if (j >= n) return false
      i = j + 1
    } else {
      return /^<([A-Za-z_][\w.-]*:)?svg[\s>/]/.test(text.slice(i, i + 64))
    }
  }
}

function sniffText(head: Buffer): SniffResult | null {
  const le = startsWith(head, [0xff, 0xfe])
  if (le || startsWith(head, [0xfe, 0xff])) {
    // Some Windows tools save SVG as UTF-16; the SVG reader (svgText) decodes it too.
    const text = new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(
      head.subarray(2, head.length - (head.length % 2)),
    )
    if (looksLikeSvg(text)) return image('svg', 'image/svg+xml', 'svg')
    return other('text', 'text/plain; charset=utf-16', '')
  }
  const text = decodeText(head)
  if (text === null) return null
  if (looksLikeSvg(text)) return image('svg', 'image/svg+xml', 'svg')
  const body = text.replace(/^\uFEFF/, '').trimStart()
  // HTML and XML are published as plain text: served from a bucket as text/html they would run
  // scripts on the CDN's origin.
  if (/^(<!doctype html|<html[\s>]|<\?xml)/i.test(body))
    return other(body.startsWith('<?') ? 'xml' : 'html', 'text/plain; charset=utf-8', '')
  if (/^(\{\s*("|\})|\[\s*(["{[\]\d-]|true|false|null))/.test(body))
    return other('json', 'application/json', 'json')
  // Plain text keeps its own extension (.md, .csv, .log...): the bytes cannot tell them apart.
  return other('text', 'text/plain; charset=utf-8', '')
}

/** What a file is, from its first bytes (pass at least SNIFF_BYTES, or the whole file if smaller). */
export function sniffBytes(head: Buffer, _fileName: string): SniffResult {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return image('jpeg', 'image/jpeg', 'jpg')
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return image('png', 'image/png', 'png')
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a')
    return image('gif', 'image/gif', 'gif')
  if (ascii(head, 0, 4) === 'RIFF') {
    const form = ascii(head, 8, 12)
    if (form === 'WEBP') return image('webp', 'image/webp', 'webp')
    if (form === 'WAVE') return other('wav', 'audio/wav', 'wav')
    if (form === 'AVI ') return other('avi', 'video/x-msvideo', 'avi')
    return UNKNOWN
  }
  const ftyp = sniffFtyp(head)
  if (ftyp) return ftyp
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    // Canon CR2 raw files are TIFF containers whose first picture is a small preview.
    if (ascii(head, 8, 10) === 'CR') return other('cr2', 'image/x-canon-cr2', 'cr2')
    return image('tiff', 'image/tiff', 'tiff')
  }
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b]))
    return image('tiff', 'image/tiff', 'tiff') // BigTIFF
  // Image formats this build of libvips cannot decode: uploaded unchanged, with their real type.
  if (ascii(head, 0, 2) === 'BM' && head.length >= 14 && head.readUInt32LE(6) === 0)
    return other('bmp', 'image/bmp', 'bmp')
  if (startsWith(head, [0x00, 0x00, 0x01, 0x00]) && head.length >= 6 && head.readUInt16LE(4) > 0)
    return other('ico', 'image/x-icon', 'ico')
  if (
    startsWith(head, [0xff, 0x0a]) ||
    startsWith(head, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])
  )
    return other('jxl', 'image/jxl', 'jxl')
  if (startsWith(head, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]))
    return other('jp2', 'image/jp2', 'jp2')
  if (ascii(head, 0, 4) === '8BPS') return other('psd', 'image/vnd.adobe.photoshop', 'psd')
  if (ascii(head, 0, 5) === '%PDF-') return other('pdf', 'application/pdf', 'pdf')
  if (
    startsWith(head, [0x50, 0x4b, 0x03, 0x04]) ||
    startsWith(head, [0x50, 0x4b, 0x05, 0x06]) ||
    startsWith(head, [0x50, 0x4b, 0x07, 0x08])
  )
    return sniffZip(head)
  if (startsWith(head, [0x1f, 0x8b])) return other('gzip', 'application/gzip', 'gz')
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))
    return other('7z', 'application/x-7z-compressed', '7z')
  if (ascii(head, 0, 6) === 'Rar!\x1a\x07') return other('rar', 'application/vnd.rar', 'rar')
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
    return other('xz', 'application/x-xz', 'xz')
  if (ascii(head, 0, 3) === 'BZh') return other('bzip2', 'application/x-bzip2', 'bz2')
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return other('zstd', 'application/zstd', 'zst')
  if (ascii(head, 257, 262) === 'ustar') return other('tar', 'application/x-tar', 'tar')
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    return head.subarray(0, 64).includes('webm')
      ? other('webm', 'video/webm', 'webm')
      : other('mkv', 'video/x-matroska', 'mkv')
  }
  if (ascii(head, 0, 3) === 'ID3') return other('mp3', 'audio/mpeg', 'mp3')
  if (head[0] === 0xff && head.length > 1 && [0xfb, 0xfa, 0xf3, 0xf2].includes(head[1]!))
    return other('mp3', 'audio/mpeg', 'mp3')
  if (ascii(head, 0, 4) === 'OggS') return other('ogg', 'audio/ogg', 'ogg')
  if (ascii(head, 0, 4) === 'fLaC') return other('flac', 'audio/flac', 'flac')
  if (ascii(head, 0, 4) === 'wOFF') return other('woff', 'font/woff', 'woff')
  if (ascii(head, 0, 4) === 'wOF2') return other('woff2', 'font/woff2', 'woff2')
  if (ascii(head, 0, 4) === 'OTTO') return other('otf', 'font/otf', 'otf')
  return sniffText(head) ?? UNKNOWN
}
