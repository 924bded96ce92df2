// A purge that failed: a stable code, one sentence, and when it may be tried again.
import { UpshotError, type ErrorCode } from '../../shared/jobs'

export class PurgeError extends UpshotError {
  /** Epoch ms before which another try is pointless (a rate limit's Retry-After), if known. */
  readonly retryAt: number | null
  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable: boolean; retryAt?: number | null; cause?: unknown },
  ) {
    super(code, message, { retryable: options.retryable, cause: options.cause })
    this.name = 'PurgeError'
    this.retryAt = options.retryAt ?? null
  }
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date); null when absent or bad. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null
  const v = header.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}
