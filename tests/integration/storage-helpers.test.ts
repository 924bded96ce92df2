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
