// The parts of a multipart upload: the missing ones sent in parallel within the byte budget, each
// checked (Content-MD5, the ETag) and recorded before it counts as done.

import type { FileHandle } from 'node:fs/promises'
import { UpshotError } from '../../shared/jobs'
import type { PartRecord, PutRequest } from '../types'
import { bodyStream } from './body'
import { cleanEtag, isPlainMd5Etag, type BodyDigest } from './digest'
import { canceledError } from './errors'
import { giveBack, partDigest, sharedBuffer } from './hash-worker'
import { partCount, partRange, partsInFlight } from './limits'
import type { MultipartDeps, UploadState } from './multipart-state'
import { withRetry } from './retry'
import { assertSourceUnchanged, OrderedSourceHash } from './source-check'

export async function sendMissingParts(
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
