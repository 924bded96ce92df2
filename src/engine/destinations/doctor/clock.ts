// The clock check: the median skew between this computer and the server's Date headers.

import type { S3Client } from '@aws-sdk/client-s3'
import type { Checks } from './checks'

/** SigV4 requests are refused beyond 15 minutes of difference. */
const MAX_SKEW_MS = 15 * 60_000
const WARN_SKEW_MS = 60_000

/** Records the server's Date header of every response (errors included), to measure skew. */
export function watchServerClock(client: S3Client, dates: number[]): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const sent = Date.now()
      const out = await next(args)
      const date = (out.response as { headers?: Record<string, string> }).headers?.date
      const server = date ? Date.parse(date) : NaN
      // The Date header has one-second resolution: compare with the middle of the request.
      if (!Number.isNaN(server)) dates.push(server + 500 - (sent + Date.now()) / 2)
      return out
    },
    { step: 'deserialize', priority: 'low', name: 'upshotServerClock' },
  )
}

export function addClock(checks: Checks, skews: number[], where: string): void {
  if (skews.length === 0) {
    checks.add('clock', 'skip', true, `Not checked: ${where} sent no Date header.`)
    return
  }
  const sorted = [...skews].sort((a, b) => a - b)
  const skew = sorted[Math.floor(sorted.length / 2)]!
  const s = Math.round(Math.abs(skew) / 1000)
  const side = skew > 0 ? 'behind' : 'ahead of'
  if (Math.abs(skew) > MAX_SKEW_MS) {
    checks.add(
      'clock',
      'fail',
      true,
      `This computer's clock is ${s} s ${side} ${where}'s; signed requests fail beyond 15 minutes: set the clock automatically.`,
    )
  } else if (Math.abs(skew) > WARN_SKEW_MS) {
    checks.add(
      'clock',
      'pass',
      true,
      `The clock is ${s} s ${side} the server's: within the 15 minutes signing allows, but set it automatically.`,
    )
  } else {
    checks.add(
      'clock',
      'pass',
      true,
      `The clock matches the server's (within ${Math.max(1, s)} s).`,
    )
  }
}
