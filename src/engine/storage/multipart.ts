// Resumable multipart upload driven by hand (lib-storage's Upload cannot continue a saved
// UploadId, aws-sdk-js-v3 #6832): create -> persist -> parts in parallel -> persist each -> complete.
import type { FileHandle } from 'node:fs/promises'
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3'
import { UpshotError } from '../../shared/jobs'
import type { PartRecord, PutRequest, PutResult } from '../types'
import type { ByteBudget } from './budget'
import { bodyStream } from './body'
import {
  cleanEtag,
  expectedMultipartEtag,
  type BodyDigest,
  isMultipartEtag,
  isPlainMd5Etag,
} from './digest'
import {
  canceledError,
  isNoSuchUpload,
  toUpshotError,
  errorCode,
  type ErrorContext,
} from './errors'
import {
  choosePartSize,
  partCount,
  partRange,
  partsInFlight,
  S3_MAX_PART_SIZE,
  S3_MAX_PARTS,
  S3_MIN_PART_SIZE,
} from './limits'
import { abortMultipartUpload } from './abort-upload'
import { listMultipartUploads } from './list-uploads'
import { headerSafeMetadata } from './metadata'
import { giveBack, partDigest, sharedBuffer } from './hash-worker'
import { withRetry } from './retry'
import type { S3Sdk } from './sdk'
import { assertSourceUnchanged, OrderedSourceHash } from './source-check'
import type { Throttle } from './throttle'

export interface MultipartDeps {
  client: S3Client
  /** The loaded SDK module (sdk.ts): its command classes, without an await per use. */
  sdk: S3Sdk
  bucket: string
  crc32: boolean
  partConcurrency: number
  maxAttempts: number
  budget: ByteBudget
  throttle?: Throttle
  errors: ErrorContext
  listParts(key: string, uploadId: string, signal?: AbortSignal): Promise<PartRecord[] | null>
}

interface UploadState {
  uploadId: string
  partSize: number
  done: Map<number, PartRecord>
}

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

async function resumeState(deps: MultipartDeps, req: PutRequest): Promise<UploadState | null> {
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

async function createUpload(deps: MultipartDeps, req: PutRequest): Promise<UploadState> {
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

async function sendMissingParts(
  deps: MultipartDeps,
  req: PutRequest,
  fh: FileHandle,
  state: UploadState,
  counter: { sent: number },
): Promise<void> {
  const count = partCount(req.size, state.partSize)
  // Sent from the user's own file: every byte (those of parts an earlier run delivered too) is
  // hashed again in order and checked before the object may be completed.
  const ordered = req.source ? new OrderedSourceHash() : null
  const queue: number[] = []
  for (let n = 1; n <= count; n++) if (ordered || !state.done.has(n)) queue.push(n)
  let failure: unknown = null
  const worker = async (): Promise<void> => {
    while (failure === null && queue.length > 0) {
      if (req.signal?.aborted) {
        failure = canceledError()
        return
      }
      const partNumber = queue.shift()!
      try {
        if (state.done.has(partNumber)) {
          const { start, end } = partRange(req.size, state.partSize, partNumber)
          await ordered!.skip(fh, start, end)
          continue
        }
        const part = await sendPart(deps, req, fh, state, partNumber, counter, ordered)
        // Persist first: a part counts as done only once the ledger knows it.
        req.multipart.onPart(part)
        state.done.set(partNumber, part)
      } catch (err) {
        // Parts already in flight finish (and get recorded); no new part starts.
        failure ??= err
      }
    }
  }
  const workers = partsInFlight(state.partSize, deps.partConcurrency)
  await Promise.all(Array.from({ length: Math.min(workers, queue.length) }, worker))
  if (failure !== null) throw failure
  if (ordered && req.source) await assertSourceUnchanged(fh, req.source, await ordered.digestHex())
}

async function sendPart(
  deps: MultipartDeps,
  req: PutRequest,
  fh: FileHandle,
  state: UploadState,
  partNumber: number,
  counter: { sent: number },
  ordered: OrderedSourceHash | null,
): Promise<PartRecord> {
  const { start, end } = partRange(req.size, state.partSize, partNumber)
  const length = end - start
  const { UploadPartCommand } = deps.sdk
  let release: (() => void) | null = null
  let landed: Buffer | null = null
  const acquireAndRead = async (): Promise<Buffer> => {
    release = await deps.budget.acquire(length, req.signal)
    if (req.signal?.aborted) throw canceledError()
    const buf = sharedBuffer(length)
    let filled = 0
    while (filled < length) {
      const { bytesRead } = await fh.read(buf, filled, length - filled, start + filled)
      if (bytesRead === 0) {
        throw new UpshotError(
          'SOURCE_CHANGED',
          'The file became shorter during the upload; upload the file again.',
        )
      }
      filled += bytesRead
    }
    return buf
  }
  try {
    // Taken before any await, so reads queue up in the order the parts were handed out.
    let buf: Buffer
    let digest: BodyDigest
    if (ordered) {
      const read = await ordered.read(acquireAndRead, deps.crc32)
      buf = read.buf
      digest = await read.digest
    } else {
      buf = await acquireAndRead()
      digest = await partDigest(buf, deps.crc32)
    }
    const res = await withRetry(
      async () => {
        let sent = 0
        const Body = bodyStream(buf, {
          ...(deps.throttle ? { throttle: deps.throttle } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
          onSent(n) {
            sent += n
            counter.sent += n
            req.onProgress?.(n)
          },
        })
        try {
          return await deps.client.send(
            new UploadPartCommand({
              Bucket: deps.bucket,
              Key: req.key,
              UploadId: state.uploadId,
              PartNumber: partNumber,
              ContentLength: length,
              ContentMD5: digest.md5Base64,
              ...(digest.crc32Base64
                ? { ChecksumAlgorithm: 'CRC32' as const, ChecksumCRC32: digest.crc32Base64 }
                : {}),
              Body,
            }),
            { abortSignal: req.signal },
          )
        } catch (err) {
          // These bytes did not make a part: take them back from the progress.
          if (sent > 0) req.onProgress?.(-sent)
          throw err
        }
      },
      { maxAttempts: deps.maxAttempts, ...(req.signal ? { signal: req.signal } : {}) },
    )
    // Answered: the request has read every byte, so the buffer may serve another part. (After a
    // failure it is left to the collector: a dropped request may still hold slices of it.)
    landed = buf
    const etag = cleanEtag(res.ETag)
    if (!etag) {
      throw new UpshotError(
        'SERVER_ERROR',
        `${deps.errors.where} accepted part ${partNumber} without an ETag.`,
      )
    }
    // Content-MD5 already made the server check the bytes; a plain-MD5 ETag is a second look.
    if (
      isPlainMd5Etag(etag) &&
      etag !== digest.md5Hex &&
      !res.SSEKMSKeyId &&
      !res.SSECustomerAlgorithm
    ) {
      throw new UpshotError(
        'VERIFY_FAILED',
        `Part ${partNumber} of "${req.key}" landed with different bytes than were sent; upload it again.`,
      )
    }
    return {
      partNumber,
      etag,
      size: length,
      // Only a checksum the server echoed goes into the complete request: stores that ignore
      // x-amz-checksum-* (Swift) reject ChecksumCRC32 in CompleteMultipartUpload's XML.
      checksum: res.ChecksumCRC32 ?? null,
    }
  } finally {
    if (landed) giveBack(landed)
    ;(release as (() => void) | null)?.()
  }
}

function completedParts(state: UploadState): CompletedPart[] {
  return [...state.done.values()]
    .sort((a, b) => a.partNumber - b.partNumber)
    .map((p) => ({
      PartNumber: p.partNumber,
      ETag: `"${p.etag}"`,
      ...(p.checksum ? { ChecksumCRC32: p.checksum } : {}),
    }))
}

async function completeUpload(
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
async function alreadyCompleted(
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
