import { GetObjectCommand } from '@aws-sdk/client-s3'
import Database from 'better-sqlite3'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import { startCli } from '../helpers/cli'
import { isUploadPart, startProxy, type TestProxy } from '../helpers/proxy'
import { listOpenUploads, startTestS3, type TestS3 } from '../helpers/s3server'

const MiB = 1024 * 1024
const SIZE = 160 * MiB

let s3: TestS3
let proxy: TestProxy
let work: string
let bigFile: string
let bigSha: string

beforeAll(async () => {
  s3 = await startTestS3()
  proxy = await startProxy(s3.endpoint)
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-crash-'))
  bigFile = path.join(work, 'big archive.bin')
  const hash = createHash('sha256')
  const fd = fs.openSync(bigFile, 'w')
  for (let written = 0; written < SIZE; written += 4 * MiB) {
    const chunk = randomBytes(4 * MiB)
    hash.update(chunk)
    fs.writeSync(fd, chunk)
  }
  fs.closeSync(fd)
  bigSha = hash.digest('hex')
})

afterAll(async () => {
  await proxy?.close()
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('a large upload killed with SIGKILL midway', () => {
  it('`upshot resume` finishes it byte-identical, re-sending at most 32 MiB', async () => {
    const dataDir = path.join(work, 'data')
    const env = {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_PROFILE: '',
    }
    const common = ['--data-dir', dataDir, '--json']
    proxy.setBandwidth(24 * MiB) // a slow link, so the kill lands mid-upload
    const first = startCli(
      [
        'upload',
        bigFile,
        '--to',
        `s3://${s3.bucket}/${s3.prefix}`,
        '--endpoint',
        proxy.url,
        '--region',
        s3.region,
        '--path-style',
        ...common,
      ],
      env,
    )
    await waitFor(() => proxy.bytesIn() >= SIZE * 0.45, 60_000)
    first.child.kill('SIGKILL')
    const killed = await first.done
    expect(killed.signal).toBe('SIGKILL')
    const sentBeforeKill = proxy.bytesIn()
    expect(sentBeforeKill).toBeLessThan(SIZE)

    // The ledger knows the upload and the parts that finished.
    const db = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true })
    const job = db.prepare(`SELECT state FROM jobs`).get() as { state: string }
    const parts = db
      .prepare(`SELECT COUNT(*) AS n, SUM(size) AS bytes FROM multipart_parts`)
      .get() as { n: number; bytes: number }
    db.close()
    expect(job.state).toBe('uploading') // left claimed by the dead process
    expect(parts.n).toBeGreaterThan(0)

    proxy.setBandwidth(0)
    const resumed = await startCli(['resume', ...common], env).done
    expect(resumed.code).toBe(0)
    const report = JSON.parse(resumed.stdout) as RunReport
    expect(report.jobs).toHaveLength(1)
    const [j] = report.jobs
    expect(j!.status).toBe('done')
    expect(j!.sha256).toBe(bigSha)
    expect(j!.outputs).toHaveLength(1)
    expect(j!.outputs[0]!.bytes).toBe(SIZE)

    // Part bodies only: the CompleteMultipartUpload XML (about 2 KiB for 20 parts) is no file
    // byte. Counting it failed the bound when the kill left exactly four whole parts unrecorded.
    const resent = proxy.bytesWhere(isUploadPart) - SIZE
    expect(resent).toBeGreaterThanOrEqual(0)
    expect(resent).toBeLessThanOrEqual(32 * MiB)

    const obj = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: j!.outputs[0]!.key }),
    )
    const hash = createHash('sha256')
    for await (const chunk of obj.Body as AsyncIterable<Uint8Array>) hash.update(chunk)
    expect(hash.digest('hex')).toBe(bigSha)

    const open = await listOpenUploads(s3)
    if (open !== null) expect(open).toEqual([]) // strict server: nothing left costing money

    const after = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true })
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(
      (after.prepare(`SELECT COUNT(*) AS n FROM multipart_uploads`).get() as { n: number }).n,
    ).toBe(0)
    after.close()
  })
})
