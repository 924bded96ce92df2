// Small previews for the queue rows, made in the main process: the page may not read files, and
// its CSP allows only data: and blob: images besides its own. Free of 'electron'.
//
// The file's bytes decide how it is previewed, never its name: a `.png` holding SVG would
// otherwise reach librsvg unsanitised, free to read local files into the picture. The bytes
// that were sniffed are the bytes decoded (read once, so a swap in between changes nothing);
// SVG is sanitised and drawn by the same renderer process as the variants.

import fsp from 'node:fs/promises'
import sharp, { type Sharp } from 'sharp'
import { sniffBytes, sanitizeSvg } from '../engine/pipeline'
import { svgText } from '../engine/pipeline/svg'
import { renderSvg } from '../engine/pipeline/svg-render'

const SIZE = 96
const CACHE_LIMIT = 2000
/** Sources this large in pixels get no preview: decoding them for a 96 px square is not worth it. */
const MAX_PIXELS = 50_000_000
/** Nor files this large (they are read whole, once). */
const MAX_FILE_BYTES = 128 * 1024 * 1024
/** A preview that takes longer than this is given up. */
const TIME_LIMIT_SECONDS = 20
const SVG_LIMITS = { cpuSeconds: 3, wallSeconds: 15, memoryBytes: 512 * 1024 ** 2 }

export class Thumbnails {
  private readonly cache = new Map<string, string | null>()
  private chain: Promise<unknown> = Promise.resolve()

  /** Forgets a preview (the job's file may be replaced before a retry). */
  forget(key: string): void {
    this.cache.delete(key)
  }

  /** A data: URL (WebP) of the file, or null when it is not an image sharp can preview. */
  get(key: string, file: string): Promise<string | null> {
    const hit = this.cache.get(key)
    if (hit !== undefined) return Promise.resolve(hit)
    // One at a time: previews must not compete with the uploads' own image work.
    const next = this.chain.then(() => this.make(key, file))
    this.chain = next.catch(() => null)
    return next
  }

  private async make(key: string, file: string): Promise<string | null> {
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    let url: string | null = null
    try {
      const buf = await preview(file)
      url = buf ? `data:image/webp;base64,${buf.toString('base64')}` : null
    } catch {
      url = null
    }
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value
      if (oldest !== undefined) this.cache.delete(oldest)
    }
    this.cache.set(key, url)
    return url
  }
}

/** A 96 px WebP of the file, or null when its bytes are not an image this can preview. */
export async function preview(file: string): Promise<Buffer | null> {
  const st = await fsp.stat(file)
  if (!st.isFile() || st.size === 0 || st.size > MAX_FILE_BYTES) return null
  const bytes = await fsp.readFile(file)
  const type = sniffBytes(bytes, file)
  if (type.kind !== 'image') return null
  const input =
    type.format === 'svg'
      ? await svgPixels(bytes)
      : sharp(bytes, { limitInputPixels: MAX_PIXELS, animated: false, failOn: 'error' })
  return input
    .timeout({ seconds: TIME_LIMIT_SECONDS })
    .rotate()
    .resize(SIZE, SIZE, { fit: 'cover', position: 'attention' })
    .webp({ quality: 60 })
    .toBuffer()
}

async function svgPixels(bytes: Buffer): Promise<Sharp> {
  const raster = await renderSvg(
    sanitizeSvg(svgText(bytes)),
    { longestSide: SIZE * 2, maxPixels: (SIZE * 2) ** 2 },
    { limits: SVG_LIMITS },
  )
  return sharp(raster.data, {
    raw: { width: raster.width, height: raster.height, channels: 4 },
  })
}
