// A lean request path for the calls every small file makes (HeadObject, PutObject, and the
// dedup listing ListObjectsV2): SigV4 from sigv4.ts and node:http(s) on a keep-alive agent, with
// no AWS SDK loaded. Measured against the sink, the SDK's middleware stack costs 2-2.5 ms of
// main-thread CPU per request, this ~0.5 ms; importing the SDK costs ~0.2 s per process.
// Failures are thrown shaped like the SDK's (name/Code, $metadata.httpStatusCode), so
// errors.ts maps and classifies them exactly as it does the SDK's.
import http from 'node:http'
import https from 'node:https'
import type { S3DestinationConfig } from '../types'
import { bodyStream } from './body'
import type { CredentialSource } from './credentials'
import { SigV4Signer, uriEscape } from './sigv4'
import type { Throttle } from './throttle'
import { isIpHost } from './urls'

export interface LeanResponse {
  status: number
  headers: http.IncomingHttpHeaders
  /** The answer's bytes, read only for GET (HEAD and PUT answers are drained). */
  body?: Buffer
}

export interface LeanRequest {
  method: 'PUT' | 'HEAD' | 'GET'
  /** The object; absent for a request on the bucket itself (a listing). */
  key?: string
  query?: Record<string, string>
  headers?: Record<string, string>
  body?: Buffer
  throttle?: Throttle
  signal?: AbortSignal
  onSent?(bytes: number): void
}

/** An S3 failure in the SDK's shape: errors.ts reads name/Code and $metadata.httpStatusCode. */
export class LeanS3Error extends Error {
  readonly Code: string
  readonly $metadata: { httpStatusCode: number }
  readonly $fault: 'client' | 'server'
  constructor(code: string, message: string, status: number) {
    super(message)
    this.name = code
    this.Code = code
    this.$metadata = { httpStatusCode: status }
    this.$fault = status >= 500 ? 'server' : 'client'
  }
}

// What the SDK names a failure whose answer has no body (every HEAD): its status code.
const NAME_OF_STATUS: Record<number, string> = {
  301: 'PermanentRedirect',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  412: 'PreconditionFailed',
  429: 'TooManyRequests',
  500: 'InternalError',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
}

function xmlField(xml: string, field: string): string | undefined {
  const m = new RegExp(`<${field}>([\\s\\S]*?)</${field}>`).exec(xml)
  return m?.[1]?.trim()
}

export function errorFromResponse(status: number, body: string): LeanS3Error {
  const code = xmlField(body, 'Code') ?? NAME_OF_STATUS[status] ?? `Http${status}`
  const message = xmlField(body, 'Message') ?? `HTTP ${status}`
  return new LeanS3Error(code, message, status)
}

/** Bodies up to this size are written at once (no throttle to pace them). */
const DIRECT_BODY_MAX = 1024 * 1024

const IDLE_TIMEOUT_MS = 120_000

export class LeanS3 {
  private readonly signer: SigV4Signer
  private readonly agent: http.Agent
  private readonly secure: boolean
  private readonly hostname: string
  private readonly socketHost: string
  private readonly port: number | undefined
  private readonly basePath: string

  constructor(
    config: S3DestinationConfig,
    private readonly credentials: CredentialSource,
    sockets: number,
  ) {
    const base = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com`)
    // Virtual-hosted style needs the bucket to be a valid host label; dotted names go path-style
    // on TLS, and an IP address has no subdomains at all, as the SDK does.
    const pathStyle =
      config.pathStyle ||
      isIpHost(base.hostname) ||
      (base.protocol === 'https:' && config.bucket.includes('.'))
    this.secure = base.protocol === 'https:'
    // `[::1]` in the Host header and the URL; the socket wants the bare address.
    this.hostname = pathStyle ? base.hostname : `${config.bucket}.${base.hostname}`
    this.socketHost = this.hostname.replace(/^\[(.*)\]$/, '$1')
    this.port = base.port ? Number(base.port) : undefined
    const prefix = base.pathname.replace(/\/+$/, '')
    this.basePath = pathStyle ? `${prefix}/${uriEscape(config.bucket)}` : prefix
    const agentOptions = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets }
    this.agent = this.secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions)
    this.signer = new SigV4Signer(config.region, 's3')
  }

  /** S3 signs the path as sent: each key segment encoded once, not twice. */
  private pathOf(key: string | undefined): string {
    // The bucket itself, as the SDK sends it: `/bucket/` path-style, `/` on the bucket's host.
    if (key === undefined) return `${this.basePath}/`
    return `${this.basePath}/${key.split('/').map(uriEscape).join('/')}`
  }

  /** One signed request; rejects with a LeanS3Error for any non-2xx answer. */
  async send(req: LeanRequest): Promise<LeanResponse> {
    const host = this.port ? `${this.hostname}:${this.port}` : this.hostname
    const headers: Record<string, string> = { host, ...req.headers }
    if (req.body) headers['content-length'] = String(req.body.length)
    // Content-MD5 or a checksum header protects the body; SHA-256 over it again buys nothing, so
    // the payload is signed as UNSIGNED-PAYLOAD.
    const signed = this.signer.sign(
      {
        method: req.method,
        path: this.pathOf(req.key),
        ...(req.query ? { query: req.query } : {}),
        headers,
      },
      await this.credentials(),
    )
    return new Promise<LeanResponse>((resolve, reject) => {
      const request = (this.secure ? https : http).request({
        method: req.method,
        host: this.socketHost,
        ...(this.port ? { port: this.port } : {}),
        path: signed.path,
        headers: signed.headers,
        agent: this.agent,
        ...(req.signal ? { signal: req.signal } : {}),
      })
      request.setTimeout(IDLE_TIMEOUT_MS, () => {
        const err = new Error('The connection stayed silent for two minutes.') as Error & {
          code: string
        }
        err.code = 'ETIMEDOUT'
        request.destroy(err)
      })
      request.on('error', reject)
      request.on('response', (res) => {
        const status = res.statusCode ?? 0
        if (status >= 200 && status < 300 && req.method === 'GET') {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () =>
            resolve({ status, headers: res.headers, body: Buffer.concat(chunks) }),
          )
          return
        }
        if (status >= 200 && status < 300) {
          res.resume()
          res.on('end', () => resolve({ status, headers: res.headers }))
          res.on('error', reject)
          return
        }
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () =>
          reject(errorFromResponse(status, Buffer.concat(chunks).toString('utf8'))),
        )
      })
      if (!req.body) {
        request.end()
        return
      }
      const unthrottled = !req.throttle || req.throttle.bytesPerSecond <= 0
      if (unthrottled && req.body.length <= DIRECT_BODY_MAX) {
        // A small body in one write: a stream's machinery per small file costs more than the
        // progress it would report in slices.
        const body = req.body
        request.end(body, () => req.onSent?.(body.length))
        return
      }
      const body = bodyStream(req.body, {
        ...(req.throttle ? { throttle: req.throttle } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        onSent: (n) => req.onSent?.(n),
      })
      body.on('error', (err) => request.destroy(err))
      body.pipe(request)
    })
  }

  /** A presigned GET URL for the object: signed here, no request made. */
  async presignGet(
    key: string,
    expiresIn: number,
    query: Record<string, string> = {},
  ): Promise<string> {
    const host = this.port ? `${this.hostname}:${this.port}` : this.hostname
    const signed = this.signer.presign(
      { method: 'GET', path: this.pathOf(key), query, host, expiresIn },
      await this.credentials(),
    )
    return `${this.secure ? 'https' : 'http'}://${host}${signed}`
  }

  close(): void {
    this.agent.destroy()
  }
}
