// Per-request retries: exponential backoff with full jitter. The SDK runs with maxAttempts 1 so
// a failed part is retried alone, with its own budget, and pause/cancel is never retried.
import { canceledError, isAbortError, isRetryable } from './errors'

export interface RetryOptions {
  /** Total attempts, the first included. */
  maxAttempts: number
  baseDelayMs?: number
  maxDelayMs?: number
  signal?: AbortSignal
  /** Defaults to isRetryable from ./errors. */
  shouldRetry?(err: unknown): boolean
  onRetry?(err: unknown, attempt: number, delayMs: number): void
  random?(): number
}

export const DEFAULT_MAX_ATTEMPTS = 5
const BASE_DELAY_MS = 250
const MAX_DELAY_MS = 20_000

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  baseMs = BASE_DELAY_MS,
  capMs = MAX_DELAY_MS,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1)))
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const shouldRetry = opts.shouldRetry ?? isRetryable
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw canceledError()
    try {
      return await fn(attempt)
    } catch (err) {
      if (opts.signal?.aborted || isAbortError(err)) throw canceledError()
      if (attempt >= opts.maxAttempts || !shouldRetry(err)) throw err
      const delay = backoffDelay(attempt, opts.baseDelayMs, opts.maxDelayMs, opts.random)
      opts.onRetry?.(err, attempt, delay)
      await sleep(delay, opts.signal)
    }
  }
}
