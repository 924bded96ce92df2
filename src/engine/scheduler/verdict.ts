// The retry policy: what a step's failure makes of its job. Pure, so each rule is tested alone;
// the scheduler records what it decides.
import { UpshotError, type ErrorCode, type JobError } from '../../shared/jobs'
import { toJobError } from '../job-error'

/** Destination failures that no retry can fix: the whole run for that destination stops. */
export const FATAL_FOR_DESTINATION: readonly ErrorCode[] = [
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'NO_SUCH_BUCKET',
  'CLOCK_SKEW',
  'CONFIG',
]

export interface RetryPolicy {
  /** Job-level attempts for passing failures (5xx, throttling) after the per-request retries. */
  maxJobAttempts: number
  /** Job-level attempts while a destination that answered before is unreachable. */
  maxNetworkAttempts: number
}

export type Verdict =
  /** The destination cannot be used as configured: this job fails, and so do its others. */
  | { kind: 'stop-destination'; error: JobError }
  /** A passing failure: claimable again after `delayMs`. */
  | { kind: 'retry'; error: JobError; delayMs: number }
  | { kind: 'fail'; error: JobError }

/**
 * `attempts`: the claims the job has had, this one included. `reachable`: whether its
 * destination ever answered this engine: a network error from one that did is the network
 * going away (wait for it), from any other a wrong or dead endpoint (stop at once).
 */
export function verdictFor(
  err: unknown,
  attempts: number,
  reachable: boolean,
  policy: RetryPolicy,
  random: () => number = Math.random,
): Verdict {
  const error = toJobError(err)
  const network = error.code === 'NETWORK'
  if (FATAL_FOR_DESTINATION.includes(error.code) || (network && !reachable))
    return { kind: 'stop-destination', error }
  const max = network ? policy.maxNetworkAttempts : policy.maxJobAttempts
  if (err instanceof UpshotError && err.retryable && attempts < max) {
    // Full jitter, capped: many jobs waiting for the same network do not come back in step.
    const cap = network ? 30_000 : 60_000
    const delayMs = Math.min(cap, 1000 * 2 ** attempts) * (0.5 + random() / 2)
    return { kind: 'retry', error, delayMs }
  }
  return { kind: 'fail', error }
}
