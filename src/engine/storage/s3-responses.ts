// What an S3 answer says: an object's size, type and metadata from HEAD's headers, and whether
// a PUT's answer proves the bytes landed whole.

import type http from 'node:http'
import { UpshotError } from '../../shared/jobs'
import type { PutRequest, RemoteObject } from '../types'
import { cleanEtag, isPlainMd5Etag, type BodyDigest } from './digest'

type Headers = http.IncomingHttpHeaders

export function remoteObjectOf(headers: Headers): RemoteObject {
  const metadata: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string')
      metadata[name.slice('x-amz-meta-'.length)] = value
  }
  return {
    size: Number(headers['content-length'] ?? 0),
    etag: cleanEtag(headers.etag),
    contentType: headers['content-type'] ?? null,
    metadata,
  }
}

/**
 * The ETag must equal the MD5 sent when it is a plain MD5 (not under SSE-KMS/SSE-C); otherwise
 * a HEAD must show the exact size. Gives the ETag.
 */
export async function verifySinglePut(
  req: PutRequest,
  headers: Headers,
  digest: BodyDigest,
  headOnServer: () => Promise<RemoteObject | null>,
): Promise<string | null> {
  const etag = cleanEtag(headers.etag)
  const encrypted = Boolean(
    headers['x-amz-server-side-encryption-aws-kms-key-id'] ||
    headers['x-amz-server-side-encryption-customer-algorithm'],
  )
  if (isPlainMd5Etag(etag) && !encrypted) {
    if (etag !== digest.md5Hex) {
      throw new UpshotError(
        'VERIFY_FAILED',
        `"${req.key}" landed with different bytes than were sent (ETag ${etag}); upload it again.`,
      )
    }
  } else {
    const head = await headOnServer()
    if (!head || head.size !== req.size) {
      throw new UpshotError(
        'VERIFY_FAILED',
        `"${req.key}" has ${head ? head.size : 'no'} bytes on the server instead of ${req.size}; upload it again.`,
      )
    }
  }
  return etag
}
