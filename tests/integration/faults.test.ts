import { HeadObjectCommand } from '@aws-sdk/client-s3'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS, runCliJson, s3TargetFlags } from '../helpers/cli'
import type { FaultPolicy, TestProxy } from '../helpers/proxy'
import { type TestS3 } from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy } from '../helpers/s3proxy'

const PHOTOS = [
  'exif-samples__jpg_gps_DSCN0010.jpg',
  'exif-samples__jpg_orientation_landscape_6.jpg',
  'exif-samples__jpg_orientation_portrait_6.jpg',
  'exif-samples__jpg_mobile_jolla.jpg',
  'exif-samples__jpg_Canon_40D.jpg',
  'sharp__with-alpha.png',
  'sharp__4.webp',
].map((f) => path.join(CORPUS, f))

let s3: TestS3
let proxy: TestProxy
let work: string

beforeAll(async () => {
  ;({ s3, proxy, work } = await startS3Proxy('upshot-faults-'))
})
afterAll(() => stopS3Proxy({ s3, proxy, work }))

function target(name: string): string[] {
  return [...s3TargetFlags(s3, `${s3.prefix}/${name}`, proxy.url, path.join(work, name))]
}

const goodEnv = (): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: s3.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  AWS_PROFILE: '',
})

async function expectOnServer(key: string, bytes: number): Promise<void> {
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))
  expect(head.ContentLength).toBe(bytes)
}

describe('faults between Upshot and the store', () => {
  it('with 20% of uploads answered 503 SlowDown and 5% reset mid-body, every photo arrives intact', async () => {
    let n = 0
    const policy: FaultPolicy = (r) => {
      if (r.method !== 'PUT') return null
      n++
      // Deterministic spread: every 5th PUT gets a 503, every 20th (offset) a reset.
      if (n % 5 === 0)
        return {
          kind: 'status',
          status: 503,
          code: 'SlowDown',
          message: 'Please reduce your request rate.',
        }
      if (n % 20 === 3) return { kind: 'reset', afterBytes: 1000 }
      return null
    }
    proxy.setFaults(policy)
    try {
      const { result, report } = await runCliJson(
        ['upload', ...PHOTOS, ...target('flaky')],
        goodEnv(),
      )
      expect(result.code).toBe(0)
      expect(report.jobs.map((j) => j.status)).toEqual(PHOTOS.map(() => 'done'))
      const injected = proxy.requests.filter((r) => r.fault !== null)
      expect(injected.length).toBeGreaterThanOrEqual(4)
      for (const o of report.jobs.flatMap((j) => j.outputs)) await expectOnServer(o.key, o.bytes)
    } finally {
      proxy.setFaults(null)
    }
  })

  it('the network dropping mid-batch makes jobs wait, not fail', async () => {
    let outageUntil = 0
    let puts = 0
    proxy.setFaults((r) => {
      if (r.method === 'PUT' && ++puts === 3) outageUntil = Date.now() + 4000 // cut after two uploads
      return Date.now() < outageUntil ? { kind: 'reset', afterBytes: 0 } : null
    })
    try {
      const { result, report } = await runCliJson(
        ['upload', ...PHOTOS, ...target('outage')],
        goodEnv(),
      )
      expect(outageUntil).toBeGreaterThan(0)
      expect(result.code).toBe(0)
      expect(report.jobs.every((j) => j.status === 'done')).toBe(true)
      for (const o of report.jobs.flatMap((j) => j.outputs)) await expectOnServer(o.key, o.bytes)
    } finally {
      proxy.setFaults(null)
    }
  })

  it('a wrong access key stops the run within seconds with a sentence about credentials', async () => {
    const started = Date.now()
    const { result, report } = await runCliJson(['upload', ...PHOTOS, ...target('badkey')], {
      ...goodEnv(),
      AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1',
    })
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(result.code).toBe(1)
    for (const j of report.jobs) {
      expect(j.status).toBe('failed')
      expect(j.error!.code).toBe('INVALID_CREDENTIALS')
    }
    expect(report.jobs[0]!.error!.message).toMatch(/access key|credentials/i)
  })

  it('an endpoint nobody answers on stops the run within seconds', async () => {
    const started = Date.now()
    const { result, report } = await runCliJson(
      [
        'upload',
        ...PHOTOS.slice(0, 3),
        '--to',
        's3://bucket1/x',
        '--endpoint',
        'http://127.0.0.1:1',
        '--path-style',
        '--data-dir',
        path.join(work, 'dead'),
      ],
      goodEnv(),
    )
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(result.code).toBe(1)
    expect(report.jobs.every((j) => j.error?.code === 'NETWORK')).toBe(true)
    expect(report.jobs[0]!.error!.message).toContain('http://127.0.0.1:1')
  })
})
