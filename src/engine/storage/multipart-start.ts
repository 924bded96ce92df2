// How a multipart upload begins: continued from the UploadId and parts the ledger recorded (the
// server's ListParts is the truth), or created afresh and recorded at once.

import { UpshotError } from '../../shared/jobs'
import type { PartRecord, PutRequest } from '../types'
import { canceledError, isNoSuchUpload, toUpshotError } from './errors'
import {
  choosePartSize,
  partCount,
  partRange,
  S3_MAX_PART_SIZE,
  S3_MAX_PARTS,
  S3_MIN_PART_SIZE,
} from './limits'
import { headerSafeMetadata } from './metadata'
import type { MultipartDeps, UploadState } from './multipart-state'
import { withRetry } from './retry'

export async function resumeState(
  deps: MultipartDeps,
  req: PutRequest,
): Promise<UploadState | null> {
  const resume = req.multipart.resume!
  // A recorded plan that breaks S3's rules for this size could never complete: start afresh.
  const { partSize } = resume
  const planOk =
    Number.isInteger(partSize) &&
    partSize >= S3_MIN_PART_SIZE &&
    partSize <= S3_MAX_PART_SIZE &&
    partCount(req.size, partSize) <= S3_MAX_PARTS
  if (!planOk) return null
  let parts: PartRecord[] | null
  try {
    parts = await withRetry(() => deps.listParts(req.key, resume.uploadId, req.signal), {
      maxAttempts: deps.maxAttempts,
      ...(req.signal ? { signal: req.signal } : {}),
    })
  } catch (err) {
    if (isNoSuchUpload(err)) return null
    if (req.signal?.aborted) throw canceledError()
    throw toUpshotError(err, deps.errors)
  }
  // The server's list is the truth; servers without ListParts leave us the ledger's record.
  const known = parts ?? resume.parts
  const done = new Map<number, PartRecord>()
  const count = partCount(req.size, resume.partSize)
  for (const p of known) {
    if (p.partNumber < 1 || p.partNumber > count) continue
    const { start, end } = partRange(req.size, resume.partSize, p.partNumber)
    if (p.size !== end - start || !p.etag) continue
    const recorded = resume.parts.find((r) => r.partNumber === p.partNumber)
    done.set(p.partNumber, { ...p, checksum: p.checksum ?? recorded?.checksum ?? null })
  }
  // Those bytes reached the server in an earlier run: the progress starts from them.
  let kept = 0
  for (const p of done.values()) kept += p.size
  if (kept > 0) req.onProgress?.(kept)
  return { uploadId: resume.uploadId, partSize: resume.partSize, done }
}

export async function createUpload(deps: MultipartDeps, req: PutRequest): Promise<UploadState> {
  const partSize = choosePartSize(req.size)
  if (partCount(req.size, partSize) > S3_MAX_PARTS) {
    throw new UpshotError('FILE_TOO_LARGE', 'The file is larger than S3 can store in one object.')
  }
  const { CreateMultipartUploadCommand } = deps.sdk
  const res = await withRetry(
    () =>
      deps.client.send(
        new CreateMultipartUploadCommand({
          Bucket: deps.bucket,
          Key: req.key,
          ContentType: req.contentType,
          CacheControl: req.cacheControl,
          Metadata: headerSafeMetadata(req.metadata),
          ...(deps.crc32 ? { ChecksumAlgorithm: 'CRC32' as const } : {}),
        }),
        { abortSignal: req.signal },
      ),
    { maxAttempts: deps.maxAttempts, ...(req.signal ? { signal: req.signal } : {}) },
  ).catch((err: unknown) => {
    throw toUpshotError(err, deps.errors)
  })
  if (!res.UploadId) {
    throw new UpshotError('SERVER_ERROR', `${deps.errors.where} did not return an upload ID.`)
  }
  req.multipart.onCreate(res.UploadId, partSize)
  return { uploadId: res.UploadId, partSize, done: new Map() }
}
