// Hashes that prove what landed: MD5 (Content-MD5 and ETags) and CRC32 (S3's flexible checksums).
import { createHash } from 'node:crypto'
import zlib from 'node:zlib'

export interface BodyDigest {
  md5Hex: string
  md5Base64: string
  /** Base64 of the big-endian CRC32, when asked for. */
  crc32Base64: string | null
}

export function digestOf(buf: Buffer, withCrc32: boolean): BodyDigest {
  const md5 = createHash('md5').update(buf).digest()
  const crc32Base64 = withCrc32 ? crc32Of(buf) : null
  return { md5Hex: md5.toString('hex'), md5Base64: md5.toString('base64'), crc32Base64 }
}

/** Base64 of the big-endian CRC32 (x-amz-checksum-crc32). */
export function crc32Of(buf: Buffer): string {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(zlib.crc32(buf) >>> 0)
  return b.toString('base64')
}

/** ETag without quotes, lowercased. */
export function cleanEtag(etag: string | null | undefined): string | null {
  if (!etag) return null
  return etag.replace(/"/g, '').trim().toLowerCase()
}

export function isPlainMd5Etag(etag: string | null): etag is string {
  return etag !== null && /^[0-9a-f]{32}$/.test(etag)
}

export function isMultipartEtag(etag: string | null): etag is string {
  return etag !== null && /^[0-9a-f]{32}-\d+$/.test(etag)
}

/**
 * The ETag S3 gives a multipart object: MD5 of the concatenated binary part MD5s, then "-N".
 * Null when a part ETag is not an MD5 (SSE-KMS and some stores), so it cannot be predicted.
 */
export function expectedMultipartEtag(partEtags: readonly string[]): string | null {
  const h = createHash('md5')
  for (const e of partEtags) {
    const clean = cleanEtag(e)
    if (!isPlainMd5Etag(clean)) return null
    h.update(Buffer.from(clean, 'hex'))
  }
  return `${h.digest('hex')}-${partEtags.length}`
}
