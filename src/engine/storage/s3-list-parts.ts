// ListParts through the SDK: what a resumed multipart upload already has on the server.

import type { S3Client } from '@aws-sdk/client-s3'
import type { PartRecord } from '../types'
import { cleanEtag } from './digest'
import { isNotImplemented } from './errors'
import { loadS3Sdk } from './sdk'

/** ListParts, all pages; null when the server does not implement it (s3rver: 405). */
export async function listAllParts(
  sdkClient: () => Promise<S3Client>,
  bucket: string,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<PartRecord[] | null> {
  const parts: PartRecord[] = []
  let marker: string | undefined
  try {
    const [client, { ListPartsCommand }] = await Promise.all([sdkClient(), loadS3Sdk()])
    for (;;) {
      const res = await client.send(
        new ListPartsCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          ...(marker ? { PartNumberMarker: marker } : {}),
        }),
        { abortSignal: signal },
      )
      for (const p of res.Parts ?? []) {
        if (p.PartNumber === undefined) continue
        parts.push({
          partNumber: p.PartNumber,
          etag: cleanEtag(p.ETag) ?? '',
          size: p.Size ?? 0,
          checksum: p.ChecksumCRC32 ?? null,
        })
      }
      if (!res.IsTruncated || !res.NextPartNumberMarker) break
      marker = res.NextPartNumberMarker
    }
  } catch (err) {
    if (isNotImplemented(err)) return null
    throw err
  }
  return parts
}
