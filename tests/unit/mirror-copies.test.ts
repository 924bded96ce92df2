// The mirror copies queue in the ledger: one pending copy per (object, mirror) of done, undeleted
// jobs, recorded once however often the worker asks; failures wait for their retry time;
// `resume` makes them due again.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Ledger } from '../../src/engine/ledger'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const PRIMARY = 'file:/tmp/primary'
const MIRROR = 'file:/tmp/mirror'

function ledgerWith(jobs: { id: string; state: string; keys: string[] }[]): Ledger {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mirror-copies-'))
  dirs.push(dir)
  const ledger = Ledger.open(dir)
  ledger.upsertDestination(PRIMARY, { kind: 'local', dir: '/tmp/primary', prefix: '' })
  ledger.upsertDestination(MIRROR, { kind: 'local', dir: '/tmp/mirror', prefix: '' })
  ledger.enqueue(
    jobs.map((j) => ({
      id: j.id,
      batchId: 'b',
      source: `/in/${j.id}`,
      destinationId: PRIMARY,
      preset: 'web',
      presetFp: 'fp',
    })),
  )
  const out = ledger.db.prepare(
    `INSERT INTO outputs (job_id, variant, format, content_type, bytes, key, url, state)
     VALUES (?, ?, 'webp', 'image/webp', ?, ?, 'u', 'uploaded')`,
  )
  for (const j of jobs) {
    ledger.db.prepare(`UPDATE jobs SET state = ? WHERE id = ?`).run(j.state, j.id)
    j.keys.forEach((k, i) => out.run(j.id, `v${i}`, 100 + i, k))
  }
  return ledger
}

describe('mirror copies in the ledger', () => {
  it('says nothing was mirrored until a job is sent with a mirror (the worker then writes nothing)', () => {
    const ledger = ledgerWith([{ id: 'a', state: 'done', keys: ['h1/a.webp'] }])
    expect(ledger.mirrors.anyMirrored()).toBe(false)
    ledger.mirrors.addJobMirrors(['a'], [MIRROR])
    expect(ledger.mirrors.anyMirrored()).toBe(true)
  })

  it('records one pending copy per object of done, undeleted jobs, once', () => {
    const ledger = ledgerWith([
      { id: 'a', state: 'done', keys: ['h1/a.webp', 'h1/shared.webp'] },
      { id: 'b', state: 'done', keys: ['h1/shared.webp'] },
      { id: 'c', state: 'uploading', keys: ['h2/c.webp'] },
      { id: 'd', state: 'done', keys: ['h3/d.webp'] },
      { id: 'e', state: 'done', keys: ['h4/e.webp'] },
    ])
    ledger.mirrors.addJobMirrors(['a', 'b', 'c', 'd'], [MIRROR])
    // A mirror that is the primary itself never gets a copy.
    ledger.mirrors.addJobMirrors(['a'], [PRIMARY])
    ledger.db.prepare(`INSERT INTO deleted_jobs (job_id, deleted_at) VALUES ('d', 1)`).run()

    expect(ledger.mirrors.recordDue()).toBe(2)
    expect(ledger.mirrors.recordDue()).toBe(0)
    const due = ledger.mirrors.due(Date.now(), 100)
    expect(due.map((c) => [c.primaryId, c.mirrorId, c.key, c.state])).toEqual([
      [PRIMARY, MIRROR, 'h1/a.webp', 'pending'],
      [PRIMARY, MIRROR, 'h1/shared.webp', 'pending'],
    ])

    // The uploading job finishes: its copy is owed from the next pass on.
    ledger.db.prepare(`UPDATE jobs SET state = 'done' WHERE id = 'c'`).run()
    expect(ledger.mirrors.recordDue()).toBe(1)
  })

  it('holds a failed copy until its retry time, fails it for good at the last attempt, and resume makes both due', () => {
    const ledger = ledgerWith([{ id: 'a', state: 'done', keys: ['k1', 'k2'] }])
    ledger.mirrors.addJobMirrors(['a'], [MIRROR])
    ledger.mirrors.recordDue()
    const [k1, k2] = ledger.mirrors.due(Date.now(), 10)
    const down = { code: 'NETWORK', message: 'The mirror did not answer.' } as const
    ledger.mirrors.markFailed(k1!, down, Date.now() + 60_000, false)
    ledger.mirrors.markFailed(k2!, down, Date.now() + 60_000, true)
    expect(ledger.mirrors.due(Date.now(), 10)).toEqual([])
    expect(ledger.mirrors.countsForJobs(['a'])).toEqual([
      { mirrorId: MIRROR, done: 0, pending: 1, failed: 1, lastError: down },
    ])

    expect(ledger.mirrors.retryNow()).toBe(2)
    const again = ledger.mirrors.due(Date.now(), 10)
    expect(again.map((c) => [c.key, c.state, c.attempts])).toEqual([
      ['k1', 'pending', 1],
      ['k2', 'pending', 0],
    ])
    ledger.mirrors.markDone(again[0]!, '"e"')
    ledger.mirrors.markDone(again[1]!, '"f"')
    expect(ledger.mirrors.countsForJobs(['a'])).toEqual([
      { mirrorId: MIRROR, done: 2, pending: 0, failed: 0, lastError: null },
    ])
    expect(ledger.mirrors.due(Date.now(), 10)).toEqual([])
  })
})
