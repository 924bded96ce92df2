// The history's Delete in the app, on the real core process: a destination with Cloudflare purge
// settings (the token typed in the settings, sealed by the host like the keys) deletes the
// upload's objects from the bucket and sends the documented purge of their URLs to the checking
// server; with a refused token, the result says which part failed and why.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCloudflare, type CloudflareServer } from '../helpers/cdn-servers'
import { CORPUS } from '../helpers/fixtures'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startTestApp, testBucketDestination, until, type TestApp } from './helpers/app'

let s3: TestS3
let cf: CloudflareServer
let app: TestApp
let work: string

beforeAll(async () => {
  ;[s3, cf] = await Promise.all([startTestS3(), startCloudflare()])
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-e2e-purge-'))
  app = await startTestApp({ dataDir: path.join(work, 'data') })
}, 120_000)
afterAll(async () => {
  await app?.close()
  await Promise.all([s3?.stop(), cf?.stop()])
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

async function uploadOne(name: string): Promise<{ id: string; keys: string[]; urls: string[] }> {
  const file = path.join(work, name)
  fs.copyFileSync(path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg'), file)
  fs.appendFileSync(file, name) // its own content
  await app.call('addPaths', [file])
  await until('the upload to finish', async () => {
    const q = await app.queue()
    return q.overall.idle && q.jobs.some((j) => j.source === file && j.state === 'done')
  })
  const job = (await app.queue()).jobs.find((j) => j.source === file)!
  const [finished] = await app.call('getFinished', [job.id])
  return {
    id: job.id,
    keys: finished!.outputs.map((o) => o.key),
    urls: finished!.outputs.map((o) => o.url),
  }
}

describe('the history delete purges the CDN (app core)', () => {
  it('sends the purge of the deleted URLs, or says why it could not', async () => {
    const view = await app.call(
      'saveDestination',
      testBucketDestination(s3, 'CDN images', {
        publicUrl: 'https://img.example.com',
        purgeCdn: 'cloudflare',
        purgeId: cf.zoneId,
        purgeApi: cf.url,
        purgeToken: cf.token,
      }),
    )
    const dest = view.destinations.find((d) => d.name === 'CDN images')!
    expect(dest.hasPurgeToken).toBe(true)
    // The token never reaches the page, nor the settings file in the clear.
    expect(app.wire()).not.toContain(cf.token)
    expect(fs.readFileSync(app.settingsFile, 'utf8')).not.toContain(cf.token)

    const up = await uploadOne('first.jpg')
    expect(up.urls.every((u) => u.startsWith('https://img.example.com/'))).toBe(true)
    const before = cf.requests.length
    const result = await app.call('deleteUploads', [up.id])
    expect(result).toMatchObject({
      deleted: up.keys.length,
      failures: [],
      purge: 'Removed from the bucket and purged from Cloudflare.',
      purgePending: false,
    })
    const sent = cf.requests.slice(before)
    expect(sent.map((r) => [r.method, r.path, r.status, r.headers.authorization])).toEqual([
      ['POST', `/client/v4/zones/${cf.zoneId}/purge_cache`, 200, `Bearer ${cf.token}`],
    ])
    expect((JSON.parse(sent[0]!.body) as { files: string[] }).files.sort()).toEqual(
      [...up.urls].sort(),
    )
    for (const k of up.keys) expect(await getObjectInfo(s3, k)).toBeNull()

    // A refused token: the objects go, the purge is kept and the result says why.
    await app.call('saveDestination', {
      ...testBucketDestination(s3, 'CDN images', {
        publicUrl: 'https://img.example.com',
        purgeCdn: 'cloudflare',
        purgeId: cf.zoneId,
        purgeApi: cf.url,
        purgeToken: 'revoked-token',
      }),
      id: dest.id,
      credentials: undefined,
    })
    const second = await uploadOne('second.jpg')
    const refused = await app.call('deleteUploads', [second.id])
    expect(refused.purgePending).toBe(true)
    expect(refused.purge).toBe(
      `Removed from the bucket, but ${second.urls.length} URLs could not be purged from Cloudflare: Cloudflare refused the API token for this zone: Authentication error (10000); it needs the Zone > Cache Purge permission. The purge is kept and tried again.`,
    )
    const owed = app
      .ledger()
      .prepare('SELECT url, error_code FROM cdn_purges ORDER BY url')
      .all() as { url: string; error_code: string }[]
    expect(owed).toEqual(
      [...second.urls].sort().map((url) => ({ url, error_code: 'ACCESS_DENIED' })),
    )
  }, 240_000)
})
