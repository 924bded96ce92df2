// `upshot ui`'s web server: the built page, the WebSocket to the core, and the upload path for
// file bytes. Every request passes the same gate, in this order: the Host header must name this
// server (DNS rebinding), the launch token is traded for a cookie or the cookie must be there
// (401 otherwise), and anything that changes state (POST, the WebSocket upgrade) must come from
// this server's own Origin. No CORS header is ever sent.

import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { UpshotError } from '../../shared/jobs'
import { HttpError, hostAllowed, originAllowed, securityHeaders } from '../http/guard'
import type { IncomingFiles } from '../incoming'
import { MAX_TAB_FRAME_BYTES, type BrowserHost } from './host'
import { lookupStatic } from './static-files'
import type { Sessions } from './session'

/** What the server knows once it listens (the port decides the origins and the cookie). */
export interface Binding {
  port: number
  sessions: Sessions
  /** The origins this server's own pages have. */
  origins: readonly string[]
}

export interface BrowserServerOptions {
  host: BrowserHost
  incoming: IncomingFiles
  /** out/renderer */
  rendererDir: string
  /** Host names this server answers to (the port is checked too). */
  hostNames: readonly string[]
  /** Null until the server listens: requests meanwhile are refused. */
  binding(): Binding | null
  tls?: { cert: Buffer; key: Buffer }
}

export const WS_PATH = '/api/ws'
export const FILES_PATH = '/api/files'

export function createBrowserServer(o: BrowserServerOptions): http.Server {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void handle(o, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500
      const message = err instanceof HttpError ? err.message : 'Something went wrong.'
      if (!(err instanceof HttpError)) console.error('[ui] request failed:', err)
      if (!res.headersSent) send(res, status, message, { Connection: 'close' })
      else res.destroy()
    })
  }
  const server = o.tls
    ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, handler)
    : http.createServer(handler)
  // Large files over a slow network take longer than Node's default 5 minutes per request.
  server.requestTimeout = 0
  server.headersTimeout = 60_000

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_TAB_FRAME_BYTES })
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = gate(o, req, true)
    if (refusal || pathOf(req) !== WS_PATH) {
      const status = refusal?.status ?? 404
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      )
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => connect(o.host, ws))
  })
  server.on('close', () => {
    for (const ws of wss.clients) ws.terminate()
    wss.close()
  })
  return server
}

function connect(host: BrowserHost, ws: WebSocket): void {
  const link = host.attach({
    send: (text) => {
      if (ws.readyState === ws.OPEN) ws.send(text)
    },
  })
  ws.on('message', (data, isBinary) => {
    if (isBinary) return
    link.receive(data.toString())
  })
  ws.on('close', () => link.detach())
  ws.on('error', () => link.detach())
}

function pathOf(req: http.IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://page.invalid').pathname
}

/** The checks every request passes; null when it may go on. */
function gate(
  o: BrowserServerOptions,
  req: http.IncomingMessage,
  changesState: boolean,
): HttpError | null {
  const b = o.binding()
  if (!b) return new HttpError(503, 'Upshot is starting; try again in a moment.')
  if (!hostAllowed(req.headers.host, b.port, o.hostNames)) {
    return new HttpError(403, 'This server answers only at the address `upshot ui` printed.')
  }
  if (!b.sessions.authorized(req)) {
    return new HttpError(
      401,
      'Open Upshot with the link `upshot ui` printed (each link works once; run it again for a new one).',
    )
  }
  if (changesState && !originAllowed(req.headers.origin, b.origins)) {
    return new HttpError(403, 'Requests from other pages are refused.')
  }
  return null
}

async function handle(
  o: BrowserServerOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://page.invalid')
  const method = req.method ?? 'GET'
  const launch = url.searchParams.get('token')
  const b = o.binding()
  if (launch !== null && b && (method === 'GET' || method === 'HEAD')) {
    // The Host check comes first here too: a rebinding page must not get a cookie either.
    if (!hostAllowed(req.headers.host, b.port, o.hostNames)) {
      throw new HttpError(403, 'This server answers only at the address `upshot ui` printed.')
    }
    const session = b.sessions.exchange(launch)
    if (!session) {
      throw new HttpError(
        401,
        'This link was used already, or is from an earlier start of `upshot ui`; run it again for a new one.',
      )
    }
    res.writeHead(303, {
      ...securityHeaders(),
      'Set-Cookie': b.sessions.cookieFor(session),
      Location: '/',
    })
    res.end()
    return
  }
  const changesState = method !== 'GET' && method !== 'HEAD'
  const refusal = gate(o, req, changesState)
  if (refusal) throw refusal

  if (url.pathname === FILES_PATH) {
    if (method !== 'POST') throw new HttpError(405, 'Send files with POST.')
    await receiveFile(o, req, res)
    return
  }
  if (changesState) throw new HttpError(405, 'This server takes only GET here.')
  const found = lookupStatic(req.url ?? '/', o.rendererDir)
  if (!found.ok) throw new HttpError(found.status, 'Not found.')
  const body = await fs.promises.readFile(found.file)
  res.writeHead(200, {
    ...securityHeaders(),
    'Content-Type': found.type,
    'Content-Length': body.length,
  })
  res.end(method === 'HEAD' ? undefined : body)
}

/**
 * One file's bytes, streamed to the staging area (IncomingFiles): its name in X-Upshot-Name
 * (percent-encoded, with the folder it came in), its size in Content-Length (required, so a cut
 * connection is never taken for a whole file).
 */
async function receiveFile(
  o: BrowserServerOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const length = Number(req.headers['content-length'])
  if (req.headers['content-length'] === undefined || !Number.isSafeInteger(length)) {
    throw new HttpError(411, 'Send the file’s size (Content-Length).')
  }
  let name: string
  try {
    name = decodeURIComponent(String(req.headers['x-upshot-name'] ?? ''))
  } catch {
    throw new HttpError(400, 'The file’s name is not readable.')
  }
  try {
    const { token, bytes } = await o.incoming.receive(req, name || 'file', length)
    sendJson(res, 200, { token, bytes })
  } catch (err) {
    if (err instanceof UpshotError) {
      const status = err.code === 'FILE_TOO_LARGE' ? 413 : err.code === 'DISK_FULL' ? 507 : 400
      sendJson(res, status, { error: { code: err.code, message: err.message } }, true)
      return
    }
    throw err
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  const body = Buffer.from(`${text}\n`)
  res.writeHead(status, {
    ...securityHeaders(),
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...extra,
  })
  res.end(body)
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, close = false): void {
  const body = Buffer.from(JSON.stringify(value))
  res.writeHead(status, {
    ...securityHeaders(),
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    ...(close ? { Connection: 'close' } : {}),
  })
  res.end(body)
}
