// A local S3 "sink": answers the S3 calls an uploader makes (PutObject, multipart, HeadObject,
// ListObjectsV2, ListParts, Abort, Delete) over plain HTTP and throws the bytes away, so a
// benchmark measures the client, not a storage server. It keeps only each object's size, ETag
// and headers (HeadObject after an upload must see the right size).
//
// It does not hash what it receives: the ETag is the client's Content-MD5 when one was sent (so
// clients that verify ETags, like Upshot, are satisfied) and an MD5 of the key otherwise. Hashing
// here would take CPU from the client being measured on a small machine.
//
// Standalone: `node bench/sink.mjs [--port N]` prints `{"port":N}` on stdout.
// Control (not S3): GET /__sink/stats, POST /__sink/reset.
import { createHash, randomUUID } from 'node:crypto'
import http from 'node:http'
import { pathToFileURL } from 'node:url'

function xmlEscape(s) {
  return String(s).replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c],
  )
}

function xml(res, status, body) {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

function s3Error(res, status, code, message, method) {
  if (method === 'HEAD') {
    res.writeHead(status, { 'content-length': 0 })
    res.end()
    return
  }
  xml(res, status, `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`)
}

function md5Hex(text) {
  return createHash('md5').update(text).digest('hex')
}

/** The client's Content-MD5 as hex, or a stand-in derived from what identifies the object. */
function etagFor(req, identity) {
  const b64 = req.headers['content-md5']
  if (typeof b64 === 'string' && b64.length > 0) return Buffer.from(b64, 'base64').toString('hex')
  return md5Hex(identity)
}

/** Reads and discards a body, counting its bytes. */
function drain(req, stats) {
  return new Promise((resolve, reject) => {
    let n = 0
    req.on('data', (chunk) => {
      n += chunk.length
    })
    req.on('end', () => {
      stats.bytesIn += n
      resolve(n)
    })
    req.on('error', reject)
  })
}

/** A small body (XML of CompleteMultipartUpload) as text. */
function readText(req, stats) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const buf = Buffer.concat(chunks)
      stats.bytesIn += buf.length
      resolve(buf.toString('utf8'))
    })
    req.on('error', reject)
  })
}

/** Body size as the client meant it: aws-chunked bodies carry framing around the payload. */
function payloadSize(req, received) {
  const decoded = req.headers['x-amz-decoded-content-length']
  return typeof decoded === 'string' ? Number(decoded) : received
}

function storedHeaders(req) {
  const keep = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (
      name.startsWith('x-amz-meta-') ||
      name === 'content-type' ||
      name === 'cache-control' ||
      name === 'content-disposition'
    ) {
      keep[name] = String(value)
    }
  }
  return keep
}

export function createSink() {
  /** "bucket/key" -> { size, etag, headers, lastModified } */
  const objects = new Map()
  /** uploadId -> { bucket, key, headers, parts: Map<number, { size, etag }> } */
  const uploads = new Map()
  const stats = { requests: 0, bytesIn: 0, puts: 0, parts: 0, completes: 0, heads: 0 }
  const cpuAtReset = { value: process.cpuUsage() }

  function reset() {
    objects.clear()
    uploads.clear()
    for (const k of Object.keys(stats)) stats[k] = 0
    cpuAtReset.value = process.cpuUsage()
  }

  function snapshot() {
    let objectBytes = 0
    for (const o of objects.values()) objectBytes += o.size
    const cpu = process.cpuUsage(cpuAtReset.value)
    return {
      ...stats,
      objects: objects.size,
      objectBytes,
      openUploads: uploads.size,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    }
  }

  async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://sink')
    if (url.pathname.startsWith('/__sink/')) {
      if (url.pathname === '/__sink/reset' && req.method === 'POST') reset()
      const body = JSON.stringify(snapshot())
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body)
      return
    }
    stats.requests++
    const q = url.searchParams
    // Path style only: /bucket/key... (the benchmarks give every client --path-style or an IP).
    const segments = url.pathname.split('/')
    const bucket = decodeURIComponent(segments[1] ?? '')
    const key = segments.slice(2).map(decodeURIComponent).join('/')
    const id = `${bucket}/${key}`
    const method = req.method ?? 'GET'

    if (!bucket) {
      // ListBuckets
      await drain(req, stats)
      return xml(res, 200, '<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>')
    }

    if (!key) {
      await drain(req, stats)
      if (method === 'HEAD' || method === 'PUT') {
        res.writeHead(200, { 'content-length': 0 })
        return res.end()
      }
      if (method === 'GET' && q.has('location')) {
        return xml(res, 200, '<LocationConstraint/>')
      }
      if (method === 'GET') return listObjects(res, bucket, q)
      return s3Error(res, 501, 'NotImplemented', 'The sink does not do that.', method)
    }

    if (method === 'PUT' && q.has('uploadId') && q.has('partNumber')) {
      const upload = uploads.get(q.get('uploadId'))
      const n = await drain(req, stats)
      if (!upload) return s3Error(res, 404, 'NoSuchUpload', 'No such upload.', method)
      const partNumber = Number(q.get('partNumber'))
      const etag = etagFor(req, `${q.get('uploadId')}/${partNumber}`)
      upload.parts.set(partNumber, { size: payloadSize(req, n), etag })
      stats.parts++
      res.writeHead(200, { etag: `"${etag}"`, 'content-length': 0 })
      return res.end()
    }

    if (method === 'PUT') {
      if (req.headers['x-amz-copy-source']) {
        await drain(req, stats)
        return s3Error(res, 501, 'NotImplemented', 'The sink does not copy objects.', method)
      }
      const n = await drain(req, stats)
      const size = payloadSize(req, n)
      const etag = etagFor(req, `${id}/${size}`)
      objects.set(id, { size, etag, headers: storedHeaders(req), lastModified: new Date() })
      stats.puts++
      res.writeHead(200, { etag: `"${etag}"`, 'content-length': 0 })
      return res.end()
    }

    if (method === 'POST' && q.has('uploads')) {
      await drain(req, stats)
      const uploadId = randomUUID().replace(/-/g, '')
      uploads.set(uploadId, { bucket, key, headers: storedHeaders(req), parts: new Map() })
      return xml(
        res,
        200,
        `<InitiateMultipartUploadResult><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key>` +
          `<UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      )
    }

    if (method === 'POST' && q.has('uploadId')) {
      const text = await readText(req, stats)
      const upload = uploads.get(q.get('uploadId'))
      if (!upload) return s3Error(res, 404, 'NoSuchUpload', 'No such upload.', method)
      const numbers = [...text.matchAll(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/g)].map((m) =>
        Number(m[1]),
      )
      const md5s = []
      let size = 0
      for (const n of numbers) {
        const part = upload.parts.get(n)
        if (!part) return s3Error(res, 400, 'InvalidPart', `Part ${n} was not uploaded.`, method)
        size += part.size
        md5s.push(Buffer.from(part.etag, 'hex'))
      }
      const etag = `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${numbers.length}`
      objects.set(id, { size, etag, headers: upload.headers, lastModified: new Date() })
      uploads.delete(q.get('uploadId'))
      stats.completes++
      return xml(
        res,
        200,
        `<CompleteMultipartUploadResult><Location>/${xmlEscape(id)}</Location><Bucket>${xmlEscape(bucket)}</Bucket>` +
          `<Key>${xmlEscape(key)}</Key><ETag>"${etag}"</ETag></CompleteMultipartUploadResult>`,
      )
    }

    if (method === 'DELETE') {
      await drain(req, stats)
      if (q.has('uploadId')) uploads.delete(q.get('uploadId'))
      else objects.delete(id)
      res.writeHead(204)
      return res.end()
    }

    if (method === 'GET' && q.has('uploadId')) {
      await drain(req, stats)
      const upload = uploads.get(q.get('uploadId'))
      if (!upload) return s3Error(res, 404, 'NoSuchUpload', 'No such upload.', method)
      const parts = [...upload.parts.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(
          ([n, p]) =>
            `<Part><PartNumber>${n}</PartNumber><ETag>"${p.etag}"</ETag><Size>${p.size}</Size></Part>`,
        )
        .join('')
      return xml(
        res,
        200,
        `<ListPartsResult><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key>` +
          `<UploadId>${q.get('uploadId')}</UploadId><IsTruncated>false</IsTruncated>${parts}</ListPartsResult>`,
      )
    }

    if (method === 'HEAD' || method === 'GET') {
      await drain(req, stats)
      stats.heads++
      const o = objects.get(id)
      if (!o) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.', method)
      if (method === 'GET') {
        // The bytes were never kept.
        return s3Error(res, 501, 'NotImplemented', 'The sink keeps no object bytes.', method)
      }
      res.writeHead(200, {
        ...o.headers,
        etag: `"${o.etag}"`,
        'content-length': o.size,
        'last-modified': o.lastModified.toUTCString(),
        'accept-ranges': 'bytes',
      })
      return res.end()
    }

    await drain(req, stats)
    return s3Error(res, 501, 'NotImplemented', 'The sink does not do that.', method)
  }

  function listObjects(res, bucket, q) {
    const prefix = q.get('prefix') ?? ''
    const after = q.get('continuation-token') ?? q.get('start-after') ?? q.get('marker') ?? ''
    const max = Math.min(1000, Number(q.get('max-keys') ?? 1000))
    const keys = []
    for (const id of objects.keys()) {
      if (!id.startsWith(`${bucket}/`)) continue
      const key = id.slice(bucket.length + 1)
      if (key.startsWith(prefix) && key > after) keys.push(key)
    }
    keys.sort()
    const page = keys.slice(0, max)
    const truncated = keys.length > max
    const v2 = q.get('list-type') === '2'
    const contents = page
      .map((k) => {
        const o = objects.get(`${bucket}/${k}`)
        return (
          `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified>` +
          `<ETag>"${o.etag}"</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`
        )
      })
      .join('')
    const last = page[page.length - 1] ?? ''
    const next = truncated
      ? v2
        ? `<NextContinuationToken>${xmlEscape(last)}</NextContinuationToken>`
        : `<NextMarker>${xmlEscape(last)}</NextMarker>`
      : ''
    return xml(
      res,
      200,
      `<ListBucketResult><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>` +
        `<KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys>` +
        `<IsTruncated>${truncated}</IsTruncated>${next}${contents}</ListBucketResult>`,
    )
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) s3Error(res, 500, 'InternalError', String(err), req.method)
      else res.destroy()
    })
  })
  // Clients keep connections alive between requests; do not close them under their feet.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 125_000
  server.requestTimeout = 0
  return { server, reset, snapshot }
}

export async function startSink(port = 0) {
  const sink = createSink()
  await new Promise((resolve) => sink.server.listen(port, '127.0.0.1', resolve))
  const address = sink.server.address()
  return { ...sink, port: address.port, endpoint: `http://127.0.0.1:${address.port}` }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--port')
  const sink = await startSink(i > 0 ? Number(process.argv[i + 1]) : 0)
  process.stdout.write(JSON.stringify({ port: sink.port }) + '\n')
  const stop = () => sink.server.close(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
