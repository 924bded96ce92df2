// Small previews for the queue rows, made in the main process: the page may not read files, and
// its CSP allows only data: and blob: images besides its own. Free of 'electron'.

import sharp from 'sharp'

const SIZE = 96
const CACHE_LIMIT = 2000
/** Sources this large in pixels get no preview: decoding them for a 96 px square is not worth it. */
const MAX_PIXELS = 50_000_000

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
    // SVG is left out: rendering a file from anywhere is the pipeline's job, after sanitising.
    if (!/\.svgz?$/i.test(file)) {
      try {
        const buf = await sharp(file, { limitInputPixels: MAX_PIXELS, animated: false })
          .rotate()
          .resize(SIZE, SIZE, { fit: 'cover', position: 'attention' })
          .webp({ quality: 60 })
          .toBuffer()
        url = `data:image/webp;base64,${buf.toString('base64')}`
      } catch {
        url = null
      }
    }
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value
      if (oldest !== undefined) this.cache.delete(oldest)
    }
    this.cache.set(key, url)
    return url
  }
}
