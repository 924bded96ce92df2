// Any S3-compatible store: AWS, Cloudflare R2, MinIO, Swift's s3api, s3rver.
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import type { S3Client } from '@aws-sdk/client-s3'
import { UpshotError } from '../../shared/jobs'
import type {
  Destination,
  PartRecord,
  PutRequest,
  PutResult,
  RemoteObject,
  S3DestinationConfig,
} from '../types'
import { ByteBudget } from './budget'
import { createS3Client, describeStore } from './client'
import { leanCredentials } from './credentials'
import { crc32Of, digestOf } from './digest'
import {
  canceledError,
  httpStatus,
  isNotImplemented,
  isNoSuchUpload,
  toUpshotError,
  type ErrorContext,
} from './errors'
import { MAX_IN_FLIGHT_BYTES, S3_MAX_PUT_SIZE, SINGLE_PUT_MAX } from './limits'
import { LeanS3 } from './lean'
import { listObjectsPage } from './list-objects'
import { putMultipart, type MultipartDeps } from './multipart'
import { DEFAULT_MAX_ATTEMPTS, withRetry } from './retry'
import { loadS3Sdk } from './sdk'
import type { Throttle } from './throttle'
import { assertSourceUnchanged } from './source-check'
import { s3ObjectUrl } from './urls'
import { s3DestinationId } from './s3-id'
import { listAllParts } from './s3-list-parts'
import { markerHeaders, putHeaders, readWhole } from './s3-requests'
import { remoteObjectOf, verifySinglePut } from './s3-responses'

export { s3DestinationId } from './s3-id'

/** Pages of 1000 keys a marker listing may take before it gives up (a million markers). */
const MARKER_LIST_PAGES = 1000

export interface S3DestinationOptions {
  partConcurrency?: number
  bandwidth?: Throttle
  maxAttempts?: number
  /** Objects up to this size go in one PutObject (default SINGLE_PUT_MAX, capped at 5 GiB). */
  singlePutMax?: number
}

export class S3Destination implements Destination {
  readonly id: string
  /** The SDK client, made on first need (multipart, ListParts, aborts, deletes). */
  private client: Promise<S3Client> | null = null
  private madeClient: S3Client | null = null
  private closed = false
  /**
   * HeadObject, single PutObject, the dedup listing and presigned links: what small files need,
   * without the SDK's per-request cost or its import.
   */
  private readonly lean: LeanS3
  private readonly errors: ErrorContext
  private readonly maxAttempts: number
  private readonly partConcurrency: number
  private readonly singlePutMax: number
  private readonly budget = new ByteBudget(MAX_IN_FLIGHT_BYTES)

  constructor(
    readonly config: S3DestinationConfig,
    private readonly opts: S3DestinationOptions = {},
  ) {
    this.id = s3DestinationId(config)
    this.partConcurrency = Math.max(1, opts.partConcurrency ?? 4)
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)
    this.singlePutMax = Math.min(S3_MAX_PUT_SIZE, opts.singlePutMax ?? SINGLE_PUT_MAX)
    // Keys from the config or the environment sign without the SDK; anything else (profiles,
    // SSO, instance metadata) asks the SDK client's provider, as before.
    const credentials = leanCredentials(config, async () => {
      const client = await this.sdkClient()
      return () => client.config.credentials()
    })
    this.lean = new LeanS3(config, credentials, Math.max(32, this.partConcurrency * 8))
    this.errors = { bucket: config.bucket, where: describeStore(config) }
  }

  private sdkClient(): Promise<S3Client> {
    this.client ??= createS3Client(
      this.config,
      // Uploads of one engine share the client: enough sockets for several files' parts at once.
      Math.max(32, this.partConcurrency * 8),
    ).then((client) => {
      // Closed while the SDK was loading: the client has no one left to serve.
      if (this.closed) client.destroy()
      else this.madeClient = client
      return client
    })
    return this.client
  }

  urlFor(key: string): string {
    return s3ObjectUrl(this.config, key)
  }

  /**
   * Private destinations hand out presigned GET URLs: signed locally with the destination's
   * credentials (no request is made), so each call gives a link valid for `expiresIn` from now.
   */
  async linkFor(key: string): Promise<string> {
    if (!this.config.private) return this.urlFor(key)
    return this.presignGet(key)
  }

  /**
   * A presigned GET URL, signed locally without the SDK: the URL the SDK's presigner gives for
   * GetObject with this destination's settings (tests/unit/sigv4.test.ts compares the two).
   */
  async presignGet(key: string, expiresIn = this.config.expiresIn ?? 3600): Promise<string> {
    try {
      return await this.lean.presignGet(key, expiresIn, {
        // The SDK asks for checksums in the answer when it validates them (WHEN_SUPPORTED).
        ...(this.config.checksum === 'WHEN_SUPPORTED' ? { 'x-amz-checksum-mode': 'ENABLED' } : {}),
        'x-id': 'GetObject',
      })
    } catch (err) {
      throw toUpshotError(err, this.errors)
    }
  }

  private retry<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(fn, { maxAttempts: this.maxAttempts, ...(signal ? { signal } : {}) })
  }

  async head(key: string, signal?: AbortSignal): Promise<RemoteObject | null> {
    try {
      const res = await this.retry(
        () => this.lean.send({ method: 'HEAD', key, ...(signal ? { signal } : {}) }),
        signal,
      )
      return remoteObjectOf(res.headers)
    } catch (err) {
      if (httpStatus(err) === 404) {
        // A HEAD has no body, so a missing bucket also looks like 404 NotFound.
        const name = (err as { name?: string }).name
        if (name === 'NoSuchBucket') throw toUpshotError(err, this.errors)
        return null
      }
      throw toUpshotError(err, this.errors)
    }
  }

  async listKeys(prefix: string, maxPages: number): Promise<Set<string> | null> {
    const keys = new Set<string>()
    let token: string | undefined
    for (let page = 0; page < maxPages; page++) {
      const res = await this.retry(() => listObjectsPage(this.lean, prefix, token)).catch(
        (err: unknown) => {
          throw toUpshotError(err, this.errors)
        },
      )
      // An answer we could not read: the caller asks object by object instead.
      if (!res) return null
      for (const key of res.keys) keys.add(key)
      if (!res.truncated) return keys
      token = res.next
      if (!token) return null
    }
    return null
  }

  async put(req: PutRequest): Promise<PutResult> {
    if (req.signal?.aborted) throw canceledError()
    // Bytes already read and hashed (a small file): nothing to open, read or check again.
    if (
      req.bytes &&
      req.bytes.length === req.size &&
      req.size <= this.singlePutMax &&
      req.multipart.resume === undefined
    )
      return this.putSingle(req, null)
    let fh: fs.FileHandle
    try {
      fh = await fs.open(req.filePath, 'r')
    } catch (err) {
      throw new UpshotError(
        'UNREADABLE',
        `The staged file for "${req.key}" could not be read; upload the file again.`,
        { cause: err },
      )
    }
    try {
      const useMultipart = req.size > this.singlePutMax || req.multipart.resume !== undefined
      if (useMultipart) return await putMultipart(await this.multipartDeps(), req, fh)
      return await this.putSingle(req, fh)
    } finally {
      await fh.close()
    }
  }

  private async multipartDeps(): Promise<MultipartDeps> {
    const [client, sdk] = await Promise.all([this.sdkClient(), loadS3Sdk()])
    return {
      client,
      sdk,
      bucket: this.config.bucket,
      crc32: this.config.checksum === 'WHEN_SUPPORTED',
      partConcurrency: this.partConcurrency,
      maxAttempts: this.maxAttempts,
      budget: this.budget,
      ...(this.opts.bandwidth ? { throttle: this.opts.bandwidth } : {}),
      errors: this.errors,
      listParts: (key, uploadId, signal) =>
        listAllParts(() => this.sdkClient(), this.config.bucket, key, uploadId, signal),
    }
  }

  /**
   * One PutObject with the file's bytes. Verification: Content-MD5 makes the server reject
   * damaged bytes, and the returned ETag must equal that MD5 when it is a plain MD5 (not under
   * SSE-KMS/SSE-C); otherwise a HEAD must show the exact size.
   */
  private async putSingle(req: PutRequest, fh: fs.FileHandle | null): Promise<PutResult> {
    const release = await this.budget.acquire(req.size, req.signal)
    try {
      if (req.signal?.aborted) throw canceledError()
      const buf = fh ? await readWhole(fh, req.size) : req.bytes!
      // From the user's own file: these bytes must be the ones hashed when it was read.
      if (fh && req.source)
        await assertSourceUnchanged(fh, req.source, createHash('sha256').update(buf).digest('hex'))
      const crc32 = this.config.checksum === 'WHEN_SUPPORTED'
      // A small file's MD5 was made with its hash, on the hashing thread.
      const digest =
        !fh && req.bytesDigest
          ? { ...req.bytesDigest, crc32Base64: crc32 ? crc32Of(buf) : null }
          : digestOf(buf, crc32)
      let bytesSent = 0
      const res = await this.retry(async () => {
        let sent = 0
        try {
          return await this.lean.send({
            method: 'PUT',
            key: req.key,
            body: buf,
            headers: putHeaders(req, digest),
            ...(this.opts.bandwidth ? { throttle: this.opts.bandwidth } : {}),
            ...(req.signal ? { signal: req.signal } : {}),
            onSent(n) {
              sent += n
              bytesSent += n
              req.onProgress?.(n)
            },
          })
        } catch (err) {
          if (sent > 0) req.onProgress?.(-sent)
          throw err
        }
      }, req.signal).catch((err: unknown) => {
        throw toUpshotError(err, this.errors)
      })
      const etag = await verifySinglePut(req, res.headers, digest, () =>
        this.head(req.key, req.signal),
      )
      return { etag, bytesSent, multipart: false }
    } finally {
      release()
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      const [client, { AbortMultipartUploadCommand }] = await Promise.all([
        this.sdkClient(),
        loadS3Sdk(),
      ])
      await this.retry(() =>
        client.send(
          new AbortMultipartUploadCommand({
            Bucket: this.config.bucket,
            Key: key,
            UploadId: uploadId,
          }),
        ),
      )
    } catch (err) {
      if (isNoSuchUpload(err) || isNotImplemented(err) || httpStatus(err) === 404) return
      throw toUpshotError(err, this.errors)
    }
  }

  async listParts(
    key: string,
    uploadId: string,
    signal?: AbortSignal,
  ): Promise<PartRecord[] | null> {
    try {
      return await this.retry(
        () => listAllParts(() => this.sdkClient(), this.config.bucket, key, uploadId, signal),
        signal,
      )
    } catch (err) {
      throw toUpshotError(err, this.errors)
    }
  }

  async deleteObject(key: string): Promise<void> {
    try {
      const [client, { DeleteObjectCommand }] = await Promise.all([this.sdkClient(), loadS3Sdk()])
      await this.retry(() =>
        client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key })),
      )
    } catch (err) {
      if (httpStatus(err) === 404 && (err as { name?: string }).name !== 'NoSuchBucket') return
      throw toUpshotError(err, this.errors)
    }
  }

  async writeMarker(key: string, metadata: Record<string, string>): Promise<void> {
    const body = Buffer.alloc(0)
    const digest = digestOf(body, this.config.checksum === 'WHEN_SUPPORTED')
    const headers = markerHeaders(digest, metadata)
    await this.retry(() => this.lean.send({ method: 'PUT', key, body, headers })).catch(
      (err: unknown) => {
        throw toUpshotError(err, this.errors)
      },
    )
  }

  async listAll(prefix: string, signal?: AbortSignal): Promise<string[]> {
    if (signal?.aborted) throw canceledError()
    const keys = await this.listKeys(prefix, MARKER_LIST_PAGES)
    if (!keys) {
      throw new UpshotError(
        'SERVER_ERROR',
        `The listing of ${prefix} in ${this.errors.where} could not be read in full, so nothing was deleted; try again.`,
        { retryable: true },
      )
    }
    return [...keys]
  }

  close(): void {
    // No SDK is loaded just to destroy a client that was never made.
    this.closed = true
    this.madeClient?.destroy()
    this.lean.close()
  }
}
