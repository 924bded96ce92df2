import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/engine'
import type { RunReport } from '../../src/shared/jobs'
import { CORPUS, startCli } from '../helpers/cli'
import type { TestProxy } from '../helpers/proxy'
import { getObjectBytes, listOpenUploads, s3Config, type TestS3 } from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy } from '../helpers/s3proxy'

const MiB = 1024 * 1024
let s3: TestS3
let proxy: TestProxy
let work: string

beforeAll(async () => {
  ;({ s3, proxy, work } = await startS3Proxy('upshot-engine-'))
})
afterAll(() => stopS3Proxy({ s3, proxy, work }))

function randomFile(name: string, size: number): { file: string; sha: string } {
  const file = path.join(work, name)
  const buf = randomBytes(size)
  fs.writeFileSync(file, buf)
  return { file, sha: createHash('sha256').update(buf).digest('hex') }
}

async function waitFor(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('engine control', () => {
  it('pause gives the claim back mid-upload; resume finishes from the recorded parts', async () => {
    const { file, sha } = randomFile('pause.bin', 48 * MiB)
    const engine = createEngine({ dataDir: path.join(work, 'pause') })
    try {
      const [id] = await engine.enqueue([file], {
        destination: s3Config(s3, { endpoint: proxy.url }),
        preset: 'web',
      })
      proxy.resetCounters()
      proxy.setBandwidth(12 * MiB)
      const states: string[] = []
      engine.on((e) => {
        if (e.type === 'job') states.push(e.state)
      })
      const running = engine.run([id!])
      const partsDone = (): number =>
        (
          engine.ledger.db.prepare('SELECT COUNT(*) AS n FROM multipart_parts').get() as {
            n: number
          }
        ).n
      await waitFor(() => partsDone() >= 1)
      engine.pause()
      await waitFor(() => engine.ledger.job(id!)!.state === 'processed')
      expect(engine.ledger.multipartsOfJob(id!)).toHaveLength(1) // the upload is kept, not aborted
      proxy.setBandwidth(0)
      engine.resume()
      const report = await running
      expect(report.jobs[0]!.status).toBe('done')
      const out = report.jobs[0]!.outputs[0]!
      expect(
        createHash('sha256')
          .update(await getObjectBytes(s3, out.key))
          .digest('hex'),
      ).toBe(sha)
      expect(proxy.bytesIn() - 48 * MiB).toBeLessThanOrEqual(32 * MiB)
      expect(states).toContain('processed')
    } finally {
      proxy.setBandwidth(0)
      await engine.close()
    }
  })

  it('cancel ends the job and aborts its multipart upload', async () => {
    const { file } = randomFile('cancel.bin', 48 * MiB)
    const engine = createEngine({ dataDir: path.join(work, 'cancel') })
    try {
      const [id] = await engine.enqueue([file], {
        destination: s3Config(s3, { endpoint: proxy.url }),
        preset: 'web',
      })
      proxy.setBandwidth(12 * MiB)
      const running = engine.run([id!])
      await waitFor(() => engine.ledger.multipartsOfJob(id!).length === 1)
      const { key, uploadId } = engine.ledger.multipartsOfJob(id!)[0]!
      await engine.cancel(id!)
      const report: RunReport = await running
      expect(report.jobs[0]!.status).toBe('canceled')
      expect(engine.ledger.job(id!)!.state).toBe('canceled')
      expect(engine.ledger.multipartsOfJob(id!)).toEqual([])
      expect(fs.existsSync(path.join(work, 'cancel', 'staging', id!))).toBe(false)
      const open = await listOpenUploads(s3)
      if (open !== null)
        expect(open.filter((u) => u.key === key && u.uploadId === uploadId)).toEqual([])
    } finally {
      proxy.setBandwidth(0)
      await engine.close()
    }
  })

  it('two processes on one data dir: every job is uploaded exactly once', async () => {
    const dataDir = path.join(work, 'shared-ledger')
    const inputs = path.join(work, 'photos')
    fs.mkdirSync(inputs)
    const photos = fs.readdirSync(path.join(CORPUS, 'bench')).filter((f) => f.endsWith('.jpg'))
    // Several copies under different names: distinct jobs and keys, identical work per job.
    for (const [i, p] of photos.entries()) {
      for (let c = 0; c < 2; c++)
        fs.copyFileSync(path.join(CORPUS, 'bench', p), path.join(inputs, `p${i}-${c}.jpg`))
    }
    const engine = createEngine({ dataDir })
    const ids = await engine.enqueue([inputs], {
      destination: s3Config(s3, { endpoint: proxy.url, credentials: undefined }),
      preset: 'web',
    })
    await engine.close()
    proxy.resetCounters()

    const env = {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_PROFILE: '',
    }
    const a = startCli(['resume', '--data-dir', dataDir, '--json'], env)
    const b = startCli(['resume', '--data-dir', dataDir, '--json'], env)
    const [ra, rb] = await Promise.all([a.done, b.done])
    expect(ra.code).toBe(0)
    expect(rb.code).toBe(0)
    const reports = [JSON.parse(ra.stdout) as RunReport, JSON.parse(rb.stdout) as RunReport]

    const check = createEngine({ dataDir })
    try {
      for (const id of ids) expect(check.ledger.job(id)!.state).toBe('done')
      const keys = ids.flatMap((id) => check.ledger.outputs(id).map((o) => o.key))
      const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.status === 200)
      const perKey = new Map<string, number>()
      for (const r of puts) {
        const key = decodeURIComponent(r.url.split('?')[0]!.split('/').slice(2).join('/'))
        perKey.set(key, (perKey.get(key) ?? 0) + 1)
      }
      // The two copies of a photo are twins: one uploads, the other reuses its objects.
      expect([...perKey.keys()].sort()).toEqual([...new Set(keys)].sort())
      expect(new Set(keys).size).toBe(keys.length / 2)
      expect([...perKey.values()].every((n) => n === 1)).toBe(true)
      // Both processes did part of the work, and neither reported a job twice as its own failure.
      expect(reports.flatMap((r) => r.jobs).every((j) => j.status === 'done')).toBe(true)
      expect(check.ledger.db.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      await check.close()
    }
  })
})
