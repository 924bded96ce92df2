// Local stand-ins for the CDN purge APIs, checking each request the way the services document it.
// Not the services themselves: Upshot's purges were not tried against the live APIs from here.
//
// CloudFront CreateInvalidation (API reference, 2020-05-31): POST
// /2020-05-31/distribution/{Id}/invalidation, SigV4 (service cloudfront, region us-east-1), body
// <InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"> with a
// CallerReference and <Paths><Quantity>n</Quantity><Items><Path>/...</Path></Items></Paths>;
// 201 with Location and an <Invalidation>; errors as <ErrorResponse><Error><Code>.
//
// Cloudflare purge by URL (API v4): POST /client/v4/zones/{zone_id}/purge_cache,
// `Authorization: Bearer <token>`, JSON {"files": [absolute URLs]}; 200 {"success": true, ...};
// errors {"success": false, "errors": [{code, message}]}; 429 with Retry-After when limited.

import { createHash, createHmac, randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface CdnRequestLog {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: string
  status: number
}

interface Base {
  url: string
  requests: CdnRequestLog[]
  /** URLs (Cloudflare) or paths (CloudFront) accepted. */
  purged: string[]
  /** Answer the next n requests with this (status, code, retry-after seconds). */
  failNext(n: number, status: number, code: string, retryAfter?: number): void
  stop(): Promise<void>
}

async function listen(
  handler: http.RequestListener,
): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}` }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

// ------------------------------------------------------------------------------- Cloudflare

export interface CloudflareServer extends Base {
  zoneId: string
  token: string
  /** Largest number of files one request carried. */
  largestBatch: number
}

export async function startCloudflare(
  opts: { zoneId?: string; token?: string; maxFiles?: number } = {},
): Promise<CloudflareServer> {
  const zoneId = opts.zoneId ?? '023e105f4ecef8ad9ca31a8372d0c353'
  const token = opts.token ?? 'cf-test-token-' + randomUUID()
  const maxFiles = opts.maxFiles ?? 30
  const failures: { status: number; code: string; retryAfter?: number }[] = []
  const state: Omit<CloudflareServer, 'url' | 'stop'> = {
    zoneId,
    token,
    requests: [],
    purged: [],
    largestBatch: 0,
    failNext(n, status, code, retryAfter) {
      for (let i = 0; i < n; i++)
        failures.push({ status, code, ...(retryAfter !== undefined ? { retryAfter } : {}) })
    },
  }
  const { server, url } = await listen(async (req, res) => {
    const body = await readBody(req)
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
      state.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        status,
      })
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(json))
    }
    const error = (
      status: number,
      code: number,
      message: string,
      headers?: Record<string, string>,
    ): void =>
      answer(
        status,
        { success: false, errors: [{ code, message }], messages: [], result: null },
        headers,
      )
    if (req.method !== 'POST' || req.url !== `/client/v4/zones/${zoneId}/purge_cache`)
      return error(404, 7003, 'Could not route to the requested path')
    if (req.headers.authorization !== `Bearer ${token}`)
      return error(403, 10000, 'Authentication error')
    if (!String(req.headers['content-type']).startsWith('application/json'))
      return error(400, 9207, 'Request body is invalid: content-type must be application/json')
    const fail = failures.shift()
    if (fail) {
      return error(
        fail.status,
        fail.status === 429 ? 971 : 10001,
        fail.code,
        fail.retryAfter !== undefined ? { 'retry-after': String(fail.retryAfter) } : {},
      )
    }
    let parsed: { files?: unknown }
    try {
      parsed = JSON.parse(body) as { files?: unknown }
    } catch {
      return error(400, 9207, 'Request body is invalid JSON')
    }
    const files = parsed.files
    if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === 'string'))
      return error(
        400,
        1012,
        'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"',
      )
    if (files.length > maxFiles) return error(400, 1015, `More than ${maxFiles} files in one purge`)
    for (const f of files as string[]) {
      let u: URL
      try {
        u = new URL(f)
      } catch {
        return error(400, 1016, `Not an absolute URL: ${f}`)
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:')
        return error(400, 1016, `Bad scheme: ${f}`)
    }
    state.largestBatch = Math.max(state.largestBatch, files.length)
    state.purged.push(...(files as string[]))
    answer(200, {
      success: true,
      errors: [],
      messages: [],
      result: { id: randomUUID().replace(/-/g, '') },
    })
  })
  return {
    ...state,
    get largestBatch() {
      return state.largestBatch
    },
    url: `${url}/client/v4`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  } as CloudflareServer
}

// ------------------------------------------------------------------------------- CloudFront

export interface CloudFrontServer extends Base {
  distributionId: string
  accessKeyId: string
  secretAccessKey: string
  /** CallerReferences seen (each invalidation must bring a new one). */
  callerReferences: string[]
  /** Paths per accepted invalidation. */
  batches: string[][]
}

const XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/'

export async function startCloudFront(
  opts: { distributionId?: string; accessKeyId?: string; secretAccessKey?: string } = {},
): Promise<CloudFrontServer> {
  const distributionId = opts.distributionId ?? 'E2QWRUHAPOMQZL'
  const accessKeyId = opts.accessKeyId ?? 'AKIDCDNTEST'
  const secretAccessKey = opts.secretAccessKey ?? 'cdn-test-secret-' + randomUUID()
  const failures: { status: number; code: string }[] = []
  const state = {
    distributionId,
    accessKeyId,
    secretAccessKey,
    requests: [] as CdnRequestLog[],
    purged: [] as string[],
    callerReferences: [] as string[],
    batches: [] as string[][],
    failNext(n: number, status: number, code: string) {
      for (let i = 0; i < n; i++) failures.push({ status, code })
    },
  }
  const { server, url } = await listen(async (req, res) => {
    const body = await readBody(req)
    const answer = (status: number, xml: string, headers: Record<string, string> = {}): void => {
      state.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        status,
      })
      res.writeHead(status, {
        'content-type': 'text/xml',
        'x-amz-request-id': randomUUID(),
        ...headers,
      })
      res.end(`<?xml version="1.0"?>\n${xml}`)
    }
    const error = (status: number, code: string, message: string): void =>
      answer(
        status,
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      )
    const m = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(req.url ?? '')
    if (req.method !== 'POST' || !m)
      return error(404, 'InvalidURI', 'Could not parse the specified URI.')
    const auth = checkSigV4(req, body, accessKeyId, secretAccessKey)
    if (auth) return error(403, auth.code, auth.message)
    if (m[1] !== distributionId)
      return error(404, 'NoSuchDistribution', 'The specified distribution does not exist.')
    const fail = failures.shift()
    if (fail) return error(fail.status, fail.code, `${fail.code} (test)`)
    const batch = parseInvalidationBatch(body)
    if (typeof batch === 'string') return error(400, 'MalformedInput', batch)
    if (state.callerReferences.includes(batch.callerReference))
      return error(409, 'InvalidationBatchAlreadyExists', 'CallerReference reused with other paths')
    if (batch.paths.length > 3000)
      return error(400, 'TooManyInvalidationsInProgress', 'More than 3000 paths')
    state.callerReferences.push(batch.callerReference)
    state.batches.push(batch.paths)
    state.purged.push(...batch.paths)
    const id = 'I' + randomUUID().replace(/-/g, '').slice(0, 13).toUpperCase()
    answer(
      201,
      `<Invalidation xmlns="${XMLNS}"><Id>${id}</Id><Status>InProgress</Status><CreateTime>${new Date().toISOString()}</CreateTime><InvalidationBatch><Paths><Quantity>${batch.paths.length}</Quantity><Items>${batch.paths.map((p) => `<Path>${p}</Path>`).join('')}</Items></Paths><CallerReference>${batch.callerReference}</CallerReference></InvalidationBatch></Invalidation>`,
      {
        location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${distributionId}/invalidation/${id}`,
      },
    )
  })
  return { ...state, url, stop: () => new Promise<void>((r) => server.close(() => r())) }
}

function parseInvalidationBatch(
  xml: string,
): { callerReference: string; paths: string[] } | string {
  const root = /<InvalidationBatch xmlns="([^"]+)">([\s\S]*)<\/InvalidationBatch>/.exec(xml)
  if (!root) return 'The body is not an InvalidationBatch.'
  if (root[1] !== XMLNS) return `Wrong namespace ${root[1]}.`
  const ref = /<CallerReference>([^<]+)<\/CallerReference>/.exec(root[2]!)
  if (!ref) return 'CallerReference is required.'
  const quantity = /<Paths>[\s\S]*<Quantity>(\d+)<\/Quantity>[\s\S]*<\/Paths>/.exec(root[2]!)
  if (!quantity) return 'Paths.Quantity is required.'
  const paths = [...root[2]!.matchAll(/<Path>([^<]*)<\/Path>/g)].map((p) => p[1]!)
  if (paths.length !== Number(quantity[1]))
    return `Quantity ${quantity[1]} does not match ${paths.length} paths.`
  if (paths.length === 0) return 'At least one path is required.'
  for (const p of paths) if (!p.startsWith('/')) return `Path "${p}" must begin with /.`
  return { callerReference: ref[1]!, paths }
}

/** Verifies AWS Signature Version 4 as CloudFront does; null when it holds. */
function checkSigV4(
  req: http.IncomingMessage,
  body: string,
  accessKeyId: string,
  secret: string,
): { code: string; message: string } | null {
  const auth = req.headers.authorization ?? ''
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    )
  if (!m)
    return {
      code: 'MissingAuthenticationToken',
      message: 'Request is missing a SigV4 Authorization header.',
    }
  const [, key, date, region, service, signedHeaders, signature] = m
  if (key !== accessKeyId)
    return {
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    }
  if (region !== 'us-east-1' || service !== 'cloudfront')
    return {
      code: 'SignatureDoesNotMatch',
      message: `Credential should be scoped to us-east-1/cloudfront, not ${region}/${service}.`,
    }
  const amzDate = String(req.headers['x-amz-date'] ?? '')
  if (!amzDate.startsWith(date!))
    return { code: 'SignatureDoesNotMatch', message: 'x-amz-date does not match the scope.' }
  const when = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  )
  if (!(Math.abs(Date.now() - when) < 15 * 60_000))
    return { code: 'SignatureDoesNotMatch', message: 'Signature expired.' }
  const names = signedHeaders!.split(';')
  if (!names.includes('host') || !names.includes('x-amz-date'))
    return { code: 'SignatureDoesNotMatch', message: 'host and x-amz-date must be signed.' }
  const payloadHash = createHash('sha256').update(body).digest('hex')
  const claimed = req.headers['x-amz-content-sha256']
  if (claimed !== undefined && claimed !== payloadHash)
    return { code: 'SignatureDoesNotMatch', message: 'The payload hash does not match the body.' }
  const [pathPart, query = ''] = (req.url ?? '').split('?')
  const canonicalQuery = query.split('&').filter(Boolean).sort().join('&')
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('')
  const canonical = [
    req.method,
    pathPart,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const toSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n')
  let k: Buffer = createHmac('sha256', `AWS4${secret}`).update(date!).digest()
  for (const part of [region!, service!, 'aws4_request'])
    k = createHmac('sha256', k).update(part).digest()
  const expected = createHmac('sha256', k).update(toSign).digest('hex')
  if (expected !== signature)
    return {
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
    }
  return null
}
