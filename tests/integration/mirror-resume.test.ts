// A mirror copy big enough for parts survives a crash: the CLI is SIGKILLed while it copies a
// 40 MiB object to the mirror (8 MiB parts, the mirror's proxy slowed down), and `upshot resume`
// sends the mirror only the parts it does not hold. The mirror's proxy counts the bytes; the
// mirror's object is byte-identical to the source. Real CLI processes, on two local s3rvers, and
// again on the strict server (Swift's S3 API) where S3_TEST_* name one (CI's integration phase).
//
// "The parts it does not hold" is not always "the parts the ledger recorded": a part whose body
// was already in the killed process's socket buffers still reaches the mirror after the kill, and
// a server with ListParts (Swift) says so on resume, so that part is not sent again. s3rver has
// no ListParts: there the recorded parts are all anyone knows.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli, s3DestAddArgs } from '../helpers/cli'
import { startProxy, type TestProxy } from '../helpers/proxy'
import { getObjectBytes, listPartNumbers, startTestS3, type TestS3 } from '../helpers/s3server'
import { until } from '../helpers/until'

const MiB = 1024 * 1024
const SIZE = 40 * MiB
const PART = 8 * MiB
const ALL_PARTS = [1, 2, 3, 4, 5]

interface Setup {
  primary: TestS3
  mirror: TestS3
  mirrorProxy: TestProxy
  work: string
  env: NodeJS.ProcessEnv
}

/**
 * Two destinations, the mirror behind a proxy. On the strict server the mirror gets a bucket of
 * its own: a mirror's keys are its primary's (prefix included), so a mirror in the primary's
 * bucket would be the primary's own objects, and its copy "made" by a HEAD.
 */
async function setUp(strict: boolean): Promise<Setup> {
  const [primary, mirror] = strict
    ? await Promise.all([startTestS3(), startTestS3({ bucketSuffix: 'mirror' })])
    : await Promise.all([startTestS3({ local: true }), startTestS3({ local: true })])
  const mirrorProxy = await startProxy(mirror.endpoint)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mirror-resume-'))
  const env = {
    AWS_ACCESS_KEY_ID: primary.accessKeyId,
    AWS_SECRET_ACCESS_KEY: primary.secretAccessKey,
    UPSHOT_DATA_DIR: path.join(work, 'data'),
  }
  const add = (name: string, s3: TestS3, endpoint: string, extra: string[] = []) =>
    runCli([...s3DestAddArgs(name, s3, s3.prefix, endpoint), ...extra], env)
  expect((await add('backup', mirror, mirrorProxy.url)).code).toBe(0)
  expect((await add('main', primary, primary.endpoint, ['--mirror', 'backup'])).code).toBe(0)
  return { primary, mirror, mirrorProxy, work, env }
}

async function tearDown(s: Setup | undefined): Promise<void> {
  if (!s) return
  await s.mirrorProxy.close()
  await Promise.all([s.primary.stop(), s.mirror.stop()])
  fs.rmSync(s.work, { recursive: true, force: true })
}

function openLedger(work: string): Database.Database | null {
  const file = path.join(work, 'data', 'ledger.sqlite')
  if (!fs.existsSync(file)) return null
  return new Database(file, { readonly: true, fileMustExist: true })
}

/** Part numbers of mirror copies the killed process recorded (read-only, beside the writer). */
function recordedParts(work: string): number[] {
  const db = openLedger(work)
  if (!db) return []
  try {
    return (
      db.prepare('SELECT part_number AS n FROM mirror_copy_parts ORDER BY n').all() as {
        n: number
      }[]
    ).map((r) => r.n)
  } catch {
    return [] // the migration has not run yet
  } finally {
    db.close()
  }
}

/** The mirror upload the killed process recorded. */
function recordedUpload(work: string): { key: string; uploadId: string } {
  const db = openLedger(work)!
  try {
    const rows = db.prepare('SELECT key, upload_id AS uploadId FROM mirror_copy_uploads').all() as {
      key: string
      uploadId: string
    }[]
    expect(rows).toHaveLength(1)
    return rows[0]!
  } finally {
    db.close()
  }
}

/** The mirror's proxy is finished with every request it took (nothing still arriving). */
const settled = (proxy: TestProxy): boolean => proxy.requests.every((r) => r.over)

async function resumesAfterKill(s: Setup, label: string): Promise<void> {
  const { work, env, mirrorProxy, mirror } = s
  const file = path.join(work, 'big.bin')
  const bytes = randomBytes(SIZE)
  fs.writeFileSync(file, bytes)
  const sha = createHash('sha256').update(bytes).digest('hex')

  // 6 MiB/s to the mirror: its five parts take about seven seconds.
  mirrorProxy.setBandwidth(6 * MiB)
  const run = startCli(['upload', file, '--to', 'main', '--json'], env, 180_000)
  await until('two recorded mirror parts', () => recordedParts(work).length >= 2, 120_000)
  run.child.kill('SIGKILL')
  await run.done
  const before = recordedParts(work)
  expect(before.length).toBeGreaterThanOrEqual(2)
  expect(before.length).toBeLessThan(5)

  // What the killed process had already handed to its sockets still arrives: let it, at full
  // speed, before asking the mirror what it holds.
  mirrorProxy.setBandwidth(0)
  await until('the mirror proxy to settle', () => settled(mirrorProxy), 30_000)
  const upload = recordedUpload(work)
  const listed = await listPartNumbers(mirror, upload.key, upload.uploadId)
  // Every recorded part is on the mirror; where the mirror can say, it may hold more.
  const held = listed ?? before
  expect(held).toEqual(expect.arrayContaining(before))

  mirrorProxy.resetCounters()
  const resumed = await runCli(['resume', '--json'], env, 180_000)
  expect(resumed.code, resumed.stderr).toBe(0)
  const sent = mirrorProxy.bytesWhere((r) => r.method === 'PUT')
  process.stdout.write(
    `[measure] ${label}: mirror copy of 40 MiB resumed after SIGKILL with ${before.length} of 5 parts recorded, ${held.length} held by the mirror: ${(sent / MiB).toFixed(1)} MiB sent to the mirror again\n`,
  )
  // Only the parts the mirror did not hold, each once, in the same upload.
  expect(sent).toBe(SIZE - held.length * PART)
  const partsSent = [...mirrorProxy.bytesByResource().keys()]
    .map((r) => /#part=(\d+)$/.exec(r)?.[1])
    .filter((n) => n !== undefined)
    .map(Number)
    .sort()
  expect(partsSent).toEqual(ALL_PARTS.filter((n) => !held.includes(n)))
  const created = mirrorProxy.requests.filter(
    (r) => r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url),
  )
  expect(created).toEqual([])

  const db = openLedger(work)!
  try {
    const copies = db.prepare('SELECT key, state FROM mirror_copies').all() as {
      key: string
      state: string
    }[]
    expect(copies.map((c) => c.state)).toEqual(['done'])
    // The upload's record goes once the copy is made.
    expect(db.prepare('SELECT COUNT(*) AS n FROM mirror_copy_uploads').get()).toEqual({ n: 0 })
    const onMirror = await getObjectBytes(mirror, copies[0]!.key)
    expect(onMirror.length).toBe(SIZE)
    expect(createHash('sha256').update(onMirror).digest('hex')).toBe(sha)
  } finally {
    db.close()
  }
  // The file kept for the copy is gone with it.
  const tmp = path.join(work, 'data', 'mirror-tmp')
  expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([])
}

describe('a big mirror copy cut short by a crash (local s3rvers)', () => {
  let s: Setup | undefined
  beforeAll(async () => {
    s = await setUp(false)
  }, 60_000)
  afterAll(() => tearDown(s))

  it('resumes from the parts the mirror holds; the mirror ends byte-identical', async () => {
    await resumesAfterKill(s!, 's3rver')
  }, 300_000)
})

describe.runIf(process.env.S3_TEST_ENDPOINT)(
  'a big mirror copy cut short by a crash (strict server)',
  () => {
    let s: Setup | undefined
    beforeAll(async () => {
      s = await setUp(true)
    }, 60_000)
    afterAll(() => tearDown(s))

    it('resumes from the parts the mirror holds (ListParts); the mirror ends byte-identical', async () => {
      await resumesAfterKill(s!, 'strict server')
    }, 300_000)
  },
)
