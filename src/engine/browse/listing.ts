// What is in a destination, page by page: ListObjectsV2 (1000 keys a page, `/` as the delimiter
// for folder-like browsing, or none for a whole subtree), or a local folder read the same way.
// Upshot's own bookkeeping (.upshot/ reference markers, .upshot-probe/ connection checks) is not
// listed: it is not the user's content.

import fs from 'node:fs/promises'
import path from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { UpshotError } from '../../shared/jobs'
import { normalizePrefix } from '../keys'
import { createS3Client, describeStore } from '../storage/client'
import { isRetryable, toUpshotError } from '../storage/errors'
import { withRetry } from '../storage/retry'
import { loadS3Sdk } from '../storage/sdk'
import type { DestinationConfig, LocalDestinationConfig, S3DestinationConfig } from '../types'

export interface BucketObject {
  /** The full key in the bucket (the destination's prefix included). */
  key: string
  size: number
  /** Epoch ms. */
  lastModified: number
}

export interface BucketPage {
  /** Sub-prefixes ending in `/` (only with the delimiter). */
  folders: string[]
  objects: BucketObject[]
  /** Give it back for the next page; null at the end. */
  next: string | null
}

export interface ListRequest {
  /** Under the destination's prefix; '' for all of it. A folder ends in `/`. */
  prefix: string
  /** Group by `/` (folder-like browsing); false lists the whole subtree. */
  delimiter: boolean
  next?: string | null
  /** Up to 1000 (the S3 page size). */
  pageSize?: number
  signal?: AbortSignal
}

const HIDDEN = /(^|\/)\.upshot(-probe)?\//

/** One page of a destination's listing, cheap to call again and again (one client per lister). */
export interface Lister {
  page(req: ListRequest): Promise<BucketPage>
  close(): void
}

export function createLister(config: DestinationConfig): Lister {
  return config.kind === 's3' ? s3Lister(config) : localLister(config)
}

/** The full key of a prefix typed relative to the destination. */
export function fullPrefix(config: DestinationConfig, relative: string): string {
  const base = normalizePrefix(config.prefix)
  const rel = relative.replace(/^\/+/, '')
  return base ? `${base}/${rel}` : rel
}

function s3Lister(config: S3DestinationConfig): Lister {
  let client: Promise<S3Client> | undefined
  const where = { bucket: config.bucket, where: describeStore(config) }
  return {
    async page(req) {
      const c = await (client ??= createS3Client(config, 4))
      const { ListObjectsV2Command } = await loadS3Sdk()
      const prefix = fullPrefix(config, req.prefix)
      try {
        const res = await withRetry(
          () =>
            c.send(
              new ListObjectsV2Command({
                Bucket: config.bucket,
                ...(prefix ? { Prefix: prefix } : {}),
                ...(req.delimiter ? { Delimiter: '/' } : {}),
                ...(req.next ? { ContinuationToken: req.next } : {}),
                MaxKeys: Math.min(1000, req.pageSize ?? 1000),
              }),
              { abortSignal: req.signal },
            ),
          {
            maxAttempts: 4,
            shouldRetry: isRetryable,
            ...(req.signal ? { signal: req.signal } : {}),
          },
        )
        return {
          folders: (res.CommonPrefixes ?? [])
            .map((p) => p.Prefix ?? '')
            .filter((p) => p !== '' && !HIDDEN.test(p)),
          objects: (res.Contents ?? [])
            .filter((o) => o.Key !== undefined && !HIDDEN.test(o.Key))
            .map((o) => ({
              key: o.Key!,
              size: o.Size ?? 0,
              lastModified: o.LastModified?.getTime() ?? 0,
            })),
          next: res.IsTruncated && res.NextContinuationToken ? res.NextContinuationToken : null,
        }
      } catch (err) {
        throw toUpshotError(err, where)
      }
    },
    close() {
      void client?.then((c) => c.destroy()).catch(() => {})
    },
  }
}

/** A local folder listed like a bucket: keys in byte order, the token is the last key given. */
function localLister(config: LocalDestinationConfig): Lister {
  return {
    async page(req) {
      const prefix = fullPrefix(config, req.prefix)
      const size = Math.min(1000, req.pageSize ?? 1000)
      // The folder holding the prefix, and the name start inside it.
      const slash = prefix.lastIndexOf('/')
      const dirKey = slash === -1 ? '' : prefix.slice(0, slash)
      const all: BucketObject[] = []
      const folders = new Set<string>()
      const walk = async (key: string): Promise<void> => {
        let entries: import('node:fs').Dirent[]
        try {
          entries = await fs.readdir(path.join(config.dir, key), { withFileTypes: true })
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
          throw new UpshotError(
            'UNREADABLE',
            `The folder ${path.join(config.dir, key)} cannot be read.`,
          )
        }
        for (const e of entries) {
          const k = key ? `${key}/${e.name}` : e.name
          if (e.isDirectory()) {
            const dir = k + '/'
            if (HIDDEN.test(dir)) continue
            if (req.delimiter) {
              if (dir.startsWith(prefix)) folders.add(dir)
            } else if (dir.startsWith(prefix) || prefix.startsWith(dir)) {
              await walk(k)
            }
          } else if (e.isFile() && k.startsWith(prefix) && !HIDDEN.test(k)) {
            const st = await fs.stat(path.join(config.dir, k))
            all.push({ key: k, size: st.size, lastModified: st.mtimeMs })
          }
        }
      }
      await walk(dirKey)
      // Byte order, like S3; folders and objects share one sequence for the token.
      const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
      const entries = [
        ...[...folders].map((f) => ({ key: f, folder: true as const })),
        ...all.map((o) => ({ key: o.key, folder: false as const, o })),
      ].sort((a, b) => byKey(a.key, b.key))
      const after = req.next ?? null
      const rest = after === null ? entries : entries.filter((e) => e.key > after)
      const pageEntries = rest.slice(0, size)
      return {
        folders: pageEntries.filter((e) => e.folder).map((e) => e.key),
        objects: pageEntries.flatMap((e) => (e.folder ? [] : [e.o])),
        next: rest.length > size ? pageEntries.at(-1)!.key : null,
      }
    },
    close() {},
  }
}
