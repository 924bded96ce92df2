// An S3 endpoint reached over plain http:// on another address than loopback: uploads work, and
// the CLI says once on stderr (and `upshot doctor` in a warn line) that keys and links travel
// unencrypted. The same server on loopback draws no warning.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/engine'
import type { DoctorReport } from '../../src/engine/destinations/doctor'
import { CORPUS, runCli, runCliJson, s3TargetFlags } from '../helpers/cli'
import { getObjectInfo, s3Config, startTestS3, type TestS3 } from '../helpers/s3server'

/** This machine's own non-loopback IPv4 address (traffic to it stays on the machine). */
const ownAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address

let remote: TestS3
let loopback: TestS3
let work: string

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-plain-http-'))
  loopback = await startTestS3()
  if (ownAddress) remote = await startTestS3({ address: ownAddress })
})
afterAll(async () => {
  await remote?.stop()
  await loopback?.stop()
  fs.rmSync(work, { recursive: true, force: true })
})

function env(s3: TestS3): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_PROFILE: '',
  }
}

const PHOTO = path.join(CORPUS, 'sharp__with-alpha.png')
const WARNING =
  /upshot: warning: The endpoint http:\/\/[^ ]+ is plain http:\/\/: the access key ID, signed requests, uploaded files and presigned links cross the network unencrypted; use https:\/\/ unless the network is trusted\.\n/g

describe.skipIf(!ownAddress)(`plain http:// to ${ownAddress ?? 'another address'}`, () => {
  it('uploads, and warns once on stderr', async () => {
    const { result, report } = await runCliJson(
      [
        'upload',
        PHOTO,
        ...s3TargetFlags(remote, remote.prefix, remote.endpoint, path.join(work, 'a')),
      ],
      env(remote),
    )
    expect(remote.endpoint).toContain(ownAddress!)
    expect(result.code).toBe(0)
    expect(result.stderr.match(WARNING)).toHaveLength(1)
    for (const o of report.jobs[0]!.outputs)
      expect((await getObjectInfo(remote, o.key))?.size).toBe(o.bytes)
  })

  it('`upshot doctor` passes with a warn line for the connection', async () => {
    const args = [
      'doctor',
      ...s3TargetFlags(remote, remote.prefix, remote.endpoint, path.join(work, 'a')),
    ]
    const json = await runCli([...args, '--json'], env(remote))
    expect(json.code).toBe(0)
    const report = JSON.parse(json.stdout) as DoctorReport
    expect(report.ok).toBe(true)
    const transport = report.checks.find((c) => c.id === 'transport')!
    expect(transport.status).toBe('warn')
    expect(transport.detail).toMatch(/is plain http:\/\/: the access key ID/)
    const text = await runCli(args, env(remote))
    expect(text.stdout).toMatch(/^warn {2}Encrypted connection: The endpoint http:\/\//m)
    expect(text.stdout).toMatch(/^pass {2}Ledger on a local disk: /m)
  })

  it('`upshot resume` of a job bound there warns once on stderr too', async () => {
    const dataDir = path.join(work, 'resume')
    // A job recorded and never run, as a killed upload leaves it.
    const engine = createEngine({ dataDir })
    const [id] = await engine.enqueue([PHOTO], {
      destination: s3Config(remote, { prefix: `${remote.prefix}/resume`, credentials: undefined }),
      preset: 'web',
    })
    await engine.close()

    const { result, report } = await runCliJson(['resume', '--data-dir', dataDir], env(remote))
    expect(result.code).toBe(0)
    expect(result.stderr.match(WARNING)).toHaveLength(1)
    expect(report.jobs.map((j) => [j.id, j.status])).toEqual([[id, 'done']])
    for (const o of report.jobs[0]!.outputs)
      expect((await getObjectInfo(remote, o.key))?.size).toBe(o.bytes)
  })

  it('the same server on loopback: no warning', async () => {
    const { result } = await runCliJson(
      [
        'upload',
        PHOTO,
        ...s3TargetFlags(loopback, loopback.prefix, loopback.endpoint, path.join(work, 'b')),
      ],
      env(loopback),
    )
    expect(result.code).toBe(0)
    expect(result.stderr).not.toContain('warning')
  })
})
