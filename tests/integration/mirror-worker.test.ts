// The mirror worker is driven by the engine's events, not a poll: a copy starts as soon as a job
// is done (the run still open), and while nothing is owed an open run (here: paused) costs the
// ledger no write and no mirror query at all. A copy that fails is tried again by its retry
// timer, without a new run. Primary on s3rver behind the counting proxy, mirrors in local folders.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src/engine'
import type { RunReport } from '../../src/shared/jobs'
import type { Ledger } from '../../src/engine/ledger'
import type { LocalDestinationConfig } from '../../src/engine/types'
import type { TestProxy } from '../helpers/proxy'
import { getObjectBytes, s3Config, type TestS3 } from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy } from '../helpers/s3proxy'
import { lockLedger } from '../helpers/ledger-lock'
import { until } from '../helpers/until'

const MiB = 1024 * 1024
let s3: TestS3
let proxy: TestProxy
let work: string

beforeAll(async () => {
  ;({ s3, proxy, work } = await startS3Proxy('upshot-mirror-worker-'))
})
afterAll(() => stopS3Proxy({ s3, proxy, work }))

/** What a wait for the first copy says when it times out: where that copy stood. */
const copyRows = (ledger: Ledger) => (): string =>
  `the copy to be made; it stands at ${JSON.stringify(ledger.db.prepare('SELECT * FROM mirror_copies').all())}`

/**
 * A local mirror whose folder cannot be made yet (a file stands where it should be), and one
 * note uploaded to the primary with it: the note's copy fails once and is owed.
 */
async function uploadWithBlockedMirror(
  engine: Engine,
  name: string,
  text: string,
): Promise<{ blocked: string; key: string; report: RunReport }> {
  const blocked = path.join(work, `blocked-${name}`)
  fs.writeFileSync(blocked, 'not a folder')
  const mirror: LocalDestinationConfig = { kind: 'local', dir: blocked, prefix: '' }
  const note = path.join(work, `${name}.txt`)
  fs.writeFileSync(note, text)
  const ids = await engine.enqueue([note], {
    destination: s3Config(s3, { endpoint: proxy.url }),
    preset: 'original',
    mirrors: [{ config: mirror }],
  })
  const report = await engine.run(ids)
  return { blocked, key: report.jobs[0]!.outputs[0]!.key, report }
}

interface Counted {
  writes: string[]
  mirrorQueries: string[]
  stop(): void
}

/** Every statement the ledger's connection runs from now on: writes, and any on mirror tables. */
function countStatements(ledger: Ledger): Counted {
  const proto = Object.getPrototypeOf(ledger.db.prepare('SELECT 1')) as Record<
    string,
    (...a: unknown[]) => unknown
  >
  const out: Counted = { writes: [], mirrorQueries: [], stop: () => undefined }
  const saved: [string, (...a: unknown[]) => unknown][] = []
  for (const name of ['run', 'get', 'all', 'iterate']) {
    const orig = proto[name]!
    saved.push([name, orig])
    proto[name] = function (this: { source: string; reader: boolean }, ...a: unknown[]) {
      if (!this.reader) out.writes.push(this.source)
      if (/mirror_copies|job_mirrors/.test(this.source)) out.mirrorQueries.push(this.source)
      return orig.apply(this, a)
    }
  }
  out.stop = () => {
    for (const [name, orig] of saved) proto[name] = orig
  }
  return out
}

const copiesOf = (ledger: Ledger): { key: string; state: string }[] =>
  ledger.db.prepare('SELECT key, state FROM mirror_copies ORDER BY key').all() as {
    key: string
    state: string
  }[]

const fileOn = (dir: string, key: string): string => path.join(dir, ...key.split('/'))

describe('the mirror worker', () => {
  it('copies as soon as a job is done, and an open run with nothing owed touches no mirror row', async () => {
    const mirrorDir = path.join(work, 'mirror-a')
    const mirror: LocalDestinationConfig = { kind: 'local', dir: mirrorDir, prefix: 'm' }
    const small = path.join(work, 'small.txt')
    fs.writeFileSync(small, 'copied while the run is open\n'.repeat(50))
    const big = path.join(work, 'big.bin')
    fs.writeFileSync(big, randomBytes(24 * MiB))
    const engine = createEngine({ dataDir: path.join(work, 'data-a') })
    try {
      const [smallId, bigId] = await engine.enqueue([small, big], {
        destination: s3Config(s3, { endpoint: proxy.url }),
        preset: 'original',
        mirrors: [{ config: mirror }],
      })
      // The big file goes slowly, so the run is still open when the small one is done.
      proxy.setBandwidth(4 * MiB)
      let smallDone = false
      engine.on((e) => {
        if (e.type === 'job' && e.id === smallId && e.state === 'done') {
          smallDone = true
          engine.pause()
        }
      })
      let runOver = false
      const running = engine.run([smallId!, bigId!]).finally(() => {
        runOver = true
      })
      await until('the small job done', () => smallDone, 60_000)
      const key = engine.ledger.outputs(smallId!)[0]!.key
      // The copy lands while the run is open (the big job waits, paused).
      await until(
        'its copy made while the run is open',
        () => copiesOf(engine.ledger).some((c) => c.key === key && c.state === 'done'),
        60_000,
      )
      expect(runOver).toBe(false)
      expect(fs.readFileSync(fileOn(mirrorDir, key))).toEqual(await getObjectBytes(s3, key))

      // Nothing is owed now: the open, paused run must not touch the mirror rows (the poll
      // this replaced ran an INSERT ... SELECT every 250 ms, about six in this window).
      const counted = countStatements(engine.ledger)
      await new Promise((r) => setTimeout(r, 1_500))
      counted.stop()
      expect(counted.mirrorQueries).toEqual([])
      expect(counted.writes).toEqual([])
      expect(runOver).toBe(false)

      proxy.setBandwidth(0)
      engine.resume()
      const report = await running
      expect(report.jobs.map((j) => j.status)).toEqual(['done', 'done'])
      const bigKey = engine.ledger.outputs(bigId!)[0]!.key
      expect(copiesOf(engine.ledger).map((c) => c.state)).toEqual(['done', 'done'])
      expect(
        createHash('sha256')
          .update(fs.readFileSync(fileOn(mirrorDir, bigKey)))
          .digest('hex'),
      ).toBe(createHash('sha256').update(fs.readFileSync(big)).digest('hex'))
    } finally {
      proxy.setBandwidth(0)
      await engine.close()
    }
  }, 120_000)

  it('tries a failed copy again when its retry time comes, without a new run', async () => {
    const engine = createEngine({ dataDir: path.join(work, 'data-b') })
    try {
      const { blocked, key, report } = await uploadWithBlockedMirror(
        engine,
        'retry',
        'tried again by the timer\n',
      )
      expect(report.jobs[0]!.status).toBe('done')
      const [first] = engine.ledger.db
        .prepare('SELECT state, attempts, retry_after FROM mirror_copies')
        .all() as { state: string; attempts: number; retry_after: number }[]
      expect(first).toMatchObject({ state: 'pending', attempts: 1 })
      expect(first!.retry_after).toBeGreaterThan(Date.now())
      // The mirror can take it now; no run is open, the worker's timer makes the copy.
      fs.rmSync(blocked)
      // A retry that fails again (a loaded machine) is retried at 4 s, then 8 s: the wait
      // covers three, and says where the copy stood if it still times out.
      await until(
        copyRows(engine.ledger),
        () => copiesOf(engine.ledger)[0]?.state === 'done',
        45_000,
      )
      expect(fs.readFileSync(fileOn(blocked, key), 'utf8')).toBe('tried again by the timer\n')
    } finally {
      await engine.close()
    }
  }, 90_000)

  it('a catch-up the ledger refused (locked by another process) is tried again on its own', async () => {
    // A copy owed from an earlier process, due now: the catch-up that would find it meets a
    // ledger locked past its busy timeout (10 s), and nothing else will ever call again.
    const dataDir = path.join(work, 'data-c')
    const earlier = createEngine({ dataDir })
    const { blocked, key } = await uploadWithBlockedMirror(
      earlier,
      'refused',
      'copied after the lock\n',
    )
    await earlier.close()
    fs.rmSync(blocked)
    // The next process finds the primary's keys where a CLI run would: the environment.
    const env = { ...process.env }
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey
    const engine = createEngine({ dataDir })
    try {
      await until('the owed copy', () => copiesOf(engine.ledger)[0]?.state === 'pending', 60_000)
      const due = engine.ledger.db.prepare('SELECT retry_after FROM mirror_copies').get() as {
        retry_after: number
      }
      await new Promise((r) => setTimeout(r, Math.max(0, due.retry_after - Date.now() + 50)))
      const lock = await lockLedger(path.join(dataDir, 'ledger.sqlite'))
      try {
        await engine.copyMirrors()
      } finally {
        await lock.release()
      }
      expect(copiesOf(engine.ledger)[0]?.state).toBe('pending')
      await until(
        copyRows(engine.ledger),
        () => copiesOf(engine.ledger)[0]?.state === 'done',
        30_000,
      )
      expect(fs.readFileSync(fileOn(blocked, key), 'utf8')).toBe('copied after the lock\n')
    } finally {
      process.env = env
      await engine.close()
    }
  }, 90_000)
})
