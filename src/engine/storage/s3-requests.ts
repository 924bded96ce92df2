// What an S3 PUT sends: the staged file's bytes, read whole, and the headers that make the store
// check them (Content-MD5, CRC32) and carry the object's metadata.

import fs from 'node:fs/promises'
import { UpshotError } from '../../shared/jobs'
import type { PutRequest } from '../types'
import type { BodyDigest } from './digest'
import { headerSafeMetadata } from './metadata'

export async function readWhole(fh: fs.FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(size)
  let filled = 0
  while (filled < size) {
    const { bytesRead } = await fh.read(buf, filled, size - filled, filled)
    if (bytesRead === 0) {
      throw new UpshotError(
        'SOURCE_CHANGED',
        'The staged file became shorter during the upload; upload the file again.',
      )
    }
    filled += bytesRead
  }
  return buf
}

export function putHeaders(req: PutRequest, digest: BodyDigest): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': req.contentType,
    'cache-control': req.cacheControl,
    'content-md5': digest.md5Base64,
  }
  if (digest.crc32Base64) headers['x-amz-checksum-crc32'] = digest.crc32Base64
  for (const [k, v] of Object.entries(headerSafeMetadata(req.metadata)))
    headers[`x-amz-meta-${k}`] = v
  return headers
}

/** A reference marker: an empty object whose metadata is the record. */
export function markerHeaders(
  digest: BodyDigest,
  metadata: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'content-md5': digest.md5Base64,
  }
  if (digest.crc32Base64) headers['x-amz-checksum-crc32'] = digest.crc32Base64
  for (const [k, v] of Object.entries(headerSafeMetadata(metadata))) headers[`x-amz-meta-${k}`] = v
  return headers
}
