// Ledger benchmark, bundled by run.mjs with esbuild (it imports the engine's TypeScript): enqueue
// rate for 100,000 jobs and the time of the queries behind the queue page (`upshot jobs`, the
// app's list). Prints one JSON document.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Ledger } from '../src/engine/ledger/index.ts'

const JOBS = Number(process.argv[2] ?? 100_000)
const ROUNDS = Number(process.argv[3] ?? 3)
const QUERY_REPEATS = 30
const PAGE = 200 // `upshot jobs` prints at most 200 by default

function seconds(fn) {
  const t = process.hrtime.bigint()
  const value = fn()
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, value }
}

function newJobs(n, destinationId) {
  const batchId = randomUUID()
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    batchId,
    source: `/home/ana/Pictures/shoot-2025/IMG_${String(i).padStart(6, '0')}.jpg`,
    destinationId,
    preset: 'web',
    presetFp: '0123456789abcdef',
  }))
}

function freshLedger() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-bench-ledger-'))
  const ledger = Ledger.open(dir)
  const destinationId = 'local:/tmp/bench-out/'
  ledger.upsertDestination(destinationId, { kind: 'local', dir: '/tmp/bench-out', prefix: '' })
  return { dir, ledger, destinationId }
}

function timeQuery(fn, repeats = QUERY_REPEATS) {
  const times = []
  let rows = 0
  for (let i = 0; i < repeats; i++) {
    const r = seconds(fn)
    rows = Array.isArray(r.value) ? r.value.length : 0
    times.push(r.seconds)
  }
  return { times, rows }
}

const result = { jobs: JOBS, oneCall: [], batches: [], queries: {} }

for (let round = 0; round < ROUNDS; round++) {
  // One call with every job, as `upshot upload <folder of 100,000 files>` does.
  {
    const { dir, ledger, destinationId } = freshLedger()
    const jobs = newJobs(JOBS, destinationId)
    result.oneCall.push(seconds(() => ledger.enqueue(jobs)).seconds)
    if (round === ROUNDS - 1) measureQueries(ledger)
    ledger.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  // 100 drops of 1,000 files each: one transaction per drop.
  {
    const { dir, ledger, destinationId } = freshLedger()
    const batches = Array.from({ length: JOBS / 1000 }, () => newJobs(1000, destinationId))
    result.batches.push(seconds(() => batches.forEach((b) => ledger.enqueue(b))).seconds)
    ledger.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function measureQueries(ledger) {
  const q = result.queries
  const plan = (sql) =>
    ledger.db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all()
      .map((r) => r.detail)
      .join('; ')
  q.allQueuedFirstPage = timeQuery(() => ledger.listJobs({ all: false, limit: PAGE }))
  q.allQueuedUnfinishedIds = timeQuery(() => ledger.unfinishedJobIds(), 5)
  // A ledger that has lived: 90% of the jobs finished, 10% still waiting.
  ledger.db
    .prepare(`UPDATE jobs SET state = 'done', finished_at = updated_at WHERE rowid % 10 != 0`)
    .run()
  ledger.db.prepare('ANALYZE').run()
  q.mixedUnfinishedFirstPage = timeQuery(() => ledger.listJobs({ all: false, limit: PAGE }))
  q.mixedAllFirstPage = timeQuery(() => ledger.listJobs({ all: true, limit: PAGE }))
  q.mixedAllDeepPage = timeQuery(() =>
    ledger.listJobs({ all: true, limit: PAGE, offset: Math.floor(JOBS / 2) }),
  )
  q.plans = {
    unfinished: plan(
      `SELECT * FROM jobs WHERE state IN ('queued','processing','processed','uploading') ORDER BY created_at, rowid LIMIT 200`,
    ),
    all: plan(`SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT 200`),
  }
}

process.stdout.write(JSON.stringify(result) + '\n')
