// The hostile classes the corpus lacks, generated at test time (tests/helpers/hostile.ts), in
// one `upshot upload` to a local folder and one to S3: every input ends with a terminal status
// and, when it fails, its specific code and one plain sentence; the batch goes on.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import { runCliJson, s3TargetFlags } from '../helpers/cli'
import { buildHostileSet, type HostileCase } from '../helpers/hostile'
import { getObjectBytes, startTestS3, type TestS3 } from '../helpers/s3server'

let s3: TestS3
let work: string
let cases: HostileCase[]

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-hostile-'))
  cases = await buildHostileSet(path.join(work, 'in'))
  if (process.getuid?.() === 0) {
    console.log('hostile inputs: no unreadable-file case, root reads files whatever their mode')
  }
})

afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

function checkReport(report: RunReport, stderr: string): void {
  console.log(
    report.jobs
      .map((j) => `${j.status.padEnd(6)} ${path.basename(j.source)} ${j.error?.code ?? ''}`)
      .join('\n'),
  )
  expect(stderr).not.toMatch(/\n\s+at /)
  const bySource = new Map(report.jobs.map((j) => [j.source, j]))
  for (const c of cases) {
    const j = bySource.get(c.file)
    expect(j, `${c.what} is in the report`).toBeDefined()
    expect(j!.status, c.what).toBe(c.status)
    if (c.code) {
      expect(j!.error?.code, c.what).toBe(c.code)
      // One plain sentence: capital, full stop, no line breaks or stack frames.
      expect(j!.error!.message, c.what).toMatch(/^[A-Z][^\n]*[.]$/)
      expect(j!.error!.message, c.what).not.toMatch(/ at .*:\d+|Error:/)
    } else {
      expect(j!.outputs.length, c.what).toBeGreaterThan(0)
    }
  }
  // Only those inputs: the folder named album.jpg was walked into, not taken as a file.
  expect(report.jobs).toHaveLength(cases.length)
  const svg = bySource.get(cases.find((c) => c.what.startsWith('SVG'))!.file)!
  expect(svg.outputs.every((o) => o.contentType !== 'image/svg+xml')).toBe(true)
}

describe('hostile inputs through the CLI', () => {
  it('into a local folder: every input answered, the right codes', async () => {
    const started = Date.now()
    const { result, report } = await runCliJson([
      'upload',
      path.join(work, 'in'),
      '--to',
      `file://${path.join(work, 'out')}`,
      '--data-dir',
      path.join(work, 'data-local'),
    ])
    console.log(`hostile set to a folder in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    expect(result.code).toBe(1) // some inputs failed, as they should; no crash (exit 1, not a signal)
    checkReport(report, result.stderr)
  })

  it('into S3: every input answered, odd names stored under keys their links reach', async () => {
    const { result, report } = await runCliJson(
      [
        'upload',
        path.join(work, 'in'),
        ...s3TargetFlags(s3, `${s3.prefix}`, s3.endpoint, path.join(work, 'data-s3')),
      ],
      {
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_PROFILE: '',
      },
    )
    expect(result.code).toBe(1)
    checkReport(report, result.stderr)
    const weird = report.jobs.find((j) => j.source.endsWith('weird #1 ?% 📷 photo.jpg'))!
    for (const o of weird.outputs) {
      // The key keeps the emoji but none of # ? %; the link percent-encodes it.
      expect(o.key).not.toMatch(/[#?%\s]/)
      expect(o.key).toContain('📷')
      const url = new URL(o.url)
      expect(decodeURIComponent(url.pathname)).toContain(o.key)
      expect((await getObjectBytes(s3, o.key)).length).toBe(o.bytes)
    }
  })
})
