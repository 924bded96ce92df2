// Thumbnails for the Browse view, made from what is in the bucket, not from this computer's
// files (which may be gone): for an object an upload here links to, that upload's smallest image
// variant; for an object no record knows (an orphan), the object itself when its name says image
// and it is small. Read with GetObject under a size cap and a deadline, decoded by sharp only
// when its bytes say raster image (never SVG from a bucket), shrunk to fit 96 px and handed to
// the page as a data: URL (its CSP allows only its own and data:/blob: images, no remote host).
// Variant keys are content-addressed, so a thumbnail never goes stale: kept in memory (bounded)
// and on disk under the data dir (pruned to the newest ones). Free of 'electron'.

import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { fetchSmallObject } from '../engine/browse/fetch-object'
import type { Ledger } from '../engine/ledger'
import { stmt } from '../engine/ledger/open'
import { sniffBytes } from '../engine/pipeline'
import type { DestinationConfig } from '../engine/types'

export const THUMB_SIZE = 96
/** A variant larger than this is not read for a thumbnail (the smallest one normally is tiny). */
const VARIANT_MAX_BYTES = 16 * 1024 * 1024
/** An orphan is read only this small: it may be anyone's full-size photo. */
const ORPHAN_MAX_BYTES = 4 * 1024 * 1024
const MAX_PIXELS = 50_000_000
const FETCH_DEADLINE_MS = 15_000
const SHARP_SECONDS = 10
const MEMORY_LIMIT = 600
const DISK_LIMIT = 4_000
const PARALLEL = 3
const RASTER_NAME = /\.(jpe?g|png|webp|avif|gif|tiff?|heic|heif)$/i
const RASTER_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif']

export class BucketThumbnails {
  private readonly memory = new Map<string, string | null>()
  /** Thumbnails being made: rows of one upload share one read of its smallest variant. */
  private readonly making = new Map<string, Promise<string | null>>()
  private writes = 0

  constructor(
    private readonly d: { ledger(): Ledger; cacheDir: string },
    private readonly fetch = fetchSmallObject,
  ) {}

  /** Each key's thumbnail as a data: URL, or null (not an image, too big, unreachable). */
  async get(
    config: DestinationConfig,
    destinationId: string,
    keys: readonly string[],
  ): Promise<Record<string, string | null>> {
    const out: Record<string, string | null> = {}
    const todo = [...new Set(keys)]
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const key = todo[next++]!
        out[key] = await this.one(config, destinationId, key)
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length) }, worker))
    return out
  }

  private async one(
    config: DestinationConfig,
    destinationId: string,
    key: string,
  ): Promise<string | null> {
    const source = this.sourceOf(destinationId, key)
    if (!source) return null
    const id = crypto.createHash('sha256').update(`${destinationId}\n${source.key}`).digest('hex')
    const hit = this.memory.get(id)
    if (hit !== undefined) return hit
    let made = this.making.get(id)
    if (!made) {
      made = this.make(id, config, source).finally(() => this.making.delete(id))
      this.making.set(id, made)
    }
    return made
  }

  private async make(
    id: string,
    config: DestinationConfig,
    source: { key: string; maxBytes: number },
  ): Promise<string | null> {
    const file = path.join(this.d.cacheDir, `${id}.webp`)
    const cached = await fs.readFile(file).catch(() => null)
    if (cached) return this.remember(id, dataUrl(cached))
    let bytes: Buffer | null
    try {
      bytes = await this.fetch(
        config,
        source.key,
        source.maxBytes,
        AbortSignal.timeout(FETCH_DEADLINE_MS),
      )
    } catch {
      return null // unreachable now: asked again next time, not remembered
    }
    const thumb = bytes ? await shrink(bytes).catch(() => null) : null
    if (thumb) await this.store(file, thumb)
    return this.remember(id, thumb ? dataUrl(thumb) : null)
  }

  /** What to read: the smallest raster variant of the upload here that links to `key`. */
  private sourceOf(destinationId: string, key: string): { key: string; maxBytes: number } | null {
    const db = this.d.ledger().db
    const job = stmt(
      db,
      `SELECT j.id FROM outputs o JOIN jobs j ON j.id = o.job_id
       WHERE j.destination_id = ? AND o.key = ? AND j.state = 'done'
         AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = j.id)
       ORDER BY j.created_at DESC LIMIT 1`,
    ).get(destinationId, key) as { id: string } | undefined
    if (!job) return RASTER_NAME.test(key) ? { key, maxBytes: ORPHAN_MAX_BYTES } : null
    const smallest = stmt(
      db,
      `SELECT key FROM outputs WHERE job_id = ? AND content_type IN (${RASTER_TYPES.map(() => '?').join(', ')})
       ORDER BY bytes, key LIMIT 1`,
    ).get(job.id, ...RASTER_TYPES) as { key: string } | undefined
    return smallest ? { key: smallest.key, maxBytes: VARIANT_MAX_BYTES } : null
  }

  private remember(id: string, url: string | null): string | null {
    if (this.memory.size >= MEMORY_LIMIT) {
      const oldest = this.memory.keys().next().value
      if (oldest !== undefined) this.memory.delete(oldest)
    }
    this.memory.set(id, url)
    return url
  }

  /** Written whole (renamed into place); the oldest go once there are too many. */
  private async store(file: string, thumb: Buffer): Promise<void> {
    try {
      await fs.mkdir(this.d.cacheDir, { recursive: true })
      const tmp = `${file}.${process.pid}.tmp`
      await fs.writeFile(tmp, thumb)
      await fs.rename(tmp, file)
      if (++this.writes % 100 === 1) await this.prune()
    } catch {
      // A cache that cannot be written costs a fetch next time, nothing more.
    }
  }

  private async prune(): Promise<void> {
    const names = (await fs.readdir(this.d.cacheDir)).filter((n) => n.endsWith('.webp'))
    if (names.length <= DISK_LIMIT) return
    const dated = await Promise.all(
      names.map(async (n) => {
        const st = await fs.stat(path.join(this.d.cacheDir, n)).catch(() => null)
        return { n, t: st?.mtimeMs ?? 0 }
      }),
    )
    dated.sort((a, b) => a.t - b.t)
    for (const { n } of dated.slice(0, names.length - DISK_LIMIT))
      await fs.rm(path.join(this.d.cacheDir, n), { force: true })
  }
}

/** A WebP that fits in 96 px, from bytes that are a raster image by their content; else null. */
export async function shrink(bytes: Buffer): Promise<Buffer | null> {
  const type = sniffBytes(bytes, '')
  if (type.kind !== 'image' || type.format === 'svg') return null
  return sharp(bytes, { limitInputPixels: MAX_PIXELS, animated: false, failOn: 'error' })
    .timeout({ seconds: SHARP_SECONDS })
    .rotate()
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70 })
    .toBuffer()
}

const dataUrl = (webp: Buffer): string => `data:image/webp;base64,${webp.toString('base64')}`
