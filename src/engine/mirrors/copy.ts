// One object from one destination to another under the same key, with the same metadata,
// content type and Cache-Control: read back into a temporary file, then put (multipart for big
// objects, by the storage layer). What landed is checked by the storage layer's own verify.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { UpshotError } from '../../shared/jobs'
import { IMMUTABLE_CACHE_CONTROL } from '../steps/5-upload'
import type { Destination } from '../types'
import { readObjectTo } from './read-object'

export interface CopyResult {
  etag: string | null
  bytes: number
}

/**
 * Copies `key` from `from` to `to`. `expectedBytes`, when known (the ledger's), must match what
 * `from` holds: a damaged source is never spread to a mirror.
 */
export async function copyObject(
  from: Destination,
  to: Destination,
  key: string,
  opts: { tmpDir: string; expectedBytes?: number; signal?: AbortSignal },
): Promise<CopyResult> {
  const head = await from.head(key, opts.signal)
  if (!head) throw new UpshotError('NOT_FOUND', `"${key}" is not on ${from.id} to copy it from.`)
  if (opts.expectedBytes !== undefined && head.size !== opts.expectedBytes) {
    throw new UpshotError(
      'VERIFY_FAILED',
      `"${key}" on ${from.id} is ${head.size} bytes, not the ${opts.expectedBytes} recorded; it is not copied.`,
    )
  }
  const file = path.join(opts.tmpDir, `copy-${crypto.randomBytes(8).toString('hex')}`)
  try {
    const read = await readObjectTo(from.config, key, file, opts.signal)
    if (read.bytes !== head.size) {
      throw new UpshotError(
        'VERIFY_FAILED',
        `"${key}" read back as ${read.bytes} bytes, not ${head.size}; it is not copied.`,
      )
    }
    const put = await to.put({
      key,
      filePath: file,
      size: read.bytes,
      contentType: head.contentType ?? 'application/octet-stream',
      // Every object Upshot writes is content-addressed and immutable (steps/5-upload.ts).
      cacheControl: IMMUTABLE_CACHE_CONTROL,
      metadata: head.metadata,
      ...(opts.signal ? { signal: opts.signal } : {}),
      // A copy interrupted by a crash starts over: its source stays in the primary.
      multipart: { onCreate: () => undefined, onPart: () => undefined },
    })
    return { etag: put.etag, bytes: read.bytes }
  } finally {
    await fs.promises.rm(file, { force: true })
  }
}
