// An HTTP proxy on 127.0.0.1 in front of a test S3 server. It counts the body bytes each request
// sends (what a crash or resume test must measure), can hold the link to a bandwidth, and can
// inject faults: an S3-style error status, a reset mid-body, or a delay.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type Fault =
  /** Read the whole body, then answer this status with an S3 XML error. */
  | { kind: 'status'; status: number; code: string; message?: string }
  /** Forward this many body bytes, then drop both connections (ECONNRESET / socket hang up). */
  | { kind: 'reset'; afterBytes: number }
  /** Hold the request this long before forwarding it. */
  | { kind: 'delay'; ms: number }

export interface ProxiedRequest {
  index: number
  method: string
  /** Path and query as the client sent them. */
  url: string
  /** Body bytes received from the client for this request (counted as they arrive). */
  bytesIn: number
  /** Status sent back to the client; null while running or when the connection was dropped. */
  status: number | null
  fault: Fault['kind'] | null
  /** The client received a full response. */
  done: boolean
  /** When the server's answer arrived (ms epoch); null before. */
  answeredAt: number | null
  /**
   * The proxy is finished with it: the request to the server closed (answered or dropped), or
   * the proxy answered it itself. A client killed mid-request can leave `done` false for good
   * while the body it had already written still reaches the server; this says when that is over.
   */
  over: boolean
}

export interface RequestInfo {
  index: number
  method: string
  url: string
  headers: http.IncomingHttpHeaders
}

export type FaultPolicy = (req: RequestInfo) => Fault | null

export interface TestProxy {
  /** Use as the S3 endpoint. */
  url: string
  port: number
  /** Every request seen since start or the last resetCounters(). */
  readonly requests: readonly ProxiedRequest[]
  /** Body bytes client -> server across all requests. */
  bytesIn(): number
  /** Body bytes of requests that match. */
  bytesWhere(match: (r: ProxiedRequest) => boolean): number
  /**
   * Body bytes per resource: "PUT /bucket/key#part=3" for UploadPart, "PUT /bucket/key" for
   * PutObject... A resource whose bytes exceed its size was (partly) sent more than once.
   */
  bytesByResource(): Map<string, { requests: number; bytes: number }>
  /** Shared link speed in bytes/s for request bodies; 0 = unlimited. */
  setBandwidth(bytesPerSecond: number): void
  /** Decide per request whether to inject a fault; null removes the policy. */
  setFaults(policy: FaultPolicy | null): void
  resetCounters(): void
  close(): Promise<void>
}

/** Fail a random share of requests (optionally only those matching) with the given fault. */
export function randomFaults(
  rate: number,
  fault: Fault,
  match: (r: RequestInfo) => boolean = () => true,
  random: () => number = Math.random,
): FaultPolicy {
  return (r) => (match(r) && random() < rate ? fault : null)
}

/** Fail the first `count` matching requests with the given fault, then let everything through. */
export function firstFaults(
  count: number,
  fault: Fault,
  match: (r: RequestInfo) => boolean = () => true,
): FaultPolicy {
  let left = count
  return (r) => {
    if (left <= 0 || !match(r)) return null
    left--
    return fault
  }
}

/** True for UploadPart requests (PUT with partNumber and uploadId). */
export function isUploadPart(r: { method: string; url: string }): boolean {
  return r.method === 'PUT' && /[?&]partNumber=/.test(r.url) && /[?&]uploadId=/.test(r.url)
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
])

// Slices keep the throttle smooth: a socket can hand over 64 KiB at once.
const SLICE = 16 * 1024

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function startProxy(target: string): Promise<TestProxy> {
  const upstream = new URL(target)
  // A fresh upstream connection per request. A pooled one races the server's idle timer (s3rver
  // drops keep-alive sockets after 5 s without announcing it in a way Node's agent honours): a
  // request forwarded as the server closes the socket dies with "socket hang up", and the client
  // correctly retries it, so a test counting requests sees one too many. A loaded machine widens
  // that window from microseconds to a stalled event loop.
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })
  let requests: ProxiedRequest[] = []
  let counter = 0
  let bandwidth = 0
  let nextFree = 0 // ms timestamp when the link is free again
  let policy: FaultPolicy | null = null
  const sockets = new Set<Socket>()

  async function throttle(bytes: number): Promise<void> {
    if (bandwidth <= 0) return
    const now = Date.now()
    const start = Math.max(now, nextFree)
    nextFree = start + (bytes / bandwidth) * 1000
    const wait = nextFree - now
    if (wait >= 1) await sleep(wait)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const index = counter++
    const method = req.method ?? 'GET'
    const url = req.url ?? '/'
    const rec: ProxiedRequest = {
      index,
      method,
      url,
      bytesIn: 0,
      status: null,
      fault: null,
      done: false,
      answeredAt: null,
      over: false,
    }
    requests.push(rec)
    const fault = policy?.({ index, method, url, headers: req.headers }) ?? null
    rec.fault = fault?.kind ?? null

    if (fault?.kind === 'delay') await sleep(fault.ms)

    if (fault?.kind === 'status') {
      try {
        for await (const chunk of req) {
          rec.bytesIn += (chunk as Buffer).length
          await throttle((chunk as Buffer).length)
        }
      } catch {
        rec.over = true
        return
      }
      rec.over = true
      const body = s3ErrorXml(fault.code, fault.message ?? fault.code)
      rec.status = fault.status
      rec.answeredAt = Date.now()
      res.writeHead(fault.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
      })
      res.end(body, () => {
        rec.done = true
      })
      return
    }

    const headers: http.OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v
    }
    const up = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method,
      path: url,
      headers,
      agent,
    })
    up.on('response', (ur) => {
      rec.status = ur.statusCode ?? 502
      rec.answeredAt = Date.now()
      const out: http.OutgoingHttpHeaders = {}
      for (const [k, v] of Object.entries(ur.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v
      }
      res.writeHead(rec.status, out)
      ur.pipe(res)
      res.on('finish', () => {
        rec.done = true
      })
    })
    up.on('error', () => {
      rec.status = null
      res.destroy()
    })
    up.on('close', () => {
      rec.over = true
    })

    try {
      for await (const chunk of req) {
        const buf = chunk as Buffer
        for (let off = 0; off < buf.length; off += SLICE) {
          const slice = buf.subarray(off, Math.min(buf.length, off + SLICE))
          let n = slice.length
          if (fault?.kind === 'reset' && rec.bytesIn + n >= fault.afterBytes) {
            n = Math.max(0, fault.afterBytes - rec.bytesIn)
          }
          await throttle(n)
          rec.bytesIn += n
          if (n > 0 && !up.write(slice.subarray(0, n))) {
            await new Promise<void>((resolve) => {
              const done = (): void => {
                up.off('drain', done)
                up.off('close', done)
                resolve()
              }
              up.on('drain', done)
              up.on('close', done)
            })
          }
          if (fault?.kind === 'reset' && rec.bytesIn >= fault.afterBytes) {
            up.destroy()
            res.destroy()
            return
          }
        }
      }
      if (fault?.kind === 'reset') {
        // The body was shorter than afterBytes: drop the connection before any answer.
        up.destroy()
        res.destroy()
        return
      }
      up.end()
    } catch {
      // The client went away mid-body (pause, kill): the server must not see a complete request.
      up.destroy()
    }
  }

  const server = http.createServer((req, res) => {
    void handle(req, res)
  })
  // Keep the client's keep-alive sockets open as long as the SDK wants them.
  server.keepAliveTimeout = 30_000
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests
    },
    bytesIn: () => requests.reduce((n, r) => n + r.bytesIn, 0),
    bytesWhere: (match) => requests.filter(match).reduce((n, r) => n + r.bytesIn, 0),
    bytesByResource() {
      const out = new Map<string, { requests: number; bytes: number }>()
      for (const r of requests) {
        const u = new URL(r.url, 'http://proxy')
        const part = u.searchParams.get('partNumber')
        const id = `${r.method} ${u.pathname}${part ? `#part=${part}` : ''}`
        const e = out.get(id) ?? { requests: 0, bytes: 0 }
        e.requests++
        e.bytes += r.bytesIn
        out.set(id, e)
      }
      return out
    },
    setBandwidth(bps) {
      bandwidth = bps
      nextFree = 0
    },
    setFaults(p) {
      policy = p
    },
    resetCounters() {
      requests = []
    },
    async close() {
      for (const s of sockets) s.destroy()
      agent.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
