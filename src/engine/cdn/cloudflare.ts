// Cloudflare's purge by URL: POST {api}/zones/{zone_id}/purge_cache with {"files": [...]} and
// `Authorization: Bearer <token>`. At most 30 URLs per call (the smallest plan's limit, so every
// plan takes it); a 429 is waited out as its Retry-After says (up to a minute in this call,
// longer ones are left to the next retry); 5xx and dropped connections are tried again.
// Not tried against the live service from this machine: see README, "Purge on delete".

import { PurgeError, retryAfterMs } from './errors'
import type { CloudflarePurge, Purger } from './types'

export const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4'
export const CLOUDFLARE_BATCH = 30
/** A Retry-After longer than this is not waited for here: the purge stays pending. */
const MAX_INLINE_WAIT_MS = 60_000
const ATTEMPTS = 4
const REQUEST_TIMEOUT_MS = 30_000

interface CloudflareAnswer {
  success?: boolean
  errors?: { code?: number; message?: string }[]
}

export function cloudflarePurger(config: CloudflarePurge): Purger {
  const token = config.apiToken?.trim()
  const base = (config.endpoint ?? CLOUDFLARE_API).replace(/\/+$/, '')
  const url = `${base}/zones/${encodeURIComponent(config.zoneId)}/purge_cache`
  return {
    batchSize: CLOUDFLARE_BATCH,
    async purge(urls, signal) {
      if (!token) {
        throw new PurgeError(
          'INVALID_CREDENTIALS',
          'No Cloudflare API token is set for this destination (Settings, or CLOUDFLARE_API_TOKEN for the CLI).',
          { retryable: false },
        )
      }
      for (let i = 0; i < urls.length; i += CLOUDFLARE_BATCH) {
        await purgeBatch(url, token, urls.slice(i, i + CLOUDFLARE_BATCH), signal)
      }
    },
    close() {},
  }
}

async function purgeBatch(
  url: string,
  token: string,
  files: readonly string[],
  signal: AbortSignal | undefined,
): Promise<void> {
  let last: PurgeError | null = null
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (last) await pause(last.retryAt ? last.retryAt - Date.now() : 500 * 2 ** attempt, signal)
    let res: Response
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ files }),
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
          : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
    } catch (err) {
      if (signal?.aborted) throw err
      last = new PurgeError(
        'NETWORK',
        `Cloudflare's API could not be reached (${(err as Error).message}).`,
        { retryable: true, cause: err },
      )
      continue
    }
    const answer = (await res.json().catch(() => ({}))) as CloudflareAnswer
    if (res.ok && answer.success !== false) return
    const detail = describe(answer)
    if (res.status === 429) {
      const wait = retryAfterMs(res.headers.get('retry-after')) ?? 5_000
      last = new PurgeError(
        'SERVER_ERROR',
        `Cloudflare is limiting purge requests; it asked to wait ${Math.ceil(wait / 1000)} s.`,
        { retryable: true, retryAt: Date.now() + wait },
      )
      if (wait > MAX_INLINE_WAIT_MS) throw last
      continue
    }
    if (res.status >= 500) {
      last = new PurgeError('SERVER_ERROR', `Cloudflare answered ${res.status}${detail}.`, {
        retryable: true,
      })
      continue
    }
    if (res.status === 401 || res.status === 403) {
      throw new PurgeError(
        res.status === 401 ? 'INVALID_CREDENTIALS' : 'ACCESS_DENIED',
        `Cloudflare refused the API token for this zone${detail}; it needs the Zone > Cache Purge permission.`,
        { retryable: false },
      )
    }
    throw new PurgeError('CONFIG', `Cloudflare refused the purge (${res.status})${detail}.`, {
      retryable: false,
    })
  }
  throw last!
}

function describe(answer: CloudflareAnswer): string {
  const first = answer.errors?.[0]
  if (!first?.message) return ''
  return `: ${first.message.slice(0, 200)}${first.code ? ` (${first.code})` : ''}`
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve()
    const t = setTimeout(done, ms)
    function done(): void {
      signal?.removeEventListener('abort', stop)
      resolve()
    }
    function stop(): void {
      clearTimeout(t)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', stop, { once: true })
  })
}
