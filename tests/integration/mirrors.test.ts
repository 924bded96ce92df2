// Mirrors, end to end with real servers and real CLI processes: a destination saved with a
// mirror on a second s3rver; every object lands on both with the same bytes. The mirror's
// server is closed mid-batch: the primary's links are ready regardless, the copies stay pending
// in the ledger, and when the server returns on the same port `upshot resume` catches up while
// the primary gets no PUT twice (counted by a proxy). `upshot verify` reports both intact and
// `--repair` puts back an object removed from the mirror behind Upshot's back; deleting the
// upload removes the mirror's copies too.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import type { VerifyReport } from '../../src/engine/mirrors/verify'
import { CORPUS, runCli, startCli, s3DestAddArgs } from '../helpers/cli'
import { startProxy, type TestProxy } from '../helpers/proxy'
import { getObjectBytes, startTestS3, type TestS3 } from '../helpers/s3server'

type Server = Awaited<ReturnType<typeof startTestS3>>
let primary: TestS3
let mirror: Server
let primaryProxy: TestProxy
let mirrorProxy: TestProxy
let work: string
let dataDir: string
let env: NodeJS.ProcessEnv
let inputs: string[]
let firstReport: RunReport

const PHOTOS = [
  'exif-samples__jpg_Canon_40D.jpg',
  'exif-samples__jpg_gps_DSCN0010.jpg',
  'sharp__with-alpha.png',
]

beforeAll(async () => {
  ;[primary, mirror] = await Promise.all([
    startTestS3({ local: true }),
    startTestS3({ local: true }),
  ])
  ;[primaryProxy, mirrorProxy] = await Promise.all([
    startProxy(primary.endpoint),
    startProxy(mirror.endpoint),
  ])
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mirrors-'))
  dataDir = path.join(work, 'data')
  const dir = path.join(work, 'in')
  fs.mkdirSync(dir)
  inputs = PHOTOS.map((name) => {
    const to = path.join(dir, name)
    fs.copyFileSync(path.join(CORPUS, name), to)
    return to
  })
  for (let i = 0; i < 12; i++) {
    const f = path.join(dir, `note-${String(i).padStart(2, '0')}.txt`)
    fs.writeFileSync(f, `mirror test ${i}\n`.repeat(200 + i))
    inputs.push(f)
  }
  env = {
    AWS_ACCESS_KEY_ID: primary.accessKeyId,
    AWS_SECRET_ACCESS_KEY: primary.secretAccessKey,
    UPSHOT_DATA_DIR: dataDir,
  }
  const add = (name: string, s3: TestS3, endpoint: string, extra: string[] = []) =>
    runCli([...s3DestAddArgs(name, s3, s3.prefix, endpoint), ...extra], env)
  const m = await add('backup', mirror, mirrorProxy.url)
  expect(m.code, m.stderr).toBe(0)
  const p = await add('main', primary, primaryProxy.url, ['--mirror', 'backup'])
  expect(p.code, p.stderr).toBe(0)
}, 60_000)

afterAll(async () => {
  await Promise.all([primaryProxy?.close(), mirrorProxy?.close()])
  await Promise.all([primary?.stop(), mirror?.stop()])
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

const doneKeys = (r: RunReport): string[] =>
  [...new Set(r.jobs.flatMap((j) => j.outputs.map((o) => o.key)))].sort()

const onMirror = async (key: string): Promise<boolean> => {
  try {
    await mirror.client.send(new HeadObjectCommand({ Bucket: mirror.bucket, Key: key }))
    return true
  } catch {
    return false
  }
}

describe('a destination with a mirror', () => {
  it('keeps the primary`s links ready while the mirror is down, and catches up when it returns', async () => {
    const shown = await runCli(['dest', 'show', 'main', '--json'], env)
    expect(JSON.parse(shown.stdout).mirrors).toEqual(['backup'])

    // Mirror copies go slowly, so the batch is still copying when the mirror's server goes.
    mirrorProxy.setFaults((r) => (r.method === 'PUT' ? { kind: 'delay', ms: 400 } : null))
    const run = startCli(['upload', ...inputs, '--to', 'main', '--json'], env, 180_000)
    const firstCopy = async (): Promise<void> => {
      while (!mirrorProxy.requests.some((r) => r.method === 'PUT' && r.status === 200))
        await new Promise((r) => setTimeout(r, 20))
    }
    await firstCopy()
    await mirror.kill()
    const res = await run.done
    expect(res.code, res.stderr).toBe(0)
    firstReport = JSON.parse(res.stdout) as RunReport
    expect(firstReport.jobs.every((j) => j.status === 'done')).toBe(true)

    // The primary holds every object its links name; the mirror is behind, and says so.
    const keys = doneKeys(firstReport)
    expect(keys.length).toBeGreaterThanOrEqual(inputs.length)
    for (const key of keys) expect((await getObjectBytes(primary, key)).length).toBeGreaterThan(0)
    const status = firstReport.mirrors?.find((m) => m.mirror === 'backup')
    expect(status).toBeDefined()
    expect(status!.pending + status!.failed).toBeGreaterThan(0)
    expect(status!.done).toBeGreaterThan(0)
    expect(status!.done + status!.pending + status!.failed).toBe(keys.length)
    const fallback = firstReport.jobs[0]!.outputs[0]!.mirrors!.find((m) => m.mirror === 'backup')!
    expect(fallback.url).toContain(mirror.bucket)
    expect(fallback.url).toContain(firstReport.jobs[0]!.outputs[0]!.key)

    // The mirror's server comes back on the same port, with what it held.
    mirror = await startTestS3({
      revive: {
        port: mirror.port,
        directory: mirror.directory,
        bucket: mirror.bucket,
        prefix: mirror.prefix,
      },
    })
    mirrorProxy.setFaults(null)
    const resumed = await runCli(['resume', '--json'], env)
    expect(resumed.code, resumed.stderr).toBe(0)

    for (const key of keys) {
      const [a, b] = await Promise.all([getObjectBytes(primary, key), getObjectBytes(mirror, key)])
      expect(b.equals(a), key).toBe(true)
    }
    // Nothing was sent twice to the primary: one PUT per object, none from the catching up.
    const puts = primaryProxy.requests.filter((r) => r.method === 'PUT' && r.status === 200)
    const perKey = new Map<string, number>()
    for (const r of puts) perKey.set(r.url, (perKey.get(r.url) ?? 0) + 1)
    expect(puts.length).toBe(keys.length)
    expect([...perKey.values()].every((n) => n === 1)).toBe(true)
  }, 240_000)

  it('verify reports both intact, and --repair puts back what was removed from the mirror', async () => {
    const keys = doneKeys(firstReport)
    const ok = await runCli(['verify', 'main', '--json'], env)
    expect(ok.code, ok.stderr).toBe(0)
    const report = JSON.parse(ok.stdout) as VerifyReport
    expect(report.ok).toBe(true)
    expect(report.issues).toEqual([])
    const byName = new Map(report.destinations.map((d) => [d.name, d]))
    expect(byName.get('main')).toMatchObject({
      role: 'primary',
      checked: keys.length,
      intact: keys.length,
    })
    expect(byName.get('backup')).toMatchObject({
      role: 'mirror',
      checked: keys.length,
      intact: keys.length,
      pending: 0,
    })

    const gone = keys[1]!
    await mirror.client.send(new DeleteObjectCommand({ Bucket: mirror.bucket, Key: gone }))
    const missing = await runCli(['verify', 'main', '--json'], env)
    expect(missing.code).toBe(1)
    const badReport = JSON.parse(missing.stdout) as VerifyReport
    expect(badReport.issues).toMatchObject([
      { key: gone, destination: 'backup', role: 'mirror', problem: 'missing', repaired: false },
    ])
    expect(await onMirror(gone)).toBe(false)

    const putsBefore = primaryProxy.requests.filter((r) => r.method === 'PUT').length
    const fixed = await runCli(['verify', 'main', '--repair', '--json'], env)
    expect(fixed.code, fixed.stderr).toBe(0)
    expect((JSON.parse(fixed.stdout) as VerifyReport).issues).toMatchObject([
      { key: gone, destination: 'backup', problem: 'missing', repaired: true },
    ])
    const [a, b] = await Promise.all([getObjectBytes(primary, gone), getObjectBytes(mirror, gone)])
    expect(b.equals(a)).toBe(true)
    expect(primaryProxy.requests.filter((r) => r.method === 'PUT').length).toBe(putsBefore)

    // Same size, other bytes: told apart by the MD5 ETags, and repaired from the primary.
    const damaged = keys[2]!
    const good = await getObjectBytes(mirror, damaged)
    const bad = Buffer.from(good)
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff
    await mirror.client.send(
      new PutObjectCommand({ Bucket: mirror.bucket, Key: damaged, Body: bad }),
    )
    const changed = await runCli(['verify', 'main', '--repair', '--json'], env)
    expect(changed.code, changed.stderr).toBe(0)
    expect((JSON.parse(changed.stdout) as VerifyReport).issues).toMatchObject([
      { key: damaged, destination: 'backup', problem: 'etag', repaired: true },
    ])
    expect((await getObjectBytes(mirror, damaged)).equals(good)).toBe(true)
  }, 120_000)

  it('deleting the upload removes its copies from the mirror too', async () => {
    const job = firstReport.jobs.find((j) => j.source.endsWith('note-00.txt'))!
    const keys = job.outputs.map((o) => o.key)
    for (const key of keys) expect(await onMirror(key)).toBe(true)
    const del = await runCli(['delete', job.id, '--json'], env)
    expect(del.code, del.stderr).toBe(0)
    for (const key of keys) expect(await onMirror(key)).toBe(false)
    // The other uploads' copies stay.
    const other = firstReport.jobs.find((j) => j.source.endsWith('note-01.txt'))!
    expect(await onMirror(other.outputs[0]!.key)).toBe(true)
  }, 60_000)
})

describe('mirrors that cannot be', () => {
  it('refuses an unknown mirror or the destination itself before anything is uploaded', async () => {
    const puts = primaryProxy.requests.filter((r) => r.method === 'PUT').length
    const unknown = await runCli(['upload', inputs[3]!, '--to', 'main', '--mirror', 'nosuch'], env)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('No saved destination is named "nosuch"')
    const self = await runCli(['upload', inputs[3]!, '--to', 'main', '--mirror', 'main'], env)
    expect(self.code).toBe(2)
    expect(self.stderr).toContain('"main" is the destination itself')
    expect(primaryProxy.requests.filter((r) => r.method === 'PUT').length).toBe(puts)
  }, 60_000)

  it("refuses a mirror in the primary's bucket under another prefix: it would be the same objects", async () => {
    // A mirror gets the primary's keys, prefix included: "nextdoor" would HEAD the primary's own
    // objects and call them copied.
    const nextdoor = await runCli(
      s3DestAddArgs('nextdoor', primary, `${primary.prefix}-nextdoor`, primaryProxy.url),
      env,
    )
    expect(nextdoor.code, nextdoor.stderr).toBe(0)
    try {
      const puts = primaryProxy.requests.filter((r) => r.method === 'PUT').length
      const run = await runCli(['upload', inputs[3]!, '--to', 'main', '--mirror', 'nextdoor'], env)
      expect(run.code).toBe(2)
      expect(run.stderr).toContain('"nextdoor" is the same bucket or folder as "main"')
      expect(primaryProxy.requests.filter((r) => r.method === 'PUT').length).toBe(puts)
      const saved = await runCli(
        [
          ...s3DestAddArgs('upstairs', primary, `${primary.prefix}-upstairs`, primaryProxy.url),
          '--mirror',
          'nextdoor',
        ],
        env,
      )
      expect(saved.code).toBe(2)
      expect(saved.stderr).toContain('"nextdoor" is the same bucket or folder as "upstairs"')
      expect((await runCli(['dest', 'show', 'upstairs'], env)).code).not.toBe(0)
    } finally {
      expect((await runCli(['dest', 'remove', 'nextdoor'], env)).code).toBe(0)
    }
  }, 60_000)
})

describe('a crash while copying to the mirror', () => {
  it('leaves the copies pending in the ledger, and the next run makes each one once', async () => {
    const dir = path.join(work, 'crash')
    fs.mkdirSync(dir)
    const files = Array.from({ length: 8 }, (_, i) => {
      const f = path.join(dir, `crash-${i}.txt`)
      fs.writeFileSync(f, `crash copy ${i}\n`.repeat(300 + i))
      return f
    })
    const prefix = `${primary.prefix}-crash`
    const add = (name: string, s3: TestS3, endpoint: string, extra: string[] = []) =>
      runCli([...s3DestAddArgs(name, s3, prefix, endpoint), ...extra], env)
    expect((await add('backup2', mirror, mirrorProxy.url)).code).toBe(0)
    expect((await add('main2', primary, primaryProxy.url, ['--mirror', 'backup2'])).code).toBe(0)
    primaryProxy.resetCounters()
    mirrorProxy.resetCounters()
    mirrorProxy.setFaults((r) => (r.method === 'PUT' ? { kind: 'delay', ms: 1500 } : null))

    const run = startCli(['upload', ...files, '--to', 'main2', '--json'], env, 180_000)
    const ok = (p: TestProxy) => p.requests.filter((r) => r.method === 'PUT' && r.status === 200)
    while (ok(primaryProxy).length < files.length || ok(mirrorProxy).length < 1)
      await new Promise((r) => setTimeout(r, 20))
    run.child.kill('SIGKILL')
    const copiedBefore = new Set(ok(mirrorProxy).map((r) => r.url))
    const boundary = mirrorProxy.requests.length
    const killed = await run.done
    expect(killed.signal).toBe('SIGKILL')
    mirrorProxy.setFaults(null)

    expect(copiedBefore.size).toBeLessThan(files.length)
    const resumed = await runCli(['resume', '--json'], env)
    expect(resumed.code, resumed.stderr).toBe(0)

    const keys = ok(primaryProxy).map((r) =>
      decodeURIComponent(r.url.split('?')[0]!).replace(`/${primary.bucket}/`, ''),
    )
    expect(new Set(keys).size).toBe(files.length)
    for (const key of keys) {
      const [a, b] = await Promise.all([getObjectBytes(primary, key), getObjectBytes(mirror, key)])
      expect(b.equals(a), key).toBe(true)
    }
    // The primary got each object once; the copies made before the crash were not made again
    // (a copy in flight at the kill may land, and is then found by HEAD, or is sent again).
    expect(ok(primaryProxy).length).toBe(files.length)
    const after = mirrorProxy.requests.slice(boundary).filter((r) => r.method === 'PUT')
    expect(after.length).toBeGreaterThan(0)
    for (const r of after) expect(copiedBefore.has(r.url), r.url).toBe(false)
  }, 180_000)
})
