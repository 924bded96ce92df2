// One object from one destination to another under the same key, with the same metadata,
// content type and Cache-Control: read back into a temporary file, then put (multipart for big
// objects, by the storage layer). What landed is checked by the storage layer's own verify.
// With `multipart` hooks that persist (the mirror worker's), a big copy cut short continues
// from its recorded parts, and its fully read file (`tmpFile`) is used again rather than read
// from the source a second time: the object is content-addressed, its bytes never change.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { UpshotError } from '../../shared/jobs'
import { IMMUTABLE_CACHE_CONTROL } from '../steps/5-upload'
import type { Destination, MultipartHooks } from '../types'
import { readObjectTo, type ReadObject } from './read-object'

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
  opts: {
    tmpDir: string
    expectedBytes?: number
    signal?: AbortSignal
    /** A file name of this copy's own, kept until it succeeds; else a throw-away one. */
    tmpFile?: string
    multipart?: MultipartHooks
  },
): Promise<CopyResult> {
  const head = await from.head(key, opts.signal)
  if (!head) throw new UpshotError('NOT_FOUND', `"${key}" is not on ${from.id} to copy it from.`)
  if (opts.expectedBytes !== undefined && head.size !== opts.expectedBytes) {
    throw new UpshotError(
      'VERIFY_FAILED',
      `"${key}" on ${from.id} is ${head.size} bytes, not the ${opts.expectedBytes} recorded; it is not copied.`,
    )
  }
  const file = path.join(
    opts.tmpDir,
    opts.tmpFile ?? `copy-${crypto.randomBytes(8).toString('hex')}`,
  )
  let done = false
  try {
    const read = (await wholeFile(file, head.size)) ?? (await readWhole(from, key, file, opts))
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
      // Without persisting hooks, a copy interrupted by a crash starts over.
      multipart: opts.multipart ?? { onCreate: () => undefined, onPart: () => undefined },
    })
    done = true
    return { etag: put.etag, bytes: read.bytes }
  } finally {
    // A named file outlives a failed attempt (the next one sends it); a random one never does.
    if (done || !opts.tmpFile) await fs.promises.rm(file, { force: true })
  }
}

/** The file a previous attempt read in full (renamed into place only once whole). */
async function wholeFile(file: string, size: number): Promise<ReadObject | null> {
  const st = await fs.promises.stat(file).catch(() => null)
  return st?.isFile() && st.size === size ? { file, bytes: size } : null
}

/** Reads the object beside `file` and renames it into place once it is all there. */
async function readWhole(
  from: Destination,
  key: string,
  file: string,
  opts: { signal?: AbortSignal },
): Promise<ReadObject> {
  const partial = `${file}.partial`
  try {
    const read = await readObjectTo(from.config, key, partial, opts.signal)
    await fs.promises.rename(partial, file)
    return { file, bytes: read.bytes }
  } finally {
    await fs.promises.rm(partial, { force: true })
  }
}
