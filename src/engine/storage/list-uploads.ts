// ListMultipartUploads, every page: the unfinished multipart uploads under a prefix.
import type { S3Client } from '@aws-sdk/client-s3'
import { isNotImplemented } from './errors'
import { loadS3Sdk } from './sdk'

export interface PendingUpload {
  key: string
  uploadId: string
  initiated: Date | null
}

/** null when the store does not implement ListMultipartUploads (s3rver answers 501). */
export async function listMultipartUploads(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): Promise<PendingUpload[] | null> {
  const uploads: PendingUpload[] = []
  let keyMarker: string | undefined
  let uploadIdMarker: string | undefined
  try {
    const { ListMultipartUploadsCommand } = await loadS3Sdk()
    for (;;) {
      const res = await client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
        }),
        { abortSignal: signal },
      )
      for (const u of res.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue
        uploads.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? null })
      }
      if (!res.IsTruncated) break
      // A server that says "truncated" without a marker would loop forever: stop there.
      if (!res.NextKeyMarker && !res.NextUploadIdMarker) break
      if (res.NextKeyMarker === keyMarker && res.NextUploadIdMarker === uploadIdMarker) break
      keyMarker = res.NextKeyMarker
      uploadIdMarker = res.NextUploadIdMarker
    }
  } catch (err) {
    if (isNotImplemented(err)) return null
    throw err
  }
  return uploads
}
