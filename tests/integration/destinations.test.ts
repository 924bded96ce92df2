// Destinations and links against a real S3 server: s3rver by default, the strict server (Swift's
// S3 API, which checks V4 signatures) when S3_TEST_* are set. Private links, `upshot doctor`,
// and saved destinations (`upshot dest`), all through the built CLI.
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/engine'
import type { DoctorReport } from '../../src/engine/destinations/doctor'
import { CORPUS, runCli, runCliJson } from '../helpers/cli'
import { getObjectBytes, listKeys, startTestS3, type TestS3 } from '../helpers/s3server'

const PHOTO = path.join(CORPUS, 'sharp__with-alpha.png')

let s3: TestS3
let work: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-dest-'))
})
afterAll(async () => {
  await s3?.stop()
  fs.rmSync(work, { recursive: true, force: true })
})

function env(): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_PROFILE: '',
    AWS_REGION: s3.region,
  }
}

function target(prefix: string, bucket = s3.bucket): string[] {
  return ['--to', `s3://${bucket}/${prefix}`, '--endpoint', s3.endpoint, '--path-style']
}

/** The same URL with one character of X-Amz-Signature changed. */
function tamper(url: string): string {
  const u = new URL(url)
  const sig = u.searchParams.get('X-Amz-Signature')!
  const flipped = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1)
  u.searchParams.set('X-Amz-Signature', flipped)
  return u.toString()
}

describe('private destination: links are presigned GET URLs', () => {
  // The 403 for a tampered signature is asserted against the strict server only: s3rver checks
  // the access key ID but not V4 signatures. The 200 with the same bytes is asserted on both.
  it('upload --private --expires: the link fetches the bytes (200); a changed signature is refused (403, strict server)', async () => {
    const dataDir = path.join(work, 'private')
    const prefix = `${s3.prefix}/private`
    const { result, report } = await runCliJson(
      ['upload', PHOTO, ...target(prefix), '--private', '--expires', '600', '--data-dir', dataDir],
      env(),
    )
    expect(result.code, result.stderr).toBe(0)
    const job = report.jobs[0]!
    expect(job.status).toBe('done')
    expect(job.outputs.length).toBeGreaterThan(0)
    for (const o of job.outputs) {
      const u = new URL(o.url)
      expect(u.searchParams.get('X-Amz-Expires')).toBe('600')
      expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/)
      expect(u.pathname.endsWith(o.key.split('/').map(encodeURIComponent).join('/'))).toBe(true)
      // A plain HTTP client, no SDK, no credentials: the signature in the URL is all it has.
      const res = await fetch(o.url)
      expect(res.status).toBe(200)
      expect(Buffer.from(await res.arrayBuffer()).equals(await getObjectBytes(s3, o.key))).toBe(
        true,
      )
      if (s3.strict) {
        const bad = await fetch(tamper(o.url))
        await bad.arrayBuffer()
        expect(bad.status).toBe(403)
      }
    }
    // Not made public on the way: no public-read ACL, so the plain object URL is refused on a
    // server that enforces access (s3rver serves everything anonymously).
    if (s3.strict) {
      const plain = await fetch(`${s3.endpoint}/${s3.bucket}/${job.outputs[0]!.key}`)
      await plain.arrayBuffer()
      expect(plain.status).toBeGreaterThanOrEqual(400)
    }

    // The history's copy makes fresh links: the engine signs again with the saved config.
    const engine = createEngine({ dataDir })
    try {
      const fresh = await engine.freshLinks([job.id], {
        configFor: () => ({
          kind: 's3',
          endpoint: s3.endpoint,
          region: s3.region,
          bucket: s3.bucket,
          prefix,
          pathStyle: true,
          checksum: s3.checksum,
          private: true,
          expiresIn: 120,
          credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        }),
      })
      const outputs = fresh.get(job.id)!
      expect(outputs.map((o) => o.key)).toEqual(job.outputs.map((o) => o.key))
      for (const o of outputs) {
        expect(new URL(o.url).searchParams.get('X-Amz-Expires')).toBe('120')
        const res = await fetch(o.url)
        expect(res.status).toBe(200)
        expect(Buffer.from(await res.arrayBuffer()).equals(await getObjectBytes(s3, o.key))).toBe(
          true,
        )
      }
    } finally {
      await engine.close()
    }
  })

  it('sync --private: new and unchanged files alike get presigned links that fetch', async () => {
    const dataDir = path.join(work, 'sync-private')
    const folder = fs.mkdtempSync(path.join(work, 'sync-src-'))
    fs.copyFileSync(PHOTO, path.join(folder, 'a photo.png'))
    const args = [
      'sync',
      folder,
      ...target(`${s3.prefix}/sync-private`),
      '--private',
      '--expires',
      '1200',
      '--data-dir',
      dataDir,
    ]
    const first = await runCliJson(args, env())
    expect(first.result.code, first.result.stderr).toBe(0)
    const second = await runCliJson(args, env())
    expect(second.result.code, second.result.stderr).toBe(0)
    expect(second.report.jobs[0]!.status).toBe('skipped')
    for (const report of [first.report, second.report]) {
      const o = report.jobs[0]!.outputs[0]!
      expect(new URL(o.url).searchParams.get('X-Amz-Expires')).toBe('1200')
      const res = await fetch(o.url)
      expect(res.status).toBe(200)
      expect(Buffer.from(await res.arrayBuffer()).equals(await getObjectBytes(s3, o.key))).toBe(
        true,
      )
    }
  })

  it('refuses --private for a local folder and an expiry above 7 days, in one sentence', async () => {
    const dataDir = path.join(work, 'private-bad')
    const local = await runCli(['upload', PHOTO, '--private', '--data-dir', dataDir], env())
    expect(local.code).toBe(2)
    expect(local.stderr).toMatch(/local folder has no signed links/)
    const long = await runCli(
      ['upload', PHOTO, ...target(`${s3.prefix}/x`), '--expires', '604801', '--data-dir', dataDir],
      env(),
    )
    expect(long.code).toBe(2)
    expect(long.stderr).toMatch(/604800/)
  })
})

describe('upshot doctor', () => {
  const NEEDED = ['credentials', 'bucket', 'write', 'read', 'delete', 'multipart', 'checksum']

  it('passes a working destination: exit 0, every needed check passes, the probe is gone', async () => {
    const dataDir = path.join(work, 'doctor')
    const prefix = `${s3.prefix}/doctor`
    const result = await runCli(
      ['doctor', ...target(prefix), '--data-dir', dataDir, '--json'],
      env(),
    )
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as DoctorReport
    expect(report.ok).toBe(true)
    const byId = new Map(report.checks.map((c) => [c.id, c]))
    for (const id of NEEDED) expect(byId.get(id as never)?.status, id).toBe('pass')
    // The clock is measured from the server's Date header.
    expect(byId.get('clock')?.status).toBe('pass')
    expect(await listKeys(s3, prefix)).toEqual([])

    const text = await runCli(['doctor', ...target(prefix), '--data-dir', dataDir], env())
    expect(text.code).toBe(0)
    const lines = text.stdout.trim().split('\n')
    expect(lines.filter((l) => /^pass {2}Write an object: /.test(l))).toHaveLength(1)
    expect(lines.filter((l) => /^pass {2}Multipart upload/.test(l))).toHaveLength(1)
  })

  it('a private destination: the presigned link check passes', async () => {
    const result = await runCli(
      [
        'doctor',
        ...target(`${s3.prefix}/doctor-private`),
        '--private',
        '--data-dir',
        path.join(work, 'doctor'),
        '--json',
      ],
      env(),
    )
    expect(result.code, result.stdout).toBe(0)
    const report = JSON.parse(result.stdout) as DoctorReport
    expect(report.checks.find((c) => c.id === 'presigned-link')?.status).toBe('pass')
    expect(report.checks.find((c) => c.id === 'public-link')?.status).toBe('skip')
  })

  it('checks a local folder: write, read back, delete pass; S3-only checks are "not checked"', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'doctor-local-'))
    const result = await runCli(
      ['doctor', '--to', `file://${dir}`, '--data-dir', path.join(work, 'doctor'), '--json'],
      env(),
    )
    expect(result.code, result.stdout).toBe(0)
    const report = JSON.parse(result.stdout) as DoctorReport
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]))
    expect(status).toMatchObject({ write: 'pass', read: 'pass', delete: 'pass', bucket: 'skip' })
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual([])
  })

  it('fails a bucket that does not exist: exit 1, a line saying the bucket is missing', async () => {
    const missing = `upshot-missing-${Date.now().toString(36)}`
    const result = await runCli(
      ['doctor', ...target('x', missing), '--data-dir', path.join(work, 'doctor')],
      env(),
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      new RegExp(`^FAIL {2}Bucket exists.*The bucket "${missing}" is missing`, 'm'),
    )
    expect(result.stdout).toMatch(/^pass {2}Credentials accepted/m)
    expect(result.stdout).not.toMatch(/^pass {2}Write an object/m)
  })

  it('measures clock skew from the Date header: 20 minutes off fails the clock line', async () => {
    // A proxy that moves the server's Date header 20 minutes ahead (the server itself is fine).
    const upstream = new URL(s3.endpoint)
    const proxy = http.createServer((req, res) => {
      const out = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (up) => {
          const headers = { ...up.headers }
          if (headers.date) headers.date = new Date(Date.now() + 20 * 60_000).toUTCString()
          res.writeHead(up.statusCode ?? 502, headers)
          up.pipe(res)
        },
      )
      req.pipe(out)
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    try {
      const port = (proxy.address() as AddressInfo).port
      const result = await runCli(
        [
          'doctor',
          '--to',
          `s3://${s3.bucket}/${s3.prefix}/skew`,
          '--endpoint',
          `http://127.0.0.1:${port}`,
          '--path-style',
          '--data-dir',
          path.join(work, 'doctor'),
        ],
        env(),
      )
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(
        /^FAIL {2}Clock skew: This computer's clock is 1[12]\d\d s behind/m,
      )
    } finally {
      await new Promise((r) => proxy.close(r))
    }
  })

  it('fails refused credentials: exit 1 on the credentials line', async () => {
    const result = await runCli(
      ['doctor', ...target(`${s3.prefix}/d`), '--data-dir', path.join(work, 'doctor')],
      { ...env(), AWS_ACCESS_KEY_ID: 'NOSUCHKEY', AWS_SECRET_ACCESS_KEY: 'nope' },
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^FAIL {2}Credentials accepted: /m)
  })
})

describe('upshot dest: saved destinations', () => {
  it('add, list, show, default, upload with --to NAME and without, remove', async () => {
    const dataDir = path.join(work, 'dest')
    const prefix = `${s3.prefix}/saved`
    const d = ['--data-dir', dataDir]
    const add = await runCli(
      [
        'dest',
        'add',
        'media box',
        '--provider',
        'minio',
        '--endpoint',
        s3.endpoint,
        '--region',
        s3.region,
        '--bucket',
        s3.bucket,
        '--prefix',
        prefix,
        '--public-url',
        'https://cdn.example.test/m',
        ...d,
      ],
      env(),
    )
    expect(add.code, add.stderr).toBe(0)
    expect(add.stdout).toContain('Saved "media box"')
    const again = await runCli(
      [
        'dest',
        'add',
        'media box',
        '--provider',
        'minio',
        '--endpoint',
        s3.endpoint,
        '--bucket',
        s3.bucket,
        ...d,
      ],
      env(),
    )
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/exists already/)

    const list = JSON.parse((await runCli(['dest', 'list', '--json', ...d])).stdout) as {
      name: string
      default: boolean
      config: { bucket: string; prefix: string; endpoint: string; pathStyle: boolean }
    }[]
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({
      name: 'media box',
      default: false,
      config: { bucket: s3.bucket, prefix, endpoint: s3.endpoint, pathStyle: true },
    })
    const show = await runCli(['dest', 'show', 'media box', ...d])
    expect(show.code).toBe(0)
    expect(show.stdout).toMatch(/^provider +MinIO$/m)
    expect(show.stdout).toMatch(
      /^example link +https:\/\/cdn\.example\.test\/m\/.+photo-full\.webp$/m,
    )

    const { result, report } = await runCliJson(['upload', PHOTO, '--to', 'media box', ...d], env())
    expect(result.code, result.stderr).toBe(0)
    const outputs = report.jobs[0]!.outputs
    expect(outputs.length).toBeGreaterThan(0)
    for (const o of outputs) {
      expect(o.key.startsWith(`${prefix}/`)).toBe(true)
      expect(o.url).toBe(
        `https://cdn.example.test/m/${o.key.split('/').map(encodeURIComponent).join('/')}`,
      )
      expect((await getObjectBytes(s3, o.key)).length).toBe(o.bytes)
    }

    const def = await runCli(['dest', 'default', 'media box', ...d])
    expect(def.stdout).toContain('Default destination: media box')
    expect(JSON.parse((await runCli(['dest', 'list', '--json', ...d])).stdout)[0].default).toBe(
      true,
    )
    // Without --to the default is used: the same content lands on the same objects (dedup).
    const second = await runCliJson(['upload', PHOTO, ...d], env())
    expect(second.result.code).toBe(0)
    expect(second.report.jobs[0]!.deduplicated).toBe(true)
    expect(second.report.jobs[0]!.outputs.map((o) => o.key)).toEqual(outputs.map((o) => o.key))

    // Nothing secret was written: the ledger holds settings only.
    const ledgerText = ['ledger.sqlite', 'ledger.sqlite-wal']
      .map((f) => path.join(dataDir, f))
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f).toString('latin1'))
      .join('')
    expect(ledgerText).toContain('media box')
    expect(ledgerText).not.toContain('secretAccessKey')

    const removed = await runCli(['dest', 'remove', 'media box', ...d])
    expect(removed.code).toBe(0)
    expect(JSON.parse((await runCli(['dest', 'list', '--json', ...d])).stdout)).toEqual([])
    expect((await runCli(['dest', 'default', ...d])).stdout).toMatch(/No default/)
    const gone = await runCli(['upload', PHOTO, '--to', 'media box', ...d], env())
    expect(gone.code).toBe(2)
    expect(gone.stderr).toMatch(/No saved destination is named "media box"/)
    // The history of the removed name stays.
    const jobs = await runCli(['jobs', '--all', '--json', ...d])
    expect((JSON.parse(jobs.stdout) as { jobs: unknown[] }).jobs).toHaveLength(2)
  })

  it('a saved private destination hands out presigned links that fetch', async () => {
    const dataDir = path.join(work, 'dest-private')
    const d = ['--data-dir', dataDir]
    const add = await runCli(
      [
        'dest',
        'add',
        'vault',
        '--provider',
        's3-compatible',
        '--endpoint',
        s3.endpoint,
        '--path-style',
        '--bucket',
        s3.bucket,
        '--prefix',
        `${s3.prefix}/vault`,
        '--expires',
        '900',
        ...d,
      ],
      env(),
    )
    expect(add.code, add.stderr).toBe(0)
    const doctor = await runCli(['doctor', 'vault', ...d], env())
    expect(doctor.code, doctor.stdout).toBe(0)
    expect(doctor.stdout).toMatch(/^pass {2}Presigned link/m)
    const { result, report } = await runCliJson(['upload', PHOTO, '--to', 'vault', ...d], env())
    expect(result.code, result.stderr).toBe(0)
    const o = report.jobs[0]!.outputs[0]!
    expect(new URL(o.url).searchParams.get('X-Amz-Expires')).toBe('900')
    const res = await fetch(o.url)
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).equals(await getObjectBytes(s3, o.key))).toBe(true)
  })
})
