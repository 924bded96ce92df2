// The engine takes a destination's config as it is when each step starts (createEngine's
// configFor): a job processed under the old public URL uploads with the new one, and a
// destination stopped by refused keys carries on once its keys are fixed, in the same run.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/engine'
import type { S3DestinationConfig } from '../../src/engine/types'
import { CORPUS } from '../helpers/fixtures'
import { getObjectInfo, s3Config, startTestS3, type TestS3 } from '../helpers/s3server'

let s3: TestS3
let work: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-config-changes-'))
})
afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

function input(name: string, as = name): string {
  const dir = fs.mkdtempSync(path.join(work, 'in-'))
  const file = path.join(dir, as)
  fs.copyFileSync(path.join(CORPUS, name), file)
  return file
}

describe('a destination config that changes under a running engine', () => {
  it('a job processed under the old public URL hands out the new one', async () => {
    let current: S3DestinationConfig = s3Config(s3, {
      prefix: `${s3.prefix}/relink`,
      publicUrl: 'https://old-cdn.example.test',
    })
    const engine = createEngine({ dataDir: path.join(work, 'relink'), configFor: () => current })
    try {
      const [id] = await engine.enqueue([input('sharp__with-alpha.png')], {
        destination: current,
        preset: 'web',
      })
      // Stop the run the moment the variants are made: the job waits in `processed`.
      const ctl = new AbortController()
      const off = engine.on((e) => {
        if (e.type === 'job' && e.id === id && e.state === 'processed') ctl.abort()
      })
      await engine.run([id!], { signal: ctl.signal })
      off()
      expect(engine.ledger.job(id!)!.state).toBe('processed')
      expect(engine.ledger.outputs(id!).every((o) => o.url.startsWith('https://old-cdn.'))).toBe(
        true,
      )

      current = { ...current, publicUrl: 'https://new-cdn.example.test' }
      const report = await engine.run([id!])
      expect(report.jobs[0]!.status).toBe('done')
      const outputs = report.jobs[0]!.outputs
      expect(outputs.length).toBe(4)
      for (const o of outputs) {
        expect(o.url).toMatch(/^https:\/\/new-cdn\.example\.test\//)
        expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
      }
      expect(engine.ledger.outputs(id!).map((o) => o.url)).toEqual(outputs.map((o) => o.url))
    } finally {
      await engine.close()
    }
  })

  it('refused keys stop the destination only until its keys change', async () => {
    const good = s3Config(s3, { prefix: `${s3.prefix}/keys` })
    let current: S3DestinationConfig = {
      ...good,
      credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'wrong' },
    }
    const engine = createEngine({ dataDir: path.join(work, 'keys'), configFor: () => current })
    try {
      // The same photo twice: the younger job waits for its twin, and goes on only once the
      // twin has failed, so it meets the stopped destination.
      const ids = await engine.enqueue(
        [input('sharp__4.webp', 'a.webp'), input('sharp__4.webp', 'b.webp')],
        { destination: current, preset: 'web' },
      )
      // The user fixes the keys as soon as a file fails with them.
      engine.on((e) => {
        if (e.type === 'job' && e.error?.code === 'INVALID_CREDENTIALS') current = good
      })
      const report = await engine.run(ids)
      const statuses = report.jobs.map((j) => [j.status, j.error?.code ?? null]).sort()
      expect(statuses).toEqual([
        ['done', null],
        ['failed', 'INVALID_CREDENTIALS'],
      ])
      const done = report.jobs.find((j) => j.status === 'done')!
      expect(done.deduplicated).toBe(false)
      for (const o of done.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
    } finally {
      await engine.close()
    }
  })
})
