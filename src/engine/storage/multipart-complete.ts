// How a multipart upload ends: completed and checked against what was sent, or found already
// complete from an earlier run whose completion was never recorded.

import type { CompletedPart } from '@aws-sdk/client-s3'
import { UpshotError } from '../../shared/jobs'
import type { PutRequest } from '../types'
import { cleanEtag, expectedMultipartEtag, isMultipartEtag } from './digest'
import { partCount } from './limits'
import type { MultipartDeps, UploadState } from './multipart-state'
import { withRetry } from './retry'

function completedParts(state: UploadState): CompletedPart[] {
  return [...state.done.values()]
    .sort((a, b) => a.partNumber - b.partNumber)
    .map((p) => ({
      PartNumber: p.partNumber,
      ETag: `"${p.etag}"`,
      ...(p.checksum ? { ChecksumCRC32: p.checksum } : {}),
    }))
}

export async function completeUpload(
  deps: MultipartDeps,
  req: PutRequest,
  state: UploadState,
): Promise<string | null> {
  const parts = completedParts(state)
  const { CompleteMultipartUploadCommand } = deps.sdk
  const res = await withRetry(
    () =>
      deps.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: deps.bucket,
          Key: req.key,
          UploadId: state.uploadId,
          MultipartUpload: { Parts: parts },
        }),
        { abortSignal: req.signal },
      ),
    { maxAttempts: deps.maxAttempts, ...(req.signal ? { signal: req.signal } : {}) },
  )
  const etag = cleanEtag(res.ETag)
  await verifyMultipart(deps, req, state, etag)
  return etag
}

/**
 * What landed: the server's multipart ETag must equal MD5(part MD5s)-N when it has that form
 * (servers like s3rver give the whole-object MD5 instead, which we never computed), and a HEAD
 * must report the exact size. Each part was already checked with Content-MD5 on the way in.
 */
async function verifyMultipart(
  deps: MultipartDeps,
  req: PutRequest,
  state: UploadState,
  etag: string | null,
): Promise<void> {
  const expected = expectedMultipartEtag(
    [...state.done.values()].sort((a, b) => a.partNumber - b.partNumber).map((p) => p.etag),
  )
  if (isMultipartEtag(etag) && expected && etag !== expected) {
    throw new UpshotError(
      'VERIFY_FAILED',
      `"${req.key}" was assembled from different parts than were sent (ETag ${etag}); upload it again.`,
    )
  }
  const { HeadObjectCommand } = deps.sdk
  const head = await withRetry(
    () =>
      deps.client.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: req.key }), {
        abortSignal: req.signal,
      }),
    { maxAttempts: deps.maxAttempts, ...(req.signal ? { signal: req.signal } : {}) },
  )
  if (head.ContentLength !== req.size) {
    throw new UpshotError(
      'VERIFY_FAILED',
      `"${req.key}" has ${head.ContentLength ?? 'no'} bytes on the server instead of ${req.size}; upload it again.`,
    )
  }
}

/** The object is already there from an earlier run whose completion we never recorded. */
export async function alreadyCompleted(
  deps: MultipartDeps,
  req: PutRequest,
  state: UploadState,
): Promise<string | null> {
  if (state.done.size !== partCount(req.size, state.partSize)) return null
  const expected = expectedMultipartEtag(
    [...state.done.values()].sort((a, b) => a.partNumber - b.partNumber).map((p) => p.etag),
  )
  if (!expected) return null
  const { HeadObjectCommand } = deps.sdk
  const head = await deps.client.send(
    new HeadObjectCommand({ Bucket: deps.bucket, Key: req.key }),
    { abortSignal: req.signal },
  )
  return head.ContentLength === req.size && cleanEtag(head.ETag) === expected ? expected : null
}
