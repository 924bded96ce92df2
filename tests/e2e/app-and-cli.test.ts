// The desktop app (its real core process, driven over its channel as the window drives it) and
// `upshot` CLI processes on one data dir at the same moment, given the same files: every object is PUT once
// (counted at a proxy), every job ends done in both views, and the ledger stays sound.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import { CORPUS, startCli, s3TargetFlags } from '../helpers/cli'
import type { TestProxy } from '../helpers/proxy'
import { type TestS3 } from '../helpers/s3server'
import { startTestApp, testBucketDestination } from './helpers/app'
import { startS3Proxy, stopS3Proxy } from '../helpers/s3proxy'

let s3: TestS3
let proxy: TestProxy
let work: string

beforeAll(async () => {
  ;({ s3, proxy, work } = await startS3Proxy('upshot-app-cli-'))
})
afterAll(() => stopS3Proxy({ s3, proxy, work }))

describe('app and CLI on one data dir', () => {
  it('the app and a CLI on one data dir at once: each key is uploaded once, the ledger stays sound', async () => {
    const dataDir = path.join(work, 'app-and-cli')
    const inputs = path.join(work, 'app-cli-photos')
    fs.mkdirSync(inputs)
    const photos = fs.readdirSync(path.join(CORPUS, 'bench')).filter((f) => f.endsWith('.jpg'))
    for (const [i, p] of photos.entries()) {
      for (let c = 0; c < 2; c++)
        fs.copyFileSync(path.join(CORPUS, 'bench', p), path.join(inputs, `a${i}-${c}.jpg`))
    }
    const files = fs.readdirSync(inputs).map((f) => path.join(inputs, f))
    const prefix = `${s3.prefix}/app-cli`
    const app = await startTestApp({ dataDir })
    proxy.resetCounters()
    try {
      await app.call(
        'saveDestination',
        testBucketDestination(s3, 'Shared', { endpoint: proxy.url, prefix }),
      )
      // The app takes the set the way a drop does; at the same moment a CLI is told to upload
      // the very same files to the same bucket and prefix, and another CLI resumes whatever
      // the ledger holds unfinished (the app's jobs included).
      const env = {
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_PROFILE: '',
      }
      const target = [...s3TargetFlags(s3, prefix, proxy.url, dataDir), '--json']
      const added = app.call('addPaths', files)
      const upload = startCli(['upload', ...files, ...target], env)
      expect(await added).toEqual({ added: files.length })
      const resume = startCli(['resume', '--data-dir', dataDir, '--json'], env)
      const [ru, rr] = await Promise.all([upload.done, resume.done])
      expect(ru.code, ru.stderr).toBe(0)
      expect(rr.code, rr.stderr).toBe(0)
      const until = Date.now() + 60_000
      while (!(await app.queue()).overall.idle && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100))
      }
      const queue = (await app.queue()).jobs
      expect(queue).toHaveLength(files.length)
      expect(queue.every((j) => j.state === 'done')).toBe(true)
      const cliReport = JSON.parse(ru.stdout) as RunReport
      expect(cliReport.jobs.map((j) => j.status)).toEqual(files.map(() => 'done'))

      const ledger = app.ledger()
      expect(ledger.pragma('integrity_check', { simple: true })).toBe('ok')
      const rows = ledger
        .prepare(
          `SELECT o.key FROM outputs o JOIN jobs j ON j.id = o.job_id WHERE j.state = 'done'`,
        )
        .all() as { key: string }[]
      const keys = new Set(rows.map((r) => r.key))
      // Every key was PUT exactly once through the proxy: neither process redid the other's work.
      const perKey = new Map<string, number>()
      for (const r of proxy.requests.filter((q) => q.method === 'PUT' && q.status === 200)) {
        const key = decodeURIComponent(r.url.split('?')[0]!.split('/').slice(2).join('/'))
        perKey.set(key, (perKey.get(key) ?? 0) + 1)
      }
      expect([...perKey.keys()].sort()).toEqual([...keys].sort())
      expect([...perKey.entries()].filter(([, n]) => n !== 1)).toEqual([])

      // The settings' "Clean up unfinished uploads" for this destination: nothing is left open
      // on a server that can list them; s3rver cannot, and the app says so in one sentence.
      const destId = (await app.call('getSettings')).destinations[0]!.id
      if (s3.strict) {
        const report = await app.call('cleanupDestination', destId)
        expect(report.destination).toBe(`s3://${s3.bucket}/${prefix}`)
        expect(report.summary).toMatchObject({ listed: 0, aborted: 0, failed: 0 })
      } else {
        await expect(app.call('cleanupDestination', destId)).rejects.toMatchObject({
          code: 'NOT_SUPPORTED',
          message: expect.stringMatching(/does not support listing unfinished multipart uploads/),
        })
      }
    } finally {
      await app.close()
    }
  })
})
