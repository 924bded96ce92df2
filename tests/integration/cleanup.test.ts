import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import Database from 'better-sqlite3'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CleanupReport } from '../../src/shared/cleanup'
import type { RunReport } from '../../src/shared/jobs'
import { CORPUS, runCli, startCli, type CliResult } from '../helpers/cli'
import { startProxy, type TestProxy } from '../helpers/proxy'
import {
  getObjectBytes,
  listKeys,
  listOpenUploads,
  startTestS3,
  type TestS3,
} from '../helpers/s3server'

const MiB = 1024 * 1024
const PHOTO = path.join(CORPUS, 'sharp__with-alpha.png')

let s3: TestS3
let proxy: TestProxy
let work: string
let env: NodeJS.ProcessEnv
// Uploads this test opened itself, aborted at the end whatever happens.
const opened: { key: string; uploadId: string }[] = []

beforeAll(async () => {
  s3 = await startTestS3()
  proxy = await startProxy(s3.endpoint)
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-cleanup-'))
  env = {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_PROFILE: '',
  }
})

afterAll(async () => {
  for (const u of opened) {
    await s3.client
      .send(
        new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: u.key, UploadId: u.uploadId }),
      )
      .catch(() => undefined)
  }
  await proxy?.close()
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

function target(endpoint = s3.endpoint, prefix = s3.prefix): string[] {
  return [
    '--to',
    `s3://${s3.bucket}/${prefix}`,
    '--endpoint',
    endpoint,
    '--region',
    s3.region,
    '--path-style',
  ]
}

async function cleanup(dataDir: string, ...extra: string[]): Promise<CleanupReport> {
  return cleanupAt(target(), dataDir, ...extra)
}

async function cleanupAt(
  to: string[],
  dataDir: string,
  ...extra: string[]
): Promise<CleanupReport> {
  const res = await runCli(['cleanup', ...to, '--data-dir', dataDir, '--json', ...extra], env)
  expect(res.stderr).not.toMatch(/\n\s+at /) // no stack traces
  try {
    return JSON.parse(res.stdout) as CleanupReport
  } catch {
    throw new Error(`cleanup printed no JSON (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
  }
}

async function openUpload(key: string): Promise<string> {
  const res = await s3.client.send(
    new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
  )
  opened.push({ key, uploadId: res.UploadId! })
  // One part, so the upload holds data the way an interrupted one does.
  await s3.client.send(
    new UploadPartCommand({
      Bucket: s3.bucket,
      Key: key,
      UploadId: res.UploadId!,
      PartNumber: 1,
      Body: randomBytes(64 * 1024),
    }),
  )
  return res.UploadId!
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

function ledgerUploads(dataDir: string): { key: string; upload_id: string }[] {
  const db = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true })
  try {
    return db.prepare('SELECT key, upload_id FROM multipart_uploads').all() as {
      key: string
      upload_id: string
    }[]
  } finally {
    db.close()
  }
}

describe('upshot cleanup', () => {
  it.runIf(!process.env.S3_TEST_ENDPOINT)(
    'says plainly that s3rver cannot list unfinished multipart uploads',
    async () => {
      const dataDir = path.join(work, 'plain')
      const res: CliResult = await runCli(
        ['cleanup', ...target(), '--data-dir', dataDir, '--older-than', '0'],
        env,
      )
      expect(res.code).toBe(1)
      expect(res.stderr).toContain(
        `${s3.endpoint} does not support listing unfinished multipart uploads (ListMultipartUploads)`,
      )
      expect(res.stderr).not.toMatch(/\n\s+at /)
      const json = await runCli(
        ['cleanup', ...target(), '--data-dir', dataDir, '--older-than', '0', '--json'],
        env,
      )
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'NOT_SUPPORTED' } })
    },
  )

  it.runIf(Boolean(process.env.S3_TEST_ENDPOINT))(
    'aborts the stale uploads Upshot started, never a running one or a foreign one',
    async () => {
      const dataDir = path.join(work, 'strict')
      const big = path.join(work, 'big.bin')
      fs.writeFileSync(big, randomBytes(40 * MiB))

      // An upload the engine starts, slowed down so the cleanup runs while it is in flight.
      proxy.setBandwidth(4 * MiB)
      const run = startCli(
        ['upload', big, ...target(proxy.url), '--data-dir', dataDir, '--json'],
        env,
      )
      await waitFor(() => {
        try {
          return ledgerUploads(dataDir).length > 0 && proxy.bytesIn() > 6 * MiB
        } catch {
          return false
        }
      }, 60_000)
      const [engineUpload] = ledgerUploads(dataDir)

      // Upshot-shaped key not in this ledger (another machine's), a foreign key under the
      // prefix, and one outside the prefix altogether.
      const shapedKey = `${s3.prefix}/0123456789abcdef/photo-full.webp`
      const foreignKey = `${s3.prefix}/backups/db.tar`
      const outsideKey = `${s3.prefix}-other/0123456789abcdef/x.bin`
      const shapedId = await openUpload(shapedKey)
      const foreignId = await openUpload(foreignKey)
      const outsideId = await openUpload(outsideKey)

      const live = await cleanup(dataDir, '--older-than', '0')
      const statusOf = (r: CleanupReport, id: string): string | undefined =>
        r.uploads.find((u) => u.uploadId === id)?.status
      expect(statusOf(live, engineUpload!.upload_id)).toBe('in-use')
      expect(statusOf(live, shapedId)).toBe('aborted')
      expect(statusOf(live, foreignId)).toBe('foreign')
      expect(live.uploads.some((u) => u.uploadId === outsideId)).toBe(false)

      run.child.kill('SIGKILL')
      expect((await run.done).signal).toBe('SIGKILL')

      // Default age limit: everything here is minutes old, nothing goes.
      const young = await cleanup(dataDir)
      expect(statusOf(young, engineUpload!.upload_id)).toBe('recent')
      expect(young.summary.aborted).toBe(0)

      const dry = await cleanup(dataDir, '--older-than', '0', '--dry-run')
      expect(dry.dryRun).toBe(true)
      expect(statusOf(dry, engineUpload!.upload_id)).toBe('would-abort')
      expect(statusOf(dry, foreignId)).toBe('foreign')
      expect(dry.summary.aborted).toBe(0)
      const afterDry = (await listOpenUploads(s3))!.map((u) => u.uploadId)
      expect(afterDry).toContain(engineUpload!.upload_id)
      expect(ledgerUploads(dataDir)).toHaveLength(1)

      const real = await cleanup(dataDir, '--older-than', '0')
      expect(statusOf(real, engineUpload!.upload_id)).toBe('aborted')
      expect(real.summary).toMatchObject({ aborted: 1, failed: 0 })
      const left = (await listOpenUploads(s3))!.map((u) => u.uploadId)
      expect(left).not.toContain(engineUpload!.upload_id)
      expect(left).not.toContain(shapedId)
      expect(left).toContain(foreignId)
      const outside = (await listOpenUploads(s3, `${s3.prefix}-other/`))!.map((u) => u.uploadId)
      expect(outside).toContain(outsideId)
      expect(ledgerUploads(dataDir)).toEqual([])

      // The human form: one line per upload and a total.
      const text = await runCli(
        ['cleanup', ...target(), '--data-dir', dataDir, '--older-than', '0', '--dry-run'],
        env,
      )
      expect(text.code).toBe(0)
      expect(text.stdout).toContain(`kept (not Upshot) ${foreignKey}`)
      expect(text.stdout).toMatch(/1 unfinished under s3:\/\/.*: 0 would be aborted, 1 kept/)

      // The job whose upload was aborted still finishes: resume starts a new upload.
      proxy.setBandwidth(0)
      const resumed = await runCli(['resume', '--data-dir', dataDir, '--json'], env)
      expect(resumed.code).toBe(0)
      const report = JSON.parse(resumed.stdout) as RunReport
      expect(report.jobs.map((j) => j.status)).toEqual(['done'])
      const open = (await listOpenUploads(s3, `${s3.prefix}/`))!.map((u) => u.key)
      expect(open).toEqual([foreignKey])
    },
    120_000,
  )

  // s3rver cannot list unfinished uploads, so cleanup stops there before it could touch anything:
  // what it does to objects beside the uploads it aborts shows only on a server that lists them.
  it.runIf(Boolean(process.env.S3_TEST_ENDPOINT))(
    "never deletes an object, only aborts uploads: one on a finished object's key leaves it whole (strict server)",
    async () => {
      const dataDir = path.join(work, 'objects')
      const prefix = `${s3.prefix}/objects`
      const uploaded = await runCli(
        ['upload', PHOTO, ...target(s3.endpoint, prefix), '--data-dir', dataDir, '--json'],
        env,
      )
      expect(uploaded.code).toBe(0)
      const outputs = (JSON.parse(uploaded.stdout) as RunReport).jobs[0]!.outputs
      expect(outputs.length).toBeGreaterThan(1)
      const before = await objectDigests(prefix)
      expect([...before.keys()].sort()).toEqual(outputs.map((o) => o.key).sort())

      // A re-upload of a finished object that died midway (its key is the object's), and a stale
      // upload of an Upshot-shaped key that has no object yet.
      const onObject = await openUpload(outputs[0]!.key)
      const shaped = await openUpload(`${prefix}/fedcba9876543210/photo-full.webp`)

      proxy.resetCounters()
      const report = await cleanupAt(target(proxy.url, prefix), dataDir, '--older-than', '0')
      const statusOf = (id: string): string | undefined =>
        report.uploads.find((u) => u.uploadId === id)?.status
      expect([statusOf(onObject), statusOf(shaped)]).toEqual(['aborted', 'aborted'])
      expect(report.summary).toMatchObject({ aborted: 2, failed: 0 })

      // On the wire: each DELETE is an AbortMultipartUpload (it names an upload), and no
      // DeleteObjects batch went out.
      const deletes = proxy.requests.filter((r) => r.method === 'DELETE')
      expect(deletes).toHaveLength(2)
      for (const d of deletes) expect(d.url).toMatch(/[?&]uploadId=/)
      expect(
        proxy.requests.filter((r) => r.method === 'POST' && /[?&]delete\b/.test(r.url)),
      ).toEqual([])

      // In the bucket: every object is there with its bytes; the two uploads are gone.
      expect(await objectDigests(prefix)).toEqual(before)
      const open = (await listOpenUploads(s3, `${prefix}/`))!.map((u) => u.uploadId)
      expect(open).not.toContain(onObject)
      expect(open).not.toContain(shaped)
      // In the ledger: the finished job and its objects stand.
      expect(liveObjects(dataDir)).toEqual(outputs.map((o) => o.key).sort())
    },
    120_000,
  )
})

/** sha256 of every object under the prefix, by key. */
async function objectDigests(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const key of (await listKeys(s3, `${prefix}/`)).sort()) {
    out.set(
      key,
      createHash('sha256')
        .update(await getObjectBytes(s3, key))
        .digest('hex'),
    )
  }
  return out
}

function liveObjects(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true })
  try {
    const rows = db.prepare('SELECT key FROM objects WHERE deleted_at IS NULL ORDER BY key').all()
    return (rows as { key: string }[]).map((r) => r.key)
  } finally {
    db.close()
  }
}
