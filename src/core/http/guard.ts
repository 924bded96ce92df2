// The checks every local HTTP server of Upshot makes before it answers (`upshot ui`, the editor
// API). Any web page the user visits can send requests to 127.0.0.1, and a page on another local
// port is even the same *site* (cookies and SameSite ignore ports), so neither the address nor a
// cookie alone proves who is asking:
//
// - Host must be a name the server itself listens under: a DNS-rebinding page reaches
//   127.0.0.1 under its own domain name, and is refused here.
// - Origin must be the server's own on every state-changing request and WebSocket upgrade:
//   browsers send it and pages cannot forge it. No CORS header is ever sent, so another origin
//   cannot read a response either.
// - Tokens are compared in constant time; bodies are read up to a bound.
//
// The API: hostNamesFor + hostAllowed (Host), originsFor + originAllowed (Origin), tokenEquals,
// isLoopbackAddress, listenOn (`upshot ui`, which may be told another interface) and
// listenLoopback (the editor API, loopback only), readBody, securityHeaders (every response),
// HttpError (a refusal's status and sentence). `upshot ui` reads no JSON over HTTP (its requests
// travel over the WebSocket, bounded per frame; file bytes are streamed and bounded by
// IncomingFiles); the editor API reads bounded JSON bodies with readBody.

import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import net from 'node:net'
import { RENDERER_CSP_HEADER } from '../../shared/csp'

/** Whether an address is on the loopback interface (127.0.0.0/8, ::1, IPv4-mapped 127.x). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '')
  if (a === '::1' || a === 'localhost') return true
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a
  return net.isIPv4(v4) && v4.startsWith('127.')
}

/**
 * The host names a server listening on `listenHost` answers to (lowercase, IPv6 bracketed).
 * 127.0.0.1 and ::1 also answer to `localhost`, which resolves to them and is not a name a
 * rebinding page can point elsewhere. Another address (`--host`) answers to itself only.
 */
export function hostNamesFor(listenHost: string): string[] {
  const h = listenHost.toLowerCase().replace(/^\[|\]$/g, '')
  if (h === 'localhost') return ['localhost', '127.0.0.1', '[::1]']
  const literal = net.isIPv6(h) ? `[${h}]` : h
  return isLoopbackAddress(h) ? [literal, 'localhost'] : [literal]
}

/** Splits a Host header into a lowercase name and a port (null when it has none). */
function parseHostHeader(value: string): { name: string; port: number | null } | null {
  const v = value.trim().toLowerCase()
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(v)
  if (!m) return null
  const port = m[2] === undefined ? null : Number(m[2])
  if (port !== null && (port < 1 || port > 65535)) return null
  return { name: m[1]!, port }
}

/**
 * Whether a request's Host header names this server: one of the names it listens under
 * (`names`, by default those of 127.0.0.1) with its port. A missing port is accepted only on
 * the scheme's default port, where browsers leave it out.
 */
export function hostAllowed(
  hostHeader: string | undefined,
  port: number,
  names: readonly string[] = hostNamesFor('127.0.0.1'),
): boolean {
  if (!hostHeader) return false
  const parsed = parseHostHeader(hostHeader)
  if (!parsed || !names.includes(parsed.name)) return false
  if (parsed.port === null) return port === 80 || port === 443
  return parsed.port === port
}

/** The origins of a server on `port` under `names`, as browsers write them. */
export function originsFor(
  port: number,
  names: readonly string[] = hostNamesFor('127.0.0.1'),
  scheme: 'http' | 'https' = 'http',
): string[] {
  const defaultPort = scheme === 'https' ? 443 : 80
  return names.map((n) => (port === defaultPort ? `${scheme}://${n}` : `${scheme}://${n}:${port}`))
}

/**
 * Whether an Origin header is one of `allowlist` (exact origins such as http://127.0.0.1:8765,
 * or an app's own scheme such as app://obsidian.md). A missing Origin, `null` (sandboxed frames,
 * file:// pages, some redirects) and anything with a path, credentials or another port are
 * refused. A server that also serves non-browser clients (which send no Origin) decides that
 * case itself, before calling this.
 */
export function originAllowed(origin: string | undefined, allowlist: readonly string[]): boolean {
  if (!origin) return false
  const o = normalizeOrigin(origin)
  return o !== null && allowlist.some((allowed) => normalizeOrigin(allowed) === o)
}

/** `HTTP://Example.COM:80` -> `http://example.com`; null when it is not exactly an origin. */
function normalizeOrigin(origin: string): string | null {
  if (origin === 'null') return null
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return null
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) return null
  // Non-special schemes (app://obsidian.md) have an opaque origin: scheme and host stand for it.
  const normal =
    parsed.origin !== 'null' ? parsed.origin : `${parsed.protocol}//${parsed.host}`.toLowerCase()
  if (parsed.host === '' || parsed.pathname.replace(/^\/$/, '') !== '') return null
  // An origin is scheme://host[:port] and nothing else; URL would accept and drop the rest.
  const written = origin.toLowerCase().replace(/\/$/, '')
  const defaultPortDropped = normal === parsed.origin ? written.replace(/:(80|443)$/, '') : written
  return written === normal || defaultPortDropped === normal ? normal : null
}

/** Compares two secrets in constant time, whatever their lengths. */
export function tokenEquals(a: string, b: string): boolean {
  // Hashing first makes both sides the same length, so the length of the secret leaks nothing.
  const da = createHash('sha256').update(a, 'utf8').digest()
  const db = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(da, db) && a.length === b.length
}

/** A request refused with an HTTP status and one sentence. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/**
 * Listens on `host` (the caller decided it may: loopback unless the user opted into another
 * interface) on `port` or a free one (0); resolves with the port, rejects with one sentence.
 */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on ${host} is in use; choose another with --port.`)
          : err.code === 'EADDRNOTAVAIL'
            ? new Error(`${host} is not an address of this computer.`)
            : err,
      )
    }
    const onListening = (): void => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

/** The request's body, up to `maxBytes` (413 beyond, before or while it is read). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume()
      reject(tooLarge(maxBytes))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (err: Error | null): void => {
      if (done) return
      done = true
      if (err) reject(err)
      else resolve(Buffer.concat(chunks, size))
    }
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > maxBytes) {
        finish(tooLarge(maxBytes))
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => finish(null))
    req.on('error', (err) => finish(err))
    req.on('aborted', () => finish(new HttpError(400, 'The request was aborted.')))
  })
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `The request is larger than ${maxBytes} bytes, the most accepted.`)
}

/**
 * Listens on a loopback address only (any other host is refused before binding); resolves with
 * the port (useful with port 0). Rejects with the listen error (EADDRINUSE...) as it is.
 */
export function listenLoopback(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  if (!isLoopbackAddress(host)) {
    return Promise.reject(
      new Error(`${host} is not a loopback address; a local server listens on 127.0.0.1 or ::1.`),
    )
  }
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening)
      reject(err)
    }
    const onListening = (): void => {
      server.off('error', onError)
      const addr = server.address() as net.AddressInfo
      resolve(addr.port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ port, host: host === 'localhost' ? '127.0.0.1' : host, exclusive: true })
  })
}

/**
 * Headers for every response: a CSP (the window's for `upshot ui`'s page, none allowed for an
 * API's answers), no sniffing, no framing, no referrer, and resources that only this origin may
 * embed. No CORS header: a response is readable by this origin only.
 */
export function securityHeaders(kind: 'page' | 'api' = 'page'): Record<string, string> {
  return {
    'Content-Security-Policy':
      kind === 'page' ? RENDERER_CSP_HEADER : "default-src 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  }
}
