// A mirror copy big enough for parts survives a crash: the CLI is SIGKILLed while it copies a
// 40 MiB object to the mirror (8 MiB parts, the mirror's proxy slowed down), and `upshot resume`
// sends the mirror only the parts it did not confirm. The mirror's proxy counts the bytes; the
// mirror's object is byte-identical to the source. Two local s3rvers, real CLI processes.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli, s3DestAddArgs } from '../helpers/cli'
import { startProxy, type TestProxy } from '../helpers/proxy'
import { getObjectBytes, startTestS3, type TestS3 } from '../helpers/s3server'

const MiB = 1024 * 1024
const SIZE = 40 * MiB
let primary: TestS3
let mirror: TestS3
let mirrorProxy: TestProxy
let work: string
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  // Local s3rvers: the test reads the ledger of a killed process and slows one server's proxy.
  ;[primary, mirror] = await Promise.all([
    startTestS3({ local: true }),
    startTestS3({ local: true }),
  ])
  mirrorProxy = await startProxy(mirror.endpoint)
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mirror-resume-'))
  env = {
    AWS_ACCESS_KEY_ID: primary.accessKeyId,
    AWS_SECRET_ACCESS_KEY: primary.secretAccessKey,
    UPSHOT_DATA_DIR: path.join(work, 'data'),
  }
  const add = (name: string, s3: TestS3, endpoint: string, extra: string[] = []) =>
    runCli([...s3DestAddArgs(name, s3, s3.prefix, endpoint), ...extra], env)
  expect((await add('backup', mirror, mirrorProxy.url)).code).toBe(0)
  expect((await add('main', primary, primary.endpoint, ['--mirror', 'backup'])).code).toBe(0)
}, 60_000)

afterAll(async () => {
  await mirrorProxy?.close()
  await Promise.all([primary?.stop(), mirror?.stop()])
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

/** Part numbers of mirror copies the killed process recorded (read-only, beside the writer). */
function recordedParts(): number[] {
  const file = path.join(work, 'data', 'ledger.sqlite')
  if (!fs.existsSync(file)) return []
  const db = new Database(file, { readonly: true, fileMustExist: true })
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

async function waitFor(cond: () => boolean, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('a big mirror copy cut short by a crash', () => {
  it('resumes from the parts the mirror confirmed; the mirror ends byte-identical', async () => {
    const file = path.join(work, 'big.bin')
    const bytes = randomBytes(SIZE)
    fs.writeFileSync(file, bytes)
    const sha = createHash('sha256').update(bytes).digest('hex')

    // 6 MiB/s to the mirror: its five parts take about seven seconds.
    mirrorProxy.setBandwidth(6 * MiB)
    const run = startCli(['upload', file, '--to', 'main', '--json'], env, 180_000)
    await waitFor(() => recordedParts().length >= 2)
    run.child.kill('SIGKILL')
    await run.done
    const before = recordedParts()
    expect(before.length).toBeGreaterThanOrEqual(2)
    expect(before.length).toBeLessThan(5)

    mirrorProxy.setBandwidth(0)
    mirrorProxy.resetCounters()
    const resumed = await runCli(['resume', '--json'], env, 180_000)
    expect(resumed.code, resumed.stderr).toBe(0)
    const sent = mirrorProxy.bytesWhere((r) => r.method === 'PUT')
    process.stdout.write(
      `[measure] mirror copy of 40 MiB resumed after SIGKILL with ${before.length} of 5 parts recorded: ${(sent / MiB).toFixed(1)} MiB sent to the mirror again\n`,
    )
    // Only the parts not confirmed before the kill, each once.
    expect(sent).toBe(SIZE - before.length * 8 * MiB)
    const partsSent = [...mirrorProxy.bytesByResource().keys()]
      .map((r) => /#part=(\d+)$/.exec(r)?.[1])
      .filter((n) => n !== undefined)
      .map(Number)
      .sort()
    expect(partsSent).toEqual([1, 2, 3, 4, 5].filter((n) => !before.includes(n)))

    const db = new Database(path.join(work, 'data', 'ledger.sqlite'), { readonly: true })
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
  }, 300_000)
})
