// Fetching an image from an http(s) URL an editor or a note names, so it can be processed and
// re-hosted like any photo. The URL comes from a document or a request, so it is treated as
// hostile: http and https only, a size cap, one deadline for the whole exchange, a few
// redirects (each one checked again), and no private, loopback or link-local address unless the
// user opts in — otherwise a note could make Upshot fetch the user's router page or a cloud's
// metadata service (169.254.169.254) and publish the answer. The address is checked where the
// connection is made (the resolver's answer), so a name that resolves differently on a second
// lookup (DNS rebinding) gains nothing. The type comes from the bytes, never from headers.

import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { UpshotError } from '../../shared/jobs'
import { sniffBytes } from '../../engine/pipeline/sniff'
import type { SniffResult } from '../../engine/types'

export interface RemoteFetchOptions {
  /** Largest body accepted; default 50 MiB. */
  maxBytes?: number
  /** Deadline for the whole fetch, redirects included; default 30 s. */
  timeoutMs?: number
  /** Redirects followed; default 5. */
  maxRedirects?: number
  /** Allow private, loopback and link-local addresses (the user opted in). */
  allowPrivate?: boolean
  signal?: AbortSignal
}

export interface FetchedImage {
  data: Buffer
  /** A file name for it: the URL's last segment with the real extension. */
  name: string
  type: SniffResult
  /** Where the bytes came from after redirects. */
  url: string
}

export const REMOTE_DEFAULTS = {
  maxBytes: 50 * 1024 * 1024,
  timeoutMs: 30_000,
  maxRedirects: 5,
} as const

/**
 * Ranges a public URL has no business reaching. One list per family: a BlockList checks an IPv4
 * address against IPv6 rules too (as ::ffff:a.b.c.d), so the IPv4-mapped rule below would block
 * every IPv4 address if both families shared a list.
 */
const BLOCKED_V4 = new net.BlockList()
const BLOCKED_V6 = new net.BlockList()
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED_V4.addSubnet(prefix, bits, 'ipv4')
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  // IPv4-mapped and NAT64 forms carry an IPv4 address a public resolver would never give here.
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED_V6.addSubnet(prefix, bits, 'ipv6')

/** Whether an IP address is private, loopback, link-local, reserved or multicast. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address)
  if (family === 0) return false
  return family === 4 ? BLOCKED_V4.check(address, 'ipv4') : BLOCKED_V6.check(address, 'ipv6')
}

function refusedAddress(host: string, address: string): UpshotError {
  return new UpshotError(
    'ACCESS_DENIED',
    `${host} is a private, loopback or link-local address (${address}); Upshot fetches images from public addresses only unless you allow local URLs.`,
  )
}

/** A resolver that answers only with addresses the fetch may connect to. */
function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      const list = addresses as dns.LookupAddress[]
      const usable = allowPrivate ? list : list.filter((a) => !isPrivateAddress(a.address))
      if (usable.length === 0) {
        return callback(refusedAddress(hostname, list[0]?.address ?? 'none'), '', 0)
      }
      if ((options as dns.LookupOptions).all) return callback(null, usable as never, 0)
      callback(null, usable[0]!.address, usable[0]!.family)
    })
  }
}

/** Checks a URL before any request: scheme, credentials, and an address given literally. */
export function checkRemoteUrl(raw: string, allowPrivate = false): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UpshotError('CONFIG', `"${raw.slice(0, 200)}" is not a URL.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UpshotError(
      'CONFIG',
      `Only http:// and https:// images are fetched, not ${url.protocol}// URLs.`,
    )
  }
  if (url.username || url.password) {
    throw new UpshotError('CONFIG', 'A URL with a user name or password in it is not fetched.')
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivate && net.isIP(host) && isPrivateAddress(host)) throw refusedAddress(host, host)
  return url
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** Fetches one image with every limit above; the error says which limit or check stopped it. */
export async function fetchRemoteImage(
  raw: string,
  opts: RemoteFetchOptions = {},
): Promise<FetchedImage> {
  const maxBytes = opts.maxBytes ?? REMOTE_DEFAULTS.maxBytes
  const timeoutMs = opts.timeoutMs ?? REMOTE_DEFAULTS.timeoutMs
  const maxRedirects = opts.maxRedirects ?? REMOTE_DEFAULTS.maxRedirects
  const allowPrivate = opts.allowPrivate === true
  const deadline = AbortSignal.timeout(timeoutMs)
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline
  let url = checkRemoteUrl(raw, allowPrivate)
  for (let hop = 0; ; hop++) {
    const res = await getOnce(url, { allowPrivate, signal, timeoutMs, maxBytes })
    if ('location' in res) {
      if (hop >= maxRedirects) {
        throw new UpshotError(
          'NETWORK',
          `${url.host} redirected more than ${maxRedirects} times; the image was not fetched.`,
        )
      }
      url = checkRemoteUrl(new URL(res.location, url).href, allowPrivate)
      continue
    }
    const type = sniffBytes(res.data.subarray(0, 16 * 1024), url.pathname)
    if (type.kind !== 'image' && !type.mime.startsWith('image/')) {
      throw new UpshotError(
        'UNSUPPORTED_FORMAT',
        `${url.host} sent ${type.format === 'unknown' ? 'data' : type.format} rather than an image.`,
      )
    }
    return { data: res.data, name: nameFor(url, type), type, url: url.href }
  }
}

interface GetLimits {
  allowPrivate: boolean
  signal: AbortSignal
  timeoutMs: number
  maxBytes: number
}

function getOnce(url: URL, limits: GetLimits): Promise<{ data: Buffer } | { location: string }> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http
    const req = client.request(url, {
      method: 'GET',
      lookup: guardedLookup(limits.allowPrivate),
      headers: {
        'user-agent': 'Upshot (image uploader)',
        accept: 'image/*',
        'accept-encoding': 'identity',
      },
      // No proxies, no agent shared with other requests.
      agent: false,
      signal: limits.signal,
    })
    const fail = (err: unknown): void => {
      req.destroy()
      reject(asFetchError(err, url, limits))
    }
    req.on('error', fail)
    req.on('response', (res) => {
      const status = res.statusCode ?? 0
      if (REDIRECTS.has(status)) {
        res.resume()
        const location = res.headers.location
        if (!location) return fail(new UpshotError('NETWORK', `${url.host} redirected nowhere.`))
        return resolve({ location })
      }
      if (status !== 200) {
        res.resume()
        return fail(
          new UpshotError(
            status === 404 || status === 410
              ? 'NOT_FOUND'
              : status === 401 || status === 403
                ? 'ACCESS_DENIED'
                : status >= 500
                  ? 'SERVER_ERROR'
                  : 'NETWORK',
            `${url.host} answered ${status} for this image.`,
          ),
        )
      }
      const declared = Number(res.headers['content-length'])
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        res.destroy()
        return fail(tooLarge(url, limits.maxBytes))
      }
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > limits.maxBytes) {
          res.destroy()
          fail(tooLarge(url, limits.maxBytes))
          return
        }
        chunks.push(chunk)
      })
      res.on('error', fail)
      res.on('end', () => {
        if (size === 0) return fail(new UpshotError('EMPTY_FILE', `${url.host} sent no bytes.`))
        resolve({ data: Buffer.concat(chunks, size) })
      })
    })
    req.end()
  })
}

function tooLarge(url: URL, maxBytes: number): UpshotError {
  return new UpshotError(
    'FILE_TOO_LARGE',
    `The image at ${url.host} is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB, the most Upshot fetches.`,
  )
}

function asFetchError(err: unknown, url: URL, limits: GetLimits): UpshotError {
  if (err instanceof UpshotError) return err
  if (limits.signal.aborted) {
    const reason: unknown = limits.signal.reason
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new UpshotError(
        'NETWORK',
        `${url.host} did not send the image within ${Math.round(limits.timeoutMs / 1000)} s.`,
      )
    }
    return new UpshotError('CANCELED', 'The fetch was stopped.')
  }
  const code = (err as NodeJS.ErrnoException).code ?? 'error'
  return new UpshotError('NETWORK', `The image at ${url.host} could not be fetched (${code}).`, {
    cause: err,
  })
}

/** `https://x/a/photo%201.jpeg?w=3` -> `photo 1.jpg`; a name with no extension gets the real one. */
export function nameFor(url: URL, type: SniffResult): string {
  let last = url.pathname.split('/').filter(Boolean).pop() ?? ''
  try {
    last = decodeURIComponent(last)
  } catch {
    // a broken escape: keep it as it is
  }
  // An encoded separator (`..%2F..%2Fetc%2Fpasswd`): the name is what follows the last one.
  last = last.split(/[/\\]/).filter(Boolean).pop() ?? ''
  // Only characters a file name can carry everywhere; separators and controls out.
  // eslint-disable-next-line no-control-regex
  let stem = last.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '-').replace(/^\.+/, '')
  const dot = stem.lastIndexOf('.')
  if (dot > 0) stem = stem.slice(0, dot)
  stem = stem.slice(0, 100) || 'image'
  return `${stem}.${type.ext || 'img'}`
}
