// Resumable multipart upload driven by hand (lib-storage's Upload cannot continue a saved
// UploadId, aws-sdk-js-v3 #6832): create -> persist -> parts in parallel -> persist each -> complete.

import type { FileHandle } from 'node:fs/promises'
import type { PutRequest, PutResult } from '../types'
import { canceledError, isNoSuchUpload, toUpshotError, errorCode } from './errors'
import { abortMultipartUpload } from './abort-upload'
import { listMultipartUploads } from './list-uploads'
import { alreadyCompleted, completeUpload } from './multipart-complete'
import { sendMissingParts } from './multipart-parts'
import type { MultipartDeps, UploadState } from './multipart-state'
import { createUpload, resumeState } from './multipart-start'

export type { MultipartDeps } from './multipart-state'

export async function putMultipart(
  deps: MultipartDeps,
  req: PutRequest,
  fh: FileHandle,
): Promise<PutResult> {
  const counter = { sent: 0 }
  let state: UploadState | null = null
  if (req.multipart.resume) state = await resumeState(deps, req)
  if (!state) state = await createUpload(deps, req)
  let restarted = false
  for (;;) {
    try {
      await sendMissingParts(deps, req, fh, state, counter)
      const etag = await completeUpload(deps, req, state)
      await abortOtherUploads(deps, req, state.uploadId)
      return { etag, bytesSent: counter.sent, multipart: true }
    } catch (err) {
      if (req.signal?.aborted) throw canceledError()
      const code = errorCode(err)
      const gone = isNoSuchUpload(err) || code === 'InvalidPart'
      if (!gone || restarted) throw toUpshotError(err, deps.errors)
      // The upload expired or was aborted, or parts we were told about are not there: a
      // completed object from an earlier run counts; otherwise start over once.
      const landed = await alreadyCompleted(deps, req, state).catch(() => null)
      if (landed) {
        await abortOtherUploads(deps, req, null)
        return { etag: landed, bytesSent: counter.sent, multipart: true }
      }
      restarted = true
      // Everything counted so far belonged to the lost upload.
      let lost = 0
      for (const p of state.done.values()) lost += p.size
      if (lost > 0) req.onProgress?.(-lost)
      state = await createUpload(deps, req)
    }
  }
}

/**
 * Once the object is complete, no other unfinished upload of the same key can still be of use:
 * keys are content-addressed and one process uploads a key at a time. Such an upload is what a
 * kill between CreateMultipartUpload and the ledger's record of it leaves behind, or a restart
 * after InvalidPart; aborted here so its parts are not billed forever. Best effort: a store
 * without ListMultipartUploads, or a failure, leaves it to `upshot cleanup`.
 */
async function abortOtherUploads(
  deps: MultipartDeps,
  req: PutRequest,
  keep: string | null,
): Promise<void> {
  try {
    const open = await listMultipartUploads(deps.client, deps.bucket, req.key, req.signal)
    for (const u of open ?? []) {
      if (u.key !== req.key || u.uploadId === keep) continue
      await abortMultipartUpload(deps.client, deps.bucket, u.key, u.uploadId, req.signal)
    }
  } catch {
    // Not needed for this upload's success; `upshot cleanup` finds what is left.
  }
}
