// The disk holding the ledger fills up mid-upload: the data directory sits on a small tmpfs that
// the test fills while the CLI uploads through a slow proxy. The CLI stops taking work, prints
// its report with one sentence naming the ledger file, exits 1, and `upshot resume` finishes
// every file once there is room again.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import { runCliJson, s3TargetFlags, startCli } from '../helpers/cli'
import { getObjectInfo } from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy, type S3ProxyWork } from '../helpers/s3proxy'
import { until } from '../helpers/until'

let f: S3ProxyWork
let dataDir = ''
let whyNot: string | null = 'not started'

beforeAll(async () => {
  f = await startS3Proxy('upshot-ledger-full-')
  dataDir = path.join(f.work, 'data')
  fs.mkdirSync(dataDir)
  whyNot = tryMountTmpfs(dataDir, '4m')
  if (whyNot) console.log(`ledger-full test skipped: ${whyNot}`)
})
afterAll(async () => {
  if (!whyNot) execFileSync('umount', [dataDir], { stdio: 'pipe' })
  await stopS3Proxy(f)
})

/** Mounting needs root (CI and this machine run as root) and a kernel that lets us. */
function tryMountTmpfs(dir: string, size: string): string | null {
  if (process.getuid?.() !== 0) return 'not running as root, so no tmpfs can be mounted'
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' })
    return null
  } catch (err) {
    return `mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}`
  }
}

/** Writes a file until the disk refuses more. */
function fill(file: string): void {
  const fd = fs.openSync(file, 'w')
  const chunk = Buffer.alloc(16 * 1024, 1)
  try {
    for (;;) fs.writeSync(fd, chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    fs.closeSync(fd)
  }
}

const waitFor = (what: string, cond: () => boolean, ms = 100_000): Promise<void> =>
  until(what, cond, ms)

describe('the disk holding the ledger fills up', () => {
  it('stops with the report and the ledger named, exits 1; resume finishes the rest', async (ctx) => {
    if (whyNot) ctx.skip()
    const input = path.join(f.work, 'in')
    fs.mkdirSync(input)
    for (let i = 0; i < 24; i++)
      fs.writeFileSync(path.join(input, `f${i}.txt`), `${i}\n`.repeat(8000))
    const env = {
      AWS_ACCESS_KEY_ID: f.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: f.s3.secretAccessKey,
      AWS_PROFILE: '',
    }
    const flags = s3TargetFlags(f.s3, `${f.s3.prefix}/full`, f.proxy.url, dataDir)
    f.proxy.setBandwidth(150_000)
    const cli = startCli(['upload', input, ...flags, '--concurrency', '2', '--json'], env)
    const filler = path.join(dataDir, 'filler')
    try {
      await waitFor('a few uploads', () => f.proxy.requests.filter((r) => r.done).length >= 4)
      fill(filler)
    } finally {
      f.proxy.setBandwidth(0)
    }
    const result = await cli.done
    expect(result.stderr).not.toMatch(/SqliteError|at .*\.m?js:\d+/)
    const ledgerFile = path.join(dataDir, 'ledger.sqlite')
    expect(result.stderr).toContain(`Stopping: The ledger ${ledgerFile} could not be written`)
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as RunReport
    expect(report.ledgerError?.code).toBe('LEDGER_UNAVAILABLE')
    expect(report.ledgerError?.message).toMatch(
      new RegExp(
        `^The ledger ${ledgerFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} could not be written because its disk is full \\(SQLITE_FULL\\); free some space`,
      ),
    )
    expect(report.jobs).toHaveLength(24)
    const unfinished = report.jobs.filter((j) => j.status !== 'done')
    expect(unfinished.length).toBeGreaterThan(0)
    for (const j of unfinished) expect(j.error).toEqual(report.ledgerError)

    // Room again: resume finishes every file, and each is in the bucket.
    fs.rmSync(filler)
    const resumed = await runCliJson(['resume', '--data-dir', dataDir], env)
    expect(resumed.result.code).toBe(0)
    const done = resumed.report.jobs
    expect(done.every((j) => j.status === 'done')).toBe(true)
    expect(done.length).toBe(unfinished.length)
    for (const j of done)
      for (const o of j.outputs) expect((await getObjectInfo(f.s3, o.key))?.size).toBe(o.bytes)
  })
})
