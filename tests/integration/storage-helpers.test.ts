import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { firstFaults, startProxy, type TestProxy } from '../helpers/proxy'
import { getObjectBytes, makeClient, startTestS3, type TestS3 } from '../helpers/s3server'

describe('test S3 helpers', () => {
  let s3: TestS3
  let proxy: TestProxy
  beforeAll(async () => {
    s3 = await startTestS3()
    proxy = await startProxy(s3.endpoint)
  })
  afterAll(async () => {
    await proxy?.close()
    await s3?.stop()
  })

  it('forwards through the proxy, counts body bytes, throttles and injects a status', async () => {
    const client = makeClient({ ...s3, endpoint: proxy.url, maxAttempts: 1 })
    const body = Buffer.alloc(300_000, 7)
    const key = `${s3.prefix}/helper.bin`
    proxy.setBandwidth(1_000_000)
    const t0 = Date.now()
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }))
    const elapsed = Date.now() - t0
    proxy.setBandwidth(0)
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(proxy.bytesWhere((r) => r.method === 'PUT')).toBe(body.length)
    expect(proxy.bytesByResource().get(`PUT /${s3.bucket}/${key}`)).toEqual({
      requests: 1,
      bytes: body.length,
    })
    expect((await getObjectBytes(s3, key)).equals(body)).toBe(true)

    proxy.setFaults(firstFaults(1, { kind: 'status', status: 503, code: 'SlowDown' }))
    const err = await client
      .send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }))
      .catch((e: unknown) => e)
    proxy.setFaults(null)
    expect((err as { name?: string }).name).toBe('SlowDown')
    client.destroy()
  })
})

describe('test proxy upstream connections', () => {
  // A server that drops a keep-alive socket after 100 ms idle, as s3rver does after 5 s (without
  // announcing it: Node's agent ignores the Keep-Alive hint unless given its own timeout).
  let server: http.Server
  let proxy: TestProxy
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.socket.setTimeout(0)
      req.resume()
      req.on('end', () => res.end('ok'))
      res.on('finish', () => req.socket.setTimeout(100, () => req.socket.destroy()))
    })
    server.keepAliveTimeout = 0
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    proxy = await startProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  })
  afterAll(async () => {
    await proxy?.close()
    server?.closeAllConnections()
    await new Promise<void>((resolve) => server?.close(() => resolve()))
  })

  function put(agent: http.Agent): Promise<number> {
    return new Promise((resolve) => {
      const u = new URL(proxy.url)
      const r = http.request(
        { host: u.hostname, port: u.port, method: 'PUT', path: '/bucket/key', agent },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        },
      )
      r.on('error', () => resolve(-1))
      r.end(Buffer.alloc(1000, 1))
    })
  }

  it('never forwards a request on a socket the server is closing (a stalled test process)', async () => {
    const agent = new http.Agent({ keepAlive: true })
    expect(await put(agent)).toBe(200)
    // A request arrives just as the server's idle timer fires: the event loop is stalled (the
    // machine is loaded) past the server's keep-alive timeout, with the request already sent.
    const second = put(agent)
    await new Promise((resolve) => setImmediate(resolve))
    const until = Date.now() + 300
    while (Date.now() < until) {
      // a stalled event loop
    }
    expect(await second).toBe(200)
    expect(proxy.requests.map((r) => r.status)).toEqual([200, 200])
    agent.destroy()
  })
})
