// `upshot sync` to a saved destination with a mirror (`dest add --mirror`): the pass's objects
// land on the mirror too, byte for byte, like `upshot upload` (real CLI processes, two local
// s3rvers).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS, runCli, s3DestAddArgs } from '../helpers/cli'
import { getObjectBytes, listKeys, startTestS3, type TestS3 } from '../helpers/s3server'

let primary: TestS3
let mirror: TestS3
let work: string
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  ;[primary, mirror] = await Promise.all([
    startTestS3({ local: true }),
    startTestS3({ local: true }),
  ])
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mirror-sync-'))
  env = {
    AWS_ACCESS_KEY_ID: primary.accessKeyId,
    AWS_SECRET_ACCESS_KEY: primary.secretAccessKey,
    UPSHOT_DATA_DIR: path.join(work, 'data'),
  }
  const add = (name: string, s3: TestS3, extra: string[] = []) =>
    runCli([...s3DestAddArgs(name, s3, primary.prefix, s3.endpoint), ...extra], env)
  const m = await add('backup', mirror)
  expect(m.code, m.stderr).toBe(0)
  const p = await add('main', primary, ['--mirror', 'backup'])
  expect(p.code, p.stderr).toBe(0)
}, 60_000)

afterAll(async () => {
  await Promise.all([primary?.stop(), mirror?.stop()])
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

describe('sync to a destination with a mirror', () => {
  it('copies every object of the pass to the mirror', async () => {
    const dir = path.join(work, 'site')
    fs.mkdirSync(dir)
    fs.copyFileSync(path.join(CORPUS, 'sharp__with-alpha.png'), path.join(dir, 'logo.png'))
    fs.writeFileSync(path.join(dir, 'readme.txt'), 'synced to a mirror\n'.repeat(40))
    const res = await runCli(['sync', dir, '--to', 'main'], env, 120_000)
    expect(res.code, res.stderr).toBe(0)
    const keys = (await listKeys(primary, primary.prefix)).sort()
    expect(keys.length).toBeGreaterThanOrEqual(2)
    expect((await listKeys(mirror, primary.prefix)).sort()).toEqual(keys)
    for (const k of keys) {
      const [a, b] = await Promise.all([getObjectBytes(primary, k), getObjectBytes(mirror, k)])
      expect(b.equals(a), k).toBe(true)
    }
  })
})
