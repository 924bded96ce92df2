// Purge on delete: objects deleted from a bucket are purged from the CDN in front of it, with the
// requests CloudFront's CreateInvalidation and Cloudflare's purge_cache document, sent to local
// servers that check them (tests/helpers/cdn-servers.ts) — not to the live services. Uploads and
// deletes are real, on s3rver; only what releaseObjects removed is purged; failed purges stay in
// the ledger, are shown, and go out on the next try.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src/engine'
import { flushPurges, pendingPurges, describePurge } from '../../src/engine/cdn/purge-queue'
import { runDoctor } from '../../src/engine/destinations/doctor'
import { deleteRecords } from '../../src/engine/references'
import { createDestination } from '../../src/engine/storage'
import type { CdnPurgeConfig } from '../../src/engine/cdn/types'
import type { S3DestinationConfig } from '../../src/engine/types'
import {
  startCloudflare,
  startCloudFront,
  type CloudflareServer,
  type CloudFrontServer,
} from '../helpers/cdn-servers'
import { runCli, s3DestAddArgs } from '../helpers/cli'
import { listKeys, s3Config, startTestS3, type TestS3 } from '../helpers/s3server'

let s3: TestS3
let cf: CloudflareServer
let cfr: CloudFrontServer
let work: string

beforeAll(async () => {
  ;[s3, cf] = await Promise.all([startTestS3(), startCloudflare()])
  // One AWS account's keys sign both the bucket's requests and the invalidations.
  cfr = await startCloudFront({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey })
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-purge-'))
})
afterAll(async () => {
  await Promise.all([s3?.stop(), cf?.stop(), cfr?.stop()])
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

/** n small distinct files (one object each), plus one twin of the first. */
function files(dir: string, n: number): string[] {
  fs.mkdirSync(dir, { recursive: true })
  return Array.from({ length: n }, (_, i) => {
    const f = path.join(dir, `note-${String(i).padStart(3, '0')}.txt`)
    fs.writeFileSync(f, `purge test ${dir} ${i}\n`)
    return f
  })
}

async function upload(
  engine: Engine,
  paths: string[],
  config: S3DestinationConfig,
): Promise<string[]> {
  const ids = await engine.enqueue(paths, { destination: config, preset: 'web' })
  const report = await engine.run(ids)
  expect(report.summary.done).toBe(paths.length)
  return ids
}

function keysOf(engine: Engine, ids: string[]): string[] {
  return ids.flatMap((id) => engine.ledger.outputs(id).map((o) => o.key))
}

const destFor = (config: S3DestinationConfig) => () => createDestination(config, { maxAttempts: 2 })

describe('Cloudflare purge by URL', () => {
  const config = (prefix: string, purge: Partial<CdnPurgeConfig> = {}): S3DestinationConfig =>
    s3Config(s3, {
      prefix,
      publicUrl: 'https://img.example.com/media',
      purge: {
        kind: 'cloudflare',
        zoneId: cf.zoneId,
        apiToken: cf.token,
        endpoint: cf.url,
        ...purge,
      } as CdnPurgeConfig,
    })

  it("purges the deleted objects' URLs, 30 per call, and never an object another record keeps", async () => {
    const prefix = `${s3.prefix}/cf-batch`
    const engine = createEngine({ dataDir: path.join(work, 'cf-batch') })
    try {
      const dir = path.join(work, 'cf-batch-src')
      const paths = files(dir, 35)
      const ids = await upload(engine, paths, config(prefix))
      // A second upload of the first file: a twin record linking to the same object.
      const twinDir = path.join(work, 'cf-batch-twin')
      fs.mkdirSync(twinDir)
      fs.copyFileSync(paths[0]!, path.join(twinDir, 'same.txt'))
      const [twin] = await upload(engine, [path.join(twinDir, 'same.txt')], config(prefix))
      const keys = keysOf(engine, ids)
      const shared = keysOf(engine, [twin!])[0]!
      expect(keys).toContain(shared)

      const before = cf.requests.length
      const result = await deleteRecords(engine.ledger, ids, destFor(config(prefix)))
      expect(result.deleted).toBe(34)
      expect(result.kept.map((k) => k.key)).toEqual([shared])

      const sent = cf.requests.slice(before)
      // 34 URLs: 30 + 4, each a POST the checking server accepted.
      expect(sent.map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', `/client/v4/zones/${cf.zoneId}/purge_cache`, 200],
        ['POST', `/client/v4/zones/${cf.zoneId}/purge_cache`, 200],
      ])
      expect(sent.map((r) => (JSON.parse(r.body) as { files: string[] }).files.length)).toEqual([
        30, 4,
      ])
      expect(sent.every((r) => r.headers.authorization === `Bearer ${cf.token}`)).toBe(true)
      const purged = sent.flatMap((r) => (JSON.parse(r.body) as { files: string[] }).files)
      const deletedKeys = keys.filter((k) => k !== shared)
      expect(purged.sort()).toEqual(
        deletedKeys.map((k) => `https://img.example.com/media/${k}`).sort(),
      )
      expect(purged.some((u) => u.endsWith(shared))).toBe(false)
      // The objects are gone from the bucket, the shared one stays.
      const left = await listKeys(s3, prefix)
      expect(left.filter((k) => !k.includes('/.upshot/'))).toEqual([shared])
      expect(pendingPurges(engine.ledger)).toEqual([])
      expect(describePurge(result.deleted, { ...result.purges[0]!, cdn: 'cloudflare' })).toBe(
        'Removed from the bucket and purged from Cloudflare.',
      )
    } finally {
      await engine.close()
    }
  })

  it('waits out a 429 as its Retry-After says, then purges', async () => {
    const prefix = `${s3.prefix}/cf-429`
    const engine = createEngine({ dataDir: path.join(work, 'cf-429') })
    try {
      const ids = await upload(engine, files(path.join(work, 'cf-429-src'), 3), config(prefix))
      cf.failNext(1, 429, 'Rate limited. Please wait and consider throttling your request speed', 1)
      const before = cf.requests.length
      const started = Date.now()
      const result = await deleteRecords(engine.ledger, ids, destFor(config(prefix)))
      const sent = cf.requests.slice(before)
      expect(sent.map((r) => r.status)).toEqual([429, 200])
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
      expect(result.purges[0]!.purged).toHaveLength(3)
      expect(result.purges[0]!.pending).toEqual([])
    } finally {
      await engine.close()
    }
  })

  it('keeps a refused purge in the ledger, says why, and sends it on the next try', async () => {
    const prefix = `${s3.prefix}/cf-fail`
    const engine = createEngine({ dataDir: path.join(work, 'cf-fail') })
    try {
      const ids = await upload(engine, files(path.join(work, 'cf-fail-src'), 2), config(prefix))
      const wrong = config(prefix, { apiToken: 'not-the-token' })
      const result = await deleteRecords(engine.ledger, ids, destFor(wrong))
      expect(result.deleted).toBe(2)
      const outcome = result.purges[0]!
      expect(outcome.purged).toEqual([])
      expect(outcome.pending.map((p) => p.error.code)).toEqual(['ACCESS_DENIED', 'ACCESS_DENIED'])
      expect(describePurge(result.deleted, outcome)).toMatch(
        /^Removed from the bucket, but 2 URLs could not be purged from Cloudflare: Cloudflare refused the API token for this zone: Authentication error \(10000\)/,
      )
      const owed = pendingPurges(engine.ledger)
      expect(owed.map((p) => [p.attempts, p.error?.code])).toEqual([
        [1, 'ACCESS_DENIED'],
        [1, 'ACCESS_DENIED'],
      ])
      // The token fixed: the owed purges go out (forced, as `upshot purge` does).
      const before = cf.requests.length
      const dest = createDestination(config(prefix))
      const retried = await flushPurges(engine.ledger, dest, dest.id, { force: true })
      dest.close()
      expect(retried.purged.sort()).toEqual(owed.map((p) => p.url).sort())
      expect(cf.requests.slice(before).map((r) => r.status)).toEqual([200])
      expect(pendingPurges(engine.ledger)).toEqual([])
    } finally {
      await engine.close()
    }
  })
})

describe('CloudFront invalidations', () => {
  const config = (prefix: string, distributionId = cfr.distributionId): S3DestinationConfig =>
    s3Config(s3, {
      prefix,
      publicUrl: 'https://d111111abcdef8.cloudfront.net',
      purge: { kind: 'cloudfront', distributionId, endpoint: cfr.url },
    })

  it("sends one signed CreateInvalidation with the deleted objects' paths", async () => {
    const prefix = `${s3.prefix}/cfr`
    const engine = createEngine({ dataDir: path.join(work, 'cfr') })
    try {
      const ids = await upload(engine, files(path.join(work, 'cfr-src'), 4), config(prefix))
      const objectKeys = keysOf(engine, ids)
      const before = cfr.requests.length
      const result = await deleteRecords(engine.ledger, ids, destFor(config(prefix)))
      expect(result.deleted).toBe(4)
      const sent = cfr.requests.slice(before)
      expect(sent.map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', `/2020-05-31/distribution/${cfr.distributionId}/invalidation`, 201],
      ])
      expect(sent[0]!.headers.authorization).toMatch(
        new RegExp(
          `^AWS4-HMAC-SHA256 Credential=${s3.accessKeyId}/\\d{8}/us-east-1/cloudfront/aws4_request`,
        ),
      )
      expect(cfr.batches.at(-1)!.sort()).toEqual(objectKeys.map((k) => `/${k}`).sort())
      expect(result.purges[0]!.pending).toEqual([])
    } finally {
      await engine.close()
    }
  })
})

describe('CloudFront failures', () => {
  const config = (prefix: string, distributionId: string): S3DestinationConfig =>
    s3Config(s3, {
      prefix,
      publicUrl: 'https://d111111abcdef8.cloudfront.net',
      purge: { kind: 'cloudfront', distributionId, endpoint: cfr.url },
    })

  it('keeps an invalidation CloudFront refused, with its reason, and sends it later', async () => {
    const prefix = `${s3.prefix}/cfr-fail`
    const engine = createEngine({ dataDir: path.join(work, 'cfr-fail') })
    try {
      const ids = await upload(
        engine,
        files(path.join(work, 'cfr-fail-src'), 2),
        config(prefix, cfr.distributionId),
      )
      cfr.failNext(1, 400, 'TooManyInvalidationsInProgress')
      const result = await deleteRecords(
        engine.ledger,
        ids,
        destFor(config(prefix, cfr.distributionId)),
      )
      expect(result.deleted).toBe(2)
      expect(result.purges[0]!.pending.map((p) => p.error.code)).toEqual([
        'SERVER_ERROR',
        'SERVER_ERROR',
      ])
      expect(describePurge(2, result.purges[0]!)).toMatch(
        /could not be purged from CloudFront: CloudFront is busy with other invalidations/,
      )
      expect(pendingPurges(engine.ledger)).toHaveLength(2)

      // An unknown distribution: refused for a reason the user must fix.
      const dest = createDestination(config(prefix, 'EUNKNOWNDIST1'))
      const wrong = await flushPurges(engine.ledger, dest, dest.id, { force: true })
      expect(wrong.pending.map((p) => p.error.code)).toEqual(['CONFIG', 'CONFIG'])
      expect(wrong.pending[0]!.error.message).toBe(
        'CloudFront has no distribution EUNKNOWNDIST1 for these keys.',
      )
      dest.close()

      // Keys that do not sign right: the checking server refuses the signature.
      const badKeys = createDestination({
        ...config(prefix, cfr.distributionId),
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'wrong-secret' },
      })
      const unsigned = await flushPurges(engine.ledger, badKeys, badKeys.id, { force: true })
      badKeys.close()
      expect(unsigned.pending.map((p) => p.error.code)).toEqual([
        'INVALID_CREDENTIALS',
        'INVALID_CREDENTIALS',
      ])
      expect(cfr.requests.at(-1)!.body).toContain('<InvalidationBatch')
      expect(cfr.requests.at(-1)!.status).toBe(403)

      const right = createDestination(config(prefix, cfr.distributionId))
      const retried = await flushPurges(engine.ledger, right, right.id, { force: true })
      right.close()
      expect(retried.purged).toHaveLength(2)
      expect(cfr.batches.at(-1)!.sort()).toEqual(
        keysOf(engine, ids)
          .map((k) => `/${k}`)
          .sort(),
      )
      expect(pendingPurges(engine.ledger)).toEqual([])
    } finally {
      await engine.close()
    }
  })
})

describe('the CLI: upshot dest --cloudflare-zone, upshot delete, upshot purge, sync --delete', () => {
  const env = (token: string): NodeJS.ProcessEnv => ({
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_PROFILE: '',
    CLOUDFLARE_API_TOKEN: token,
  })

  it('deletes an upload, purges it, keeps a failed purge visible and sends it with `upshot purge`', async () => {
    const dataDir = path.join(work, 'cli')
    const prefix = `${s3.prefix}/cli`
    const add = await runCli(
      [
        ...s3DestAddArgs('cdn', s3, prefix, s3.endpoint),
        '--public-url',
        'https://img.example.com',
        '--cloudflare-zone',
        cf.zoneId,
        '--cdn-api',
        cf.url,
        '--data-dir',
        dataDir,
      ],
      env(cf.token),
    )
    expect(add.stderr).toBe(
      'Tip: `upshot dest default cdn` makes it the destination of commands without --to.\n',
    )
    expect(add.code).toBe(0)
    const src = files(path.join(work, 'cli-src'), 3)
    const up = await runCli(
      ['upload', ...src, '--to', 'cdn', '--data-dir', dataDir, '--json'],
      env(cf.token),
    )
    const report = JSON.parse(up.stdout) as {
      jobs: { id: string; outputs: { key: string; url: string }[] }[]
    }
    expect(report.jobs).toHaveLength(3)

    // A wrong token: deleted from the bucket, the purge fails and says why.
    const first = await runCli(['delete', report.jobs[0]!.id, '--data-dir', dataDir], env('wrong'))
    expect(first.code).toBe(1)
    expect(first.stdout).toContain('Deleted 1 object.')
    expect(first.stdout).toContain(
      'Removed from the bucket, but 1 URL could not be purged from Cloudflare: Cloudflare refused the API token for this zone: Authentication error (10000); it needs the Zone > Cache Purge permission. The purge is kept and tried again.',
    )
    const listed = await runCli(['purge', '--list', '--data-dir', dataDir], env(cf.token))
    expect(listed.stdout).toContain(
      `pending  Cloudflare  ${report.jobs[0]!.outputs[0]!.url}  (1 try; ACCESS_DENIED`,
    )

    // The right token: `upshot purge` sends what is owed.
    const before = cf.purged.length
    const retry = await runCli(['purge', '--data-dir', dataDir], env(cf.token))
    expect(retry.code).toBe(0)
    expect(retry.stdout).toBe('Purged 1 URL from the CDN.\nNo CDN purge is pending.\n')
    expect(cf.purged.slice(before)).toEqual([report.jobs[0]!.outputs[0]!.url])

    const second = await runCli(
      ['delete', report.jobs[1]!.id, '--data-dir', dataDir, '--json'],
      env(cf.token),
    )
    expect(second.code).toBe(0)
    expect((JSON.parse(second.stdout) as { purge: string }).purge).toBe(
      'Removed from the bucket and purged from Cloudflare.',
    )
    expect(cf.purged.at(-1)).toBe(report.jobs[1]!.outputs[0]!.url)
  })

  it('sync --delete purges the objects of files that went away', async () => {
    const dataDir = path.join(work, 'cli-sync')
    const prefix = `${s3.prefix}/cli-sync`
    await runCli(
      [
        ...s3DestAddArgs('synced', s3, prefix, s3.endpoint),
        '--public-url',
        'https://sync.example.com',
        '--cloudflare-zone',
        cf.zoneId,
        '--cdn-api',
        cf.url,
        '--data-dir',
        dataDir,
      ],
      env(cf.token),
    )
    const folder = path.join(work, 'cli-sync-src')
    const [gone] = files(folder, 2)
    const firstPass = await runCli(
      ['sync', folder, '--to', 'synced', '--data-dir', dataDir],
      env(cf.token),
    )
    expect(firstPass.code).toBe(0)
    fs.rmSync(gone!)
    const before = cf.purged.length
    const pass = await runCli(
      ['sync', folder, '--to', 'synced', '--delete', '--data-dir', dataDir, '--json'],
      env(cf.token),
    )
    const plan = (
      JSON.parse(pass.stdout) as {
        plan: { delete: { key: string }[]; purge: { cdn: string; purged: string[] } }
      }
    ).plan
    expect(plan.delete).toHaveLength(1)
    expect(plan.purge.cdn).toBe('cloudflare')
    expect(plan.purge.purged).toEqual([`https://sync.example.com/${plan.delete[0]!.key}`])
    expect(cf.purged.slice(before)).toEqual(plan.purge.purged)
  })
})

describe('the connection test', () => {
  it('proves the CDN credentials with a purge of a path that holds nothing', async () => {
    const prefix = `${s3.prefix}/doctor`
    const base = s3Config(s3, { prefix, publicUrl: 'https://img.example.com' })
    const before = cf.purged.length
    const good = await runDoctor({
      ...base,
      purge: { kind: 'cloudflare', zoneId: cf.zoneId, apiToken: cf.token, endpoint: cf.url },
    })
    const check = good.checks.find((c) => c.id === 'cdn-purge')!
    expect(check.status).toBe('pass')
    expect(cf.purged.slice(before)).toEqual([
      `https://img.example.com/${prefix}/.upshot-probe/purge-check.txt`,
    ])

    const bad = await runDoctor({
      ...base,
      purge: { kind: 'cloudflare', zoneId: cf.zoneId, apiToken: 'nope', endpoint: cf.url },
    })
    const failed = bad.checks.find((c) => c.id === 'cdn-purge')!
    expect([failed.status, failed.needed]).toEqual(['fail', false])
    expect(failed.detail).toMatch(
      /^Cloudflare refused the API token for this zone: Authentication error/,
    )
    // Uploads still work: the purge check is not needed for them.
    expect(bad.ok).toBe(true)

    const front = await runDoctor({
      ...base,
      publicUrl: 'https://d111111abcdef8.cloudfront.net',
      purge: { kind: 'cloudfront', distributionId: cfr.distributionId, endpoint: cfr.url },
    })
    expect(front.checks.find((c) => c.id === 'cdn-purge')!.status).toBe('pass')
    expect(cfr.batches.at(-1)).toEqual([`/${prefix}/.upshot-probe/purge-check.txt`])
  })
})
