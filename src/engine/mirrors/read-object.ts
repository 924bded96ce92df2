// Reads an object back from a destination into a temporary file, so it can be sent to another
// one: the mirror copy when the staged file is gone, and verify --repair from an intact copy.
// The Destination interface has no GET (uploads never need one), so this speaks to the store
// itself: GetObject on S3, the file on a local folder.
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Readable } from 'node:stream'
import { UpshotError } from '../../shared/jobs'
import { createS3Client, describeStore } from '../storage/client'
import { toUpshotError } from '../storage/errors'
import { loadS3Sdk } from '../storage/sdk'
import type { DestinationConfig } from '../types'

export interface ReadObject {
  file: string
  bytes: number
}

/** Writes `key` of `config`'s store to `file`; NOT_FOUND-like UpshotError when it is not there. */
export async function readObjectTo(
  config: DestinationConfig,
  key: string,
  file: string,
  signal?: AbortSignal,
): Promise<ReadObject> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true })
  if (config.kind === 'local') {
    const from = localFileOf(config.dir, key)
    try {
      await fs.promises.copyFile(from, file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(key)
      throw err
    }
    return { file, bytes: (await fs.promises.stat(file)).size }
  }
  const client = await createS3Client(config, 2)
  try {
    const { GetObjectCommand } = await loadS3Sdk()
    let body: Readable
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }), {
        ...(signal ? { abortSignal: signal } : {}),
      })
      body = res.Body as Readable
    } catch (err) {
      const name = (err as { name?: string }).name
      if (name === 'NoSuchKey' || name === 'NotFound') throw missing(key)
      throw toUpshotError(err, { bucket: config.bucket, where: describeStore(config) })
    }
    await pipeline(body, fs.createWriteStream(file), ...(signal ? [{ signal }] : []))
    return { file, bytes: (await fs.promises.stat(file)).size }
  } finally {
    client.destroy()
  }
}

function missing(key: string): UpshotError {
  return new UpshotError('NOT_FOUND', `"${key}" is not on the destination to copy it from.`)
}

/** The file a key maps to in a local folder; keys never climb out of it. */
function localFileOf(dir: string, key: string): string {
  const segments = key.split('/')
  if (key === '' || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\')))
    throw new UpshotError('CONFIG', `"${key}" cannot be used as a file name in ${dir}.`)
  return path.join(path.resolve(dir), ...segments)
}
