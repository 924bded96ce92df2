// A ledger locked by another process for longer than the busy timeout (10 s): a real second
// process (helpers/ledger-lock-holder.mjs) holds BEGIN IMMEDIATE on the ledger while an upload runs
// through a slow proxy, so the lease renewal meets the lock. Nothing crashes; the run says what
// happened, waits, and finishes once the lock is gone.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, type EngineEvent } from '../../src/engine'
import type { RunReport } from '../../src/shared/jobs'
import { s3TargetFlags, startCli } from '../helpers/cli'
import { lockLedger } from '../helpers/ledger-lock'
import { getObjectInfo, s3Config } from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy, type S3ProxyWork } from '../helpers/s3proxy'
import { until } from '../helpers/until'

let f: S3ProxyWork

beforeAll(async () => {
  f = await startS3Proxy('upshot-ledger-busy-')
})
afterAll(async () => {
  await stopS3Proxy(f)
})

const waitFor = (what: string, cond: () => boolean, ms = 100_000): Promise<void> =>
  until(what, cond, ms)

function bigFile(name: string, bytes: number): string {
  const dir = path.join(f.work, `in-${name}`)
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, name)
  fs.writeFileSync(file, randomBytes(bytes))
  return file
}

const putsOf = (key: string): number =>
  f.proxy.requests.filter((r) => r.method === 'PUT' && r.url.includes(key)).length

describe('a ledger locked by another process past the busy timeout', () => {
  it('the CLI waits through a failed lease renewal, says so, and finishes the upload', async () => {
    // One file in one PUT, 5 MiB at 200 KB/s: nothing but the lease timer (first renewal after
    // 20 s) writes to the ledger while it is sent.
    f.proxy.setBandwidth(200_000)
    const file = bigFile('clip.bin', 5 * 1024 * 1024)
    const dataDir = path.join(f.work, 'cli-data')
    const prefix = `${f.s3.prefix}/cli`
    const cli = startCli(
      ['upload', file, ...s3TargetFlags(f.s3, prefix, f.proxy.url, dataDir), '--json'],
      {
        AWS_ACCESS_KEY_ID: f.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: f.s3.secretAccessKey,
        AWS_PROFILE: '',
      },
      150_000,
    )
    let stderr = ''
    let exited = false
    cli.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    void cli.done.then(() => (exited = true))
    try {
      await waitFor('the upload to start', () => exited || putsOf('clip.bin') > 0)
      const lock = await lockLedger(path.join(dataDir, 'ledger.sqlite'))
      // Held until the renewal has waited out the busy timeout and failed (or the CLI died).
      await waitFor('the lease renewal to fail', () => exited || stderr.includes('Waiting:'))
      await lock.release()
    } finally {
      f.proxy.setBandwidth(0)
    }
    const result = await cli.done
    expect(result.stderr).not.toMatch(/SqliteError|at .*\.m?js:\d+/)
    expect(result.stderr).toMatch(
      /Waiting: The ledger .*ledger\.sqlite is locked by another process \(SQLITE_BUSY\)/,
    )
    expect(result.stderr).toContain('The ledger takes writes again; uploads continue.')
    expect([result.code, result.signal]).toEqual([0, null])
    const report = JSON.parse(result.stdout) as RunReport
    expect(report.ledgerError).toBeUndefined()
    expect(report.jobs.map((j) => [j.status, j.error])).toEqual([['done', null]])
    const out = report.jobs[0]!.outputs[0]!
    expect((await getObjectInfo(f.s3, out.key))?.size).toBe(5 * 1024 * 1024)
  })

  it('renewals that keep failing give the claim back; the job is taken again and finishes', async () => {
    // A 3 s lease is renewed every second: the lock outlasts it, the step is stopped and its
    // claim given back, and the upload starts over once the ledger takes writes again.
    f.proxy.setBandwidth(200_000)
    const file = bigFile('short-lease.bin', 3 * 1024 * 1024)
    const dataDir = path.join(f.work, 'engine-data')
    const engine = createEngine({ dataDir, leaseMs: 3000 })
    const events: Extract<EngineEvent, { type: 'ledger' }>[] = []
    engine.on((e) => {
      if (e.type === 'ledger') events.push(e)
    })
    let report: RunReport
    try {
      const ids = await engine.enqueue([file], {
        destination: s3Config(f.s3, { endpoint: f.proxy.url, prefix: `${f.s3.prefix}/lease` }),
        preset: 'web',
      })
      const running = engine.run(ids)
      await waitFor('the upload to start', () => putsOf('short-lease.bin') > 0)
      const lock = await lockLedger(path.join(dataDir, 'ledger.sqlite'))
      await waitFor('the renewal to fail', () => events.some((e) => e.state === 'busy'))
      f.proxy.setBandwidth(0)
      await lock.release()
      report = await running
    } finally {
      f.proxy.setBandwidth(0)
      await engine.close()
    }
    expect(events[0]).toMatchObject({ state: 'busy', during: 'renewing claims' })
    expect(events[0]!.error!.code).toBe('LEDGER_BUSY')
    expect(events.map((e) => e.state)).toContain('writable')
    expect(events.map((e) => e.state)).not.toContain('failed')
    expect(report.jobs.map((j) => [j.status, j.error])).toEqual([['done', null]])
    // The first PUT was stopped with its claim; the job was claimed again and sent anew.
    expect(putsOf('short-lease.bin')).toBeGreaterThanOrEqual(2)
    const out = report.jobs[0]!.outputs[0]!
    expect((await getObjectInfo(f.s3, out.key))?.size).toBe(3 * 1024 * 1024)
  })

  it('a part the ledger cannot record: the claim is given back and the upload resumes', async () => {
    // 24 MiB in three 8 MiB parts at 2 MB/s: a part finishes while the lock is held, its record
    // waits out the busy timeout and fails; the step ends without a verdict, and the job is
    // given back and taken again once the lock is gone.
    f.proxy.setBandwidth(2_000_000)
    const file = bigFile('parts.bin', 24 * 1024 * 1024)
    const dataDir = path.join(f.work, 'parts-data')
    const engine = createEngine({ dataDir, partConcurrency: 1 })
    const events: EngineEvent[] = []
    engine.on((e) => {
      if (e.type !== 'progress') events.push(e)
    })
    let report: RunReport
    try {
      const ids = await engine.enqueue([file], {
        destination: s3Config(f.s3, { endpoint: f.proxy.url, prefix: `${f.s3.prefix}/parts` }),
        preset: 'web',
      })
      const running = engine.run(ids)
      const isPart = (r: { method: string; url: string }): boolean =>
        r.method === 'PUT' && r.url.includes('parts.bin') && r.url.includes('partNumber=')
      await waitFor('the first part', () => f.proxy.requests.some(isPart))
      const lock = await lockLedger(path.join(dataDir, 'ledger.sqlite'))
      await waitFor('a part record to fail', () =>
        events.some((e) => e.type === 'ledger' && e.state === 'busy'),
      )
      await lock.release()
      f.proxy.setBandwidth(0)
      report = await running
    } finally {
      f.proxy.setBandwidth(0)
      await engine.close()
    }
    const ledgerEvents = events.filter((e) => e.type === 'ledger')
    expect(ledgerEvents[0]).toMatchObject({ state: 'busy' })
    expect(ledgerEvents.map((e) => e.state)).toContain('writable')
    // The job never failed on the way: the ledger's trouble is not the file's.
    expect(events.some((e) => e.type === 'job' && e.state === 'failed')).toBe(false)
    expect(report.jobs.map((j) => [j.status, j.error])).toEqual([['done', null]])
    const out = report.jobs[0]!.outputs[0]!
    expect((await getObjectInfo(f.s3, out.key))?.size).toBe(24 * 1024 * 1024)
  })
})
