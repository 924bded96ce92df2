// Every storage failure becomes an UpshotError with a stable code and one plain sentence.
import { UpshotError } from '../../shared/jobs'

/** What the messages name: the store and the bucket. */
export interface ErrorContext {
  bucket: string
  /** The endpoint as the user gave it, or "AWS S3 (region)". */
  where: string
}

interface SdkLikeError {
  name?: string
  code?: string
  message?: string
  Code?: string
  $fault?: string
  $metadata?: { httpStatusCode?: number }
  $retryable?: unknown
}

function asSdk(err: unknown): SdkLikeError {
  return typeof err === 'object' && err !== null ? (err as SdkLikeError) : {}
}

/** The S3 error code (NoSuchBucket, SlowDown...) or the Node error code (ECONNRESET...). */
export function errorCode(err: unknown): string {
  const e = asSdk(err)
  return e.Code ?? e.code ?? e.name ?? ''
}

export function httpStatus(err: unknown): number | undefined {
  return asSdk(err).$metadata?.httpStatusCode
}

/** Stop asking: the request itself is wrong or not allowed. */
const PERMANENT = new Set([
  'AccessDenied',
  'Forbidden',
  'AllAccessDisabled',
  'AccountProblem',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'NoSuchBucket',
  'InvalidBucketName',
  'NoSuchKey',
  'NoSuchUpload',
  'NotFound',
  'InvalidPart',
  'InvalidPartOrder',
  'EntityTooSmall',
  'EntityTooLarge',
  'MalformedXML',
  'InvalidArgument',
  'InvalidRequest',
  'AuthorizationHeaderMalformed',
  'PermanentRedirect',
  'MethodNotAllowed',
  'NotImplemented',
  'RequestTimeTooSkewed',
])

/** Worth another try after a pause: the server is busy, the link dropped, the bytes got mangled. */
const TRANSIENT = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
  'BadDigest',
  'XAmzContentSHA256Mismatch',
  'IncompleteBody',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
])

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'TimeoutError',
])

export function isAbortError(err: unknown): boolean {
  const e = asSdk(err)
  return e.name === 'AbortError' || e.code === 'ABORT_ERR'
}

function isSocketHangUp(err: unknown): boolean {
  return /socket hang up|ECONNRESET|EPIPE/i.test(asSdk(err).message ?? '')
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof UpshotError) return err.retryable
  if (isAbortError(err)) return false
  const code = errorCode(err)
  if (PERMANENT.has(code)) return false
  if (TRANSIENT.has(code)) return true
  const status = httpStatus(err)
  if (status !== undefined) return status >= 500 || status === 429
  return isSocketHangUp(err)
}

/** The server does not know this multipart upload (expired, aborted or completed). */
export function isNoSuchUpload(err: unknown): boolean {
  return errorCode(err) === 'NoSuchUpload'
}

/** The server does not implement the operation (s3rver: ListParts, Abort, ListMultipartUploads). */
export function isNotImplemented(err: unknown): boolean {
  const code = errorCode(err)
  const status = httpStatus(err)
  return (
    code === 'NotImplemented' || code === 'MethodNotAllowed' || status === 501 || status === 405
  )
}

export function canceledError(): UpshotError {
  return new UpshotError('CANCELED', 'The upload was stopped before it finished.')
}

/** Map anything a storage call threw to an UpshotError naming the problem and what to check. */
export function toUpshotError(err: unknown, ctx: ErrorContext): UpshotError {
  if (err instanceof UpshotError) return err
  const code = errorCode(err)
  const status = httpStatus(err)
  const { bucket, where } = ctx
  const opts = { cause: err }
  switch (code) {
    case 'InvalidAccessKeyId':
      return new UpshotError(
        'INVALID_CREDENTIALS',
        `The access key ID is not known to ${where}; check the access key in the destination settings.`,
        opts,
      )
    case 'SignatureDoesNotMatch':
      return new UpshotError(
        'INVALID_CREDENTIALS',
        `${where} rejected the request signature; check the secret access key (and the region).`,
        opts,
      )
    case 'InvalidToken':
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
      return new UpshotError(
        'INVALID_CREDENTIALS',
        `The session token for ${where} is invalid or expired; refresh the credentials.`,
        opts,
      )
    case 'CredentialsProviderError':
      return new UpshotError(
        'INVALID_CREDENTIALS',
        'No credentials were found for this destination; set an access key or an AWS profile.',
        opts,
      )
    case 'AccessDenied':
    case 'Forbidden':
    case 'AllAccessDisabled':
    case 'AccountProblem':
      return new UpshotError(
        'ACCESS_DENIED',
        `Access to the bucket "${bucket}" at ${where} was denied; check that these credentials may write to it.`,
        opts,
      )
    case 'NoSuchBucket':
      return new UpshotError(
        'NO_SUCH_BUCKET',
        `The bucket "${bucket}" does not exist at ${where}; check the bucket name and endpoint.`,
        opts,
      )
    case 'InvalidBucketName':
      return new UpshotError(
        'CONFIG',
        `"${bucket}" is not a valid bucket name for ${where}; check the bucket name.`,
        opts,
      )
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return new UpshotError(
        'CONFIG',
        `The bucket "${bucket}" is not in the configured region at ${where}; check the region.`,
        opts,
      )
    case 'RequestTimeTooSkewed':
      return new UpshotError(
        'CLOCK_SKEW',
        `This computer's clock differs too much from ${where}'s; set the clock automatically and try again.`,
        opts,
      )
    case 'EntityTooLarge':
      return new UpshotError(
        'FILE_TOO_LARGE',
        `${where} refused the object as too large for bucket "${bucket}".`,
        opts,
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UpshotError(
        'NETWORK',
        `The host of ${where} could not be found; check the endpoint and the internet connection.`,
        { ...opts, retryable: true },
      )
    case 'ECONNREFUSED':
      return new UpshotError(
        'NETWORK',
        `${where} refused the connection; check the endpoint and that the server is running.`,
        { ...opts, retryable: true },
      )
  }
  if (status === 403) {
    // HEAD answers carry no body, so a bad key and a missing permission look alike.
    return new UpshotError(
      'ACCESS_DENIED',
      `${where} refused access to the bucket "${bucket}"; check the credentials and their permissions.`,
      opts,
    )
  }
  if (NETWORK_CODES.has(code) || isSocketHangUp(err)) {
    return new UpshotError(
      'NETWORK',
      `The connection to ${where} kept failing (${code || 'socket hang up'}); check the network and try again.`,
      { ...opts, retryable: true },
    )
  }
  if (status !== undefined && (status >= 500 || status === 429 || TRANSIENT.has(code))) {
    return new UpshotError(
      'SERVER_ERROR',
      `${where} kept answering with errors (${code || status}); try again later.`,
      { ...opts, retryable: true },
    )
  }
  if (TRANSIENT.has(code)) {
    return new UpshotError(
      'SERVER_ERROR',
      `Requests to ${where} kept failing (${code}); try again later.`,
      { ...opts, retryable: true },
    )
  }
  const detail = (asSdk(err).message ?? String(err)).split('\n')[0]!.slice(0, 160)
  return new UpshotError(
    'SERVER_ERROR',
    `${where} rejected the request for bucket "${bucket}" (${code || status || 'error'}: ${detail}).`,
    opts,
  )
}
