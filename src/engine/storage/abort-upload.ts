// AbortMultipartUpload for cleanup: frees the parts an unfinished upload keeps on the server.
import type { S3Client } from '@aws-sdk/client-s3'
import { httpStatus, isNoSuchUpload } from './errors'
import { loadS3Sdk } from './sdk'

/** true when aborted, false when the upload was already gone (someone else finished it). */
export async function abortMultipartUpload(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const { AbortMultipartUploadCommand } = await loadS3Sdk()
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
      { abortSignal: signal },
    )
    return true
  } catch (err) {
    if (isNoSuchUpload(err) || httpStatus(err) === 404) return false
    throw err
  }
}
