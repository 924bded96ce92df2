// What every stage of a multipart upload is given, and the state of one upload as it goes.

import type { S3Client } from '@aws-sdk/client-s3'
import type { PartRecord } from '../types'
import type { ByteBudget } from './budget'
import type { ErrorContext } from './errors'
import type { S3Sdk } from './sdk'
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

export interface UploadState {
  uploadId: string
  partSize: number
  done: Map<number, PartRecord>
}
