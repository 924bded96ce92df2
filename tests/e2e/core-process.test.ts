// The app's core as a package runs it: the staged core (dist/core/<os>-<arch>: the bundle, sharp,
// better-sqlite3 built for the shipped Node) started with the Node binary a package ships (from
// the npm registry), driven over the private channel by the supervisor Electron's main process
// uses. It uploads to a real S3 server, is killed with SIGKILL mid-upload and comes back losing
// and duplicating nothing, and a file that is being processed in two crashes in a row is set
// aside with CORE_CRASHED while the rest finish. Secrets never leave the channel.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueuePatch, QueueState } from '../../src/shared/api'
import { shippedNodePath } from '../../src/main/core-launch'
import { ownerPrefix } from '../../src/engine'
import { CORE_CRASHED_MESSAGE } from '../../src/core/process/crash-suspects'
import { startProxy, type TestProxy } from '../helpers/proxy'
import { getObjectInfo, listKeys, startTestS3, type TestS3 } from '../helpers/s3server'
import { CORPUS } from '../helpers/fixtures'
import { startTestApp, testBucketDestination, until, type TestApp } from './helpers/app'
import { ROOT, stageShippedCore } from './helpers/build'

const PHOTOS = [
  'bench/exif-samples__jpg_hdr_iphone_hdr_YES.jpg',
  'bench/exif-samples__jpg_hdr_canon_hdr_NO.jpg',
  'exif-samples__jpg_mobile_jolla.jpg',
  'exif-samples__jpg_gps_DSCN0010.jpg',
  'exif-samples__jpg_orientation_portrait_6.jpg',
  'sharp__with-alpha.png',
]
const SECRET = 'q7Vf2LmX9sKp4ZrT1wY8cB3nH6dJ0gQe-core-secret'

let staged: string
let node: string
let entry: string
let s3: TestS3
let proxy: TestProxy
let work: string
const apps: TestApp[] = []

beforeAll(async () => {
  staged = stageShippedCore()
  node = path.join(staged, shippedNodePath(process.platform))
  entry = path.join(staged, 'index.mjs')
  s3 = await startTestS3()
  proxy = await startProxy(s3.endpoint)
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-core-'))
}, 45 * 60_000)

afterAll(async () => {
  for (const app of apps) await app.close()
  await proxy?.close()
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

async function shippedApp(opts: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  const app = await startTestApp({ node, entry, ...opts })
  apps.push(app)
  return app
}

function photosIn(dir: string, names = PHOTOS): string[] {
  fs.mkdirSync(dir, { recursive: true })
  return names.map((name, i) => {
    const file = path.join(dir, `${i}-${path.basename(name)}`)
    fs.copyFileSync(path.join(CORPUS, name), file)
    return file
  })
}

function kill(app: TestApp): number {
  const pid = app.supervisor.pid
  if (!pid) throw new Error('no core process to kill')
  process.kill(pid, 'SIGKILL')
  return pid
}

async function restarted(app: TestApp, restarts: number): Promise<void> {
  await until(`restart ${restarts}`, () =>
    app.statuses.some((s) => s.state === 'running' && s.restarts === restarts),
  )
}

async function allFinished(app: TestApp, count: number): Promise<void> {
  await until(
    'every job finished',
    async () => {
      const q = await app.queue()
      return q.jobs.length === count && q.overall.idle
    },
    180_000,
  )
}

describe('the shipped core process', () => {
  it('runs on the Node a package ships: --version, --health, and the handshake', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string
    }
    const version = spawnSync(node, [entry, '--version'], { encoding: 'utf8' })
    expect(version.stdout.trim()).toBe(pkg.version)
    const health = spawnSync(node, [entry, '--health'], { encoding: 'utf8' })
    expect(health.status, health.stderr).toBe(0)
    const report = JSON.parse(health.stdout) as Record<string, string>
    // Not the Node running this test: the shipped one, an LTS line of 22 or later, whose ABI the
    // staged better-sqlite3 was built for (it just opened a database to say so).
    expect(Number(/^v(\d+)\./.exec(report.node!)![1])).toBeGreaterThanOrEqual(22)
    expect(report.abi).not.toBe(process.versions.modules)
    expect(report.sqlite).toMatch(/^3\.\d+/)
    expect(report.vips).toMatch(/^8\.\d+/)

    // Start-up, spawn to `ready` over the channel: measured over a few starts.
    const times: number[] = []
    for (let i = 0; i < 3; i++) {
      const app = await startTestApp({ node, entry })
      times.push(app.supervisor.lastStartMs!)
      const info = await app.call('getAppInfo')
      expect(info).toEqual({
        version: '0.0.0-test',
        dataDir: app.dataDir,
        platform: process.platform,
      })
      await app.close()
      expect(app.supervisor.state).toBe('stopped')
    }
    times.sort((a, b) => a - b)
    console.info(
      `[measure] core start-up with the shipped Node (spawn -> ready): median ${times[1]!.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`,
    )
  })

  it('uploads photos to the S3 server, and the queue events show each job’s way', async () => {
    const app = await shippedApp({ prefs: { concurrency: 2 } })
    await app.call('saveDestination', testBucketDestination(s3, 'Bucket', { endpoint: proxy.url }))
    const seen = new Map<string, Set<QueueState>>()
    // Watched as a window does: the rows of its range come in the patches, as they change.
    await app.call('watchQueue', { view: 'test', filter: 'all', start: 0, end: 100 })
    app.listen((name, payload) => {
      if (name !== 'queue') return
      for (const job of (payload as QueuePatch).windows.flatMap((w) => w.rows)) {
        seen.set(job.id, (seen.get(job.id) ?? new Set()).add(job.state))
      }
    })
    const files = photosIn(path.join(work, 'upload'))
    expect(await app.call('addPaths', files)).toEqual({ added: files.length })
    await allFinished(app, files.length)
    // The last patch is on its way a moment after the state (patches are coalesced).
    await until(
      'the done events',
      () => [...seen.values()].filter((states) => states.has('done')).length === files.length,
    )

    const jobs = (await app.queue()).jobs
    expect(jobs.map((j) => j.state)).toEqual(files.map(() => 'done'))
    // Every job's way ended in an event saying it is done; patches are coalesced, so the states
    // in between are seen for some jobs, not necessarily all.
    for (const job of jobs) expect(seen.get(job.id)).toContain('done')
    const between = new Set([...seen.values()].flatMap((s) => [...s]))
    expect(between.has('processing') || between.has('uploading')).toBe(true)
    const finished = await app.call(
      'getFinished',
      jobs.map((j) => j.id),
    )
    for (const f of finished) {
      expect(f.outputs.length).toBeGreaterThan(1)
      for (const o of f.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
    }
  })

  it('SIGKILL mid-upload, then a restart: nothing is lost and nothing duplicated', async () => {
    const prefix = `${s3.prefix}/killed`
    const app = await shippedApp({ prefs: { concurrency: 2 } })
    await app.call(
      'saveDestination',
      testBucketDestination(s3, 'Bucket', { endpoint: proxy.url, prefix }),
    )
    proxy.resetCounters()
    proxy.setBandwidth(256 * 1024)
    const files = photosIn(path.join(work, 'killed'))
    await app.call('addPaths', files)
    // Killed while an object's body is on its way, with part of the batch already done.
    await until('an upload under way after one finished', async () => {
      const done = (await app.queue()).jobs.some((j) => j.state === 'done')
      return done && proxy.requests.some(isBodyOnItsWay)
    })
    const pid = kill(app)
    const killedAt = Date.now()
    // What the dead process may not have recorded: objects unanswered at the kill, or answered
    // so shortly before it that the answer may not have reached the ledger.
    const atTheEdge = new Set(
      proxy.requests
        .filter((r) => r.method === 'PUT' && (r.answeredAt ?? Infinity) > killedAt - 1000)
        .map(keyOf),
    )
    await restarted(app, 1)
    expect(app.supervisor.pid).not.toBe(pid)
    expect(app.statuses.map((s) => s.state)).toContain('restarting')
    proxy.setBandwidth(0)
    await allFinished(app, files.length)

    // The new core shows the same jobs, each once, all done.
    const jobs = (await app.queue()).jobs
    expect(jobs.map((j) => j.name).sort()).toEqual(files.map((f) => path.basename(f)).sort())
    expect(jobs.map((j) => [j.name, j.state, j.error?.message])).toEqual(
      jobs.map((j) => [j.name, 'done', undefined]),
    )
    const rows = app
      .ledger()
      .prepare(
        `SELECT o.key, o.bytes FROM outputs o JOIN jobs j ON j.id = o.job_id WHERE j.state = 'done'`,
      )
      .all() as { key: string; bytes: number }[]
    const keys = rows.map((r) => r.key)
    expect(new Set(keys).size).toBe(keys.length)
    // Exactly the ledger's objects are in the bucket, each with its size.
    expect((await listKeys(s3, prefix)).sort()).toEqual([...keys].sort())
    for (const r of rows) expect((await getObjectInfo(s3, r.key))?.size).toBe(r.bytes)
    // Each object was stored once, except those under way at the kill: the dead process may have
    // had no time to record that the server took one, so it is sent again (same bytes, same key).
    // Anything the ledger knew was stored is never sent twice.
    const stored = new Map<string, number>()
    for (const r of proxy.requests) {
      if (r.method === 'PUT' && r.status === 200)
        stored.set(keyOf(r), (stored.get(keyOf(r)) ?? 0) + 1)
    }
    expect([...stored.keys()].sort()).toEqual([...keys].sort())
    for (const [key, n] of stored) expect(n, key).toBeLessThanOrEqual(atTheEdge.has(key) ? 2 : 1)
    expect([...stored.values()].filter((n) => n > 1).length).toBeLessThan(keys.length / 2)
  })

  it('a file being processed in two crashes in a row ends CORE_CRASHED; the rest finish', async () => {
    // A large noisy photo keeps the decoder busy for a while: the moment to die.
    const heavy = path.join(work, 'crashy', 'heavy.jpg')
    fs.mkdirSync(path.dirname(heavy), { recursive: true })
    await sharp({
      create: {
        width: 4200,
        height: 3000,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 50 },
      },
    })
      .jpeg({ quality: 92 })
      .toFile(heavy)
    const others = photosIn(path.join(work, 'crashy', 'others'), PHOTOS.slice(2))
    const app = await shippedApp()
    await app.call('addPaths', [heavy, ...others])
    const heavyId = (await app.queue()).jobs.find((j) => j.name === 'heavy.jpg')!.id

    const processingAlone = (pid: number) => (): boolean => {
      const rows = app
        .ledger()
        .prepare(`SELECT id, owner FROM jobs WHERE state = 'processing'`)
        .all() as { id: string; owner: string }[]
      return (
        rows.length === 1 && rows[0]!.id === heavyId && rows[0]!.owner.startsWith(ownerPrefix(pid))
      )
    }
    await until('the heavy file processed alone', processingAlone(app.supervisor.pid!))
    kill(app)
    await restarted(app, 1)
    // The new core took it up again (the ledger resumes unfinished work): crash two.
    await until('the heavy file processed again', processingAlone(app.supervisor.pid!))
    kill(app)
    await restarted(app, 2)
    await allFinished(app, 1 + others.length)

    const jobs = (await app.queue()).jobs
    const failed = jobs.find((j) => j.id === heavyId)!
    expect(failed.state).toBe('failed')
    expect(failed.error).toEqual({ code: 'CORE_CRASHED', message: CORE_CRASHED_MESSAGE })
    expect(jobs.filter((j) => j.id !== heavyId).map((j) => j.state)).toEqual(
      others.map(() => 'done'),
    )
    // Its half-made variants are gone; trying it again is possible (it is only failed).
    expect(fs.existsSync(path.join(app.dataDir, 'staging', heavyId))).toBe(false)
    expect(app.ledger().prepare('SELECT state FROM jobs WHERE id = ?').get(heavyId)).toEqual({
      state: 'failed',
    })
  })

  it('keeps the keys out of the page, the disk, the logs, and the core’s argv and environment', async () => {
    const app = await shippedApp()
    const view = await app.call(
      'saveDestination',
      testBucketDestination(s3, 'Secret bucket', {
        prefix: `${s3.prefix}/secret`,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: SECRET },
      }),
    )
    expect(view.destinations[0]).toMatchObject({ hasCredentials: true })
    const test = await app.request('testDestination', view.destinations[0]!.id)
    expect(test.ok).toBe(true)
    // s3rver does not check signatures; a strict server would refuse the wrong secret.
    const [file] = photosIn(path.join(work, 'secret'), ['sharp__4.webp'])
    await app.call('addPaths', [file!])
    await allFinished(app, 1)

    // A restart: the new core gets the key over the channel again.
    kill(app)
    await restarted(app, 1)
    expect((await app.call('getSettings')).destinations[0]).toMatchObject({ hasCredentials: true })

    const pid = app.supervisor.pid!
    const places: [string, string][] = [
      ['page', app.wire()],
      ['logs', app.logs.join('\n')],
      ...filesUnder(app.dataDir).map((f): [string, string] => [
        f,
        fs.readFileSync(f).toString('latin1'),
      ]),
    ]
    if (process.platform === 'linux') {
      places.push(['argv', fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1')])
      places.push(['environment', fs.readFileSync(`/proc/${pid}/environ`, 'latin1')])
    }
    expect(places.map(([where]) => where)).toContain(app.settingsFile)
    for (const [where, text] of places) {
      expect(text.includes(SECRET), `${where} holds the secret`).toBe(false)
      expect(text.includes(SECRET.slice(8, 24)), `${where} holds part of the secret`).toBe(false)
    }
  })
})

function isBodyOnItsWay(r: { method: string; status: number | null; bytesIn: number }): boolean {
  return r.method === 'PUT' && r.status === null && r.bytesIn > 0
}

function keyOf(r: { url: string }): string {
  return decodeURIComponent(r.url.split('?')[0]!.split('/').slice(2).join('/'))
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
}
