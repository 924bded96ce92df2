// Unfinished multipart uploads under a destination, with their age: what `upshot cleanup` (and
// the app's "Clean up unfinished uploads") would look at. null where the store cannot list them.
import { normalizePrefix } from '../keys'
import { createS3Client, describeStore } from '../storage/client'
import { toUpshotError } from '../storage/errors'
import { listMultipartUploads } from '../storage/list-uploads'
import type { DestinationConfig } from '../types'

export interface OpenUpload {
  key: string
  uploadId: string
  /** Epoch ms, or null when the store did not say. */
  initiated: number | null
}

export async function openUploads(
  config: DestinationConfig,
  signal?: AbortSignal,
): Promise<OpenUpload[] | null> {
  if (config.kind !== 's3') return []
  const client = await createS3Client(config, 2)
  try {
    const prefix = normalizePrefix(config.prefix)
    const list = await listMultipartUploads(
      client,
      config.bucket,
      prefix ? prefix + '/' : '',
      signal,
    )
    return (
      list?.map((u) => ({
        key: u.key,
        uploadId: u.uploadId,
        initiated: u.initiated?.getTime() ?? null,
      })) ?? null
    )
  } catch (err) {
    throw toUpshotError(err, { bucket: config.bucket, where: describeStore(config) })
  } finally {
    client.destroy()
  }
}
