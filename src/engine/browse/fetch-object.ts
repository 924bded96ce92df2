// An object's bytes, read whole into memory only when small: GetObject on S3 (its declared
// length checked before the body is read, and the body counted as it comes), the file in a local
// folder. Browse's thumbnails read variants this way; a deadline bounds a slow store.
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { createS3Client, describeStore } from '../storage/client'
import { toUpshotError } from '../storage/errors'
import { loadS3Sdk } from '../storage/sdk'
import type { DestinationConfig } from '../types'

/** null: not there, or larger than `maxBytes`. Throws what the store said otherwise. */
export async function fetchSmallObject(
  config: DestinationConfig,
  key: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer | null> {
  if (config.kind === 'local') return readLocal(config.dir, key, maxBytes)
  const client = await createS3Client(config, 1)
  try {
    const { GetObjectCommand } = await loadS3Sdk()
    let body: Readable
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }), {
        abortSignal: signal,
      })
      body = res.Body as Readable
      if ((res.ContentLength ?? 0) > maxBytes) {
        body.destroy()
        return null
      }
    } catch (err) {
      const name = (err as { name?: string }).name
      if (name === 'NoSuchKey' || name === 'NotFound') return null
      throw toUpshotError(err, { bucket: config.bucket, where: describeStore(config) })
    }
    const chunks: Buffer[] = []
    let n = 0
    for await (const chunk of body) {
      n += (chunk as Buffer).length
      // A store that did not say its length, or said it wrong, is stopped at the cap all the same.
      if (n > maxBytes) {
        body.destroy()
        return null
      }
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks)
  } finally {
    client.destroy()
  }
}

async function readLocal(dir: string, key: string, maxBytes: number): Promise<Buffer | null> {
  const segments = key.split('/')
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) return null
  const file = path.join(path.resolve(dir), ...segments)
  const st = await fs.stat(file).catch(() => null)
  if (!st?.isFile() || st.size > maxBytes) return null
  return fs.readFile(file)
}
