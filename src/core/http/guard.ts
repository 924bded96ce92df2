// Guards every local HTTP server of Upshot shares (the editor API, the browser UI). A server on
// the user's machine is reachable by every web page the user opens: a page can send it simple
// requests (no preflight) and, through DNS rebinding, even read its answers under its own origin.
// So a local server listens on loopback only, answers only requests addressed to a loopback name
// with its port (Host), refuses requests a browser sends on a foreign page's behalf (Origin),
// requires a token compared in constant time, reads bounded bodies, and sends no CORS headers.

import { createHash, timingSafeEqual } from 'node:crypto'
import type http from 'node:http'
import net from 'node:net'

/** Hosts a local server may listen on. */
const LOOPBACK_LISTEN = new Set(['127.0.0.1', '::1', 'localhost'])

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_LISTEN.has(host.toLowerCase())
}

/**
 * Whether a Host header names this server: a loopback name or address with the port it listens
 * on. Anything else is a request that reached the port under another name (DNS rebinding:
 * `evil.example` resolved to 127.0.0.1), and is refused.
 */
export function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false
  const h = hostHeader.trim().toLowerCase()
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`
}

/** `https://Example.COM:443/` -> `https://example.com`; null when it is not an origin. */
function normalizeOrigin(origin: string): string | null {
  const o = origin.trim()
  if (o === '' || o === 'null') return null
  try {
    const u = new URL(o)
    // Non-special schemes (app://obsidian.md) have no default port and keep their host's case.
    return `${u.protocol}//${u.host}`.toLowerCase()
  } catch {
    return null
  }
}

/**
 * Whether a request may come from this Origin. No Origin: not a browser page (an editor's
 * own HTTP client, curl): allowed. An Origin: only one on the allowlist; `null` (sandboxed
 * frames, file: pages) never.
 */
export function originAllowed(origin: string | undefined, allowlist: readonly string[]): boolean {
  if (origin === undefined) return true
  const o = normalizeOrigin(origin)
  if (o === null) return false
  return allowlist.some((a) => normalizeOrigin(a) === o)
}

/** Compares two secrets in constant time (whatever their lengths). */
export function tokenEquals(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest()
  const db = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(da, db) && a.length === b.length
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** The request's body, up to `maxBytes` (413 beyond, before or while it is read). */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
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
export function listenLoopback(server: http.Server, port = 0, host = '127.0.0.1'): Promise<number> {
  if (!isLoopbackHost(host)) {
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
 * Headers for every answer: never cached, never sniffed, never framed, no referrer; no CORS
 * header at all, so a foreign page cannot read an answer.
 */
export function securityHeaders(): Record<string, string> {
  return {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cross-Origin-Resource-Policy': 'same-origin',
  }
}
