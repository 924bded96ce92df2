// An S3 endpoint given as an IPv6 literal (`http://[::1]:PORT`): the lean request path (small
// files, HEADs, the listing) and the SDK's multipart path both reach the server, and the links
// are path-style on the bracketed address.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS, runCliJson, s3TargetFlags } from '../helpers/cli'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'

let s3: TestS3
let work: string

beforeAll(async () => {
  s3 = await startTestS3({ address: '::1' })
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-ipv6-'))
})
afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

describe('an IPv6 literal endpoint', () => {
  it('uploads small files and a multipart file to http://[::1]:PORT', async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/\[::1\]:\d+$/)
    const input = path.join(work, 'in')
    fs.mkdirSync(input)
    fs.copyFileSync(path.join(CORPUS, 'sharp__with-alpha.png'), path.join(input, 'alpha.png'))
    fs.writeFileSync(path.join(input, 'note.txt'), 'small, one PUT on the lean path\n')
    // Past the single-PUT limit (16 MiB): a multipart upload through the SDK.
    const big = Buffer.alloc(17 * 1024 * 1024, 7)
    fs.writeFileSync(path.join(input, 'big.bin'), big)
    const { result, report } = await runCliJson(
      ['upload', input, ...s3TargetFlags(s3, s3.prefix, s3.endpoint, path.join(work, 'data'))],
      {
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_PROFILE: '',
      },
    )
    expect(report.jobs.map((j) => [path.basename(j.source), j.status, j.error])).toEqual(
      expect.arrayContaining([
        ['alpha.png', 'done', null],
        ['note.txt', 'done', null],
        ['big.bin', 'done', null],
      ]),
    )
    expect(result.code).toBe(0)
    for (const j of report.jobs) {
      for (const o of j.outputs) {
        expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
        expect(o.url.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true)
      }
    }
    const bigJob = report.jobs.find((j) => j.source.endsWith('big.bin'))!
    expect(bigJob.outputs[0]!.bytes).toBe(big.length)
    // The link fetches the object over IPv6.
    const res = await fetch(report.jobs.find((j) => j.source.endsWith('note.txt'))!.outputs[0]!.url)
    expect(await res.text()).toBe('small, one PUT on the lean path\n')
  })
})
