// HEVC-coded HEIF (iPhone photos): sharp's prebuilt libvips ships libheif without an HEVC
// decoder (patents), so those pictures go through libheif compiled to WASM instead. libheif
// applies the container's rotation and mirroring (irot/imir) itself, so the pixels it returns
// are already upright; HEIF readers must ignore any EXIF orientation on top of that.

import { decodeError } from './errors'

export interface RawImage {
  data: Buffer
  width: number
  height: number
  channels: 4
}

/**
 * Decodes the primary picture to RGBA. The WASM decoder runs on the calling thread; a 12 MP
 * photo takes about a second, which is short next to the job lease.
 */
export async function decodeHeic(buffer: Buffer): Promise<RawImage> {
  const restore = muteLibheifLogs()
  try {
    // Loaded on first use: the WASM bundle costs ~250 ms and ~30 MB, and most runs have no HEIC.
    const { default: decode } = await import('heic-decode')
    const img = await decode({ buffer })
    const data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength)
    if (data.length !== img.width * img.height * 4) throw new Error('short HEIF picture')
    return { data, width: img.width, height: img.height, channels: 4 }
  } catch (err) {
    throw decodeError(err, 'HEIC')
  } finally {
    restore()
  }
}

// libheif-js reports damaged files with console.log, i.e. on stdout, where `upshot --json`
// prints its one JSON document. While a decode runs, its own messages are dropped; anything
// else is passed through untouched.
const LIBHEIF_NOISE =
  /^(Decoding image failed|Could not (parse HEIF|create HEIF|get image data)|Error loading image ids|No images found)/
let muted = 0
let original: typeof console.log | null = null

function muteLibheifLogs(): () => void {
  if (muted++ === 0) {
    const log = console.log
    original = log
    console.log = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && LIBHEIF_NOISE.test(args[0])) return
      log(...args)
    }
  }
  return () => {
    if (--muted === 0 && original) {
      console.log = original
      original = null
    }
  }
}
