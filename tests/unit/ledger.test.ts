import Database from 'better-sqlite3'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Ledger, LostClaimError, type NewJob } from '../../src/engine/ledger'
import { MIGRATIONS } from '../../src/engine/ledger/migrations'

const dirs: string[] = []
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-ledger-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const DEST = { kind: 'local' as const, dir: '/tmp/x', prefix: '' }

function job(i: number, batchId = 'b1'): NewJob {
  return {
    id: `job-${i}`,
    batchId,
    source: `/photos/${i}.jpg`,
    destinationId: 'file:/tmp/x',
    preset: 'web',
    presetFp: 'fp1',
  }
}

function withJobs(n: number): { dir: string; ledger: Ledger } {
  const dir = tmpDir()
  const ledger = Ledger.open(dir)
  ledger.upsertDestination('file:/tmp/x', DEST)
  ledger.enqueue(Array.from({ length: n }, (_, i) => job(i)))
  return { dir, ledger }
}

describe('ledger schema', () => {
  it('opens with WAL, foreign keys and the latest user_version', () => {
    const dir = tmpDir()
    const ledger = Ledger.open(dir)
    expect(ledger.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(ledger.db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(ledger.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    const tables = (
      ledger.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {
        name: string
      }[]
    ).map((r) => r.name)
    expect(tables).toEqual(
      expect.arrayContaining([
        'jobs',
        'outputs',
        'multipart_uploads',
        'multipart_parts',
        'objects',
        'destinations',
      ]),
    )
    ledger.close()
  })

  it('refuses a database written by a newer version', () => {
    const dir = tmpDir()
    Ledger.open(dir).close()
    const raw = new Database(path.join(dir, 'ledger.sqlite'))
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    raw.close()
    expect(() => Ledger.open(dir)).toThrow(/newer version of Upshot/)
  })

  it('never stores destination secrets', () => {
    const dir = tmpDir()
    const ledger = Ledger.open(dir)
    ledger.upsertDestination('s3:x', {
      kind: 's3',
      region: 'us-east-1',
      bucket: 'b',
      prefix: '',
      pathStyle: true,
      checksum: 'WHEN_REQUIRED',
      credentials: { accessKeyId: 'AKIDSECRETID', secretAccessKey: 'very-secret-value' },
    })
    ledger.close()
    const bytes =
      fs.readFileSync(path.join(dir, 'ledger.sqlite')).toString('latin1') +
      (fs.existsSync(path.join(dir, 'ledger.sqlite-wal'))
        ? fs.readFileSync(path.join(dir, 'ledger.sqlite-wal')).toString('latin1')
        : '')
    expect(bytes).not.toContain('very-secret-value')
    expect(bytes).not.toContain('AKIDSECRETID')
  })
})

describe('ledger transitions', () => {
  it('a job is claimed by one owner only, across two connections', () => {
    const { dir, ledger } = withJobs(50)
    const other = Ledger.open(dir)
    const mine: string[] = []
    const theirs: string[] = []
    for (let i = 0; i < 50; i++) {
      // Interleave the two "processes" racing for the same rows.
      if (ledger.claim(`job-${i}`, 'host/1/a', 60_000)) mine.push(`job-${i}`)
      if (other.claim(`job-${i}`, 'host/2/b', 60_000)) theirs.push(`job-${i}`)
      if (other.claim(`job-${49 - i}`, 'host/2/b', 60_000)) theirs.push(`job-${49 - i}`)
    }
    expect(mine.length + theirs.length).toBe(50)
    expect(new Set([...mine, ...theirs]).size).toBe(50)
    const owners = ledger.db.prepare(`SELECT owner, COUNT(*) n FROM jobs GROUP BY owner`).all() as {
      owner: string
      n: number
    }[]
    expect(owners.reduce((n, r) => n + r.n, 0)).toBe(50)
    other.close()
    ledger.close()
  })

  it('moves a job queued -> processing -> processed -> uploading -> done and records parts', () => {
    const { ledger } = withJobs(1)
    expect(ledger.claim('job-0', 'o', 60_000)).toBe('processing')
    ledger.recordSource('job-0', 'o', {
      size: 10,
      mtimeMs: 5,
      sha256: 'ab'.repeat(32),
      sourceType: 'jpeg',
    })
    ledger.markProcessed('job-0', 'o', [
      {
        variant: 'full',
        format: 'webp',
        contentType: 'image/webp',
        width: 10,
        height: 5,
        bytes: 100,
        stagedPath: '/s/full.webp',
        key: 'k/full.webp',
        url: 'u',
      },
    ])
    expect(ledger.job('job-0')!.state).toBe('processed')
    expect(ledger.claim('job-0', 'o', 60_000)).toBe('uploading')
    const out = ledger.outputs('job-0')[0]!
    ledger.recordMultipartCreated(out.id, 'file:/tmp/x', out.key, 'UP1', 8 << 20)
    ledger.recordPart(out.id, { partNumber: 1, etag: '"e1"', size: 8 << 20, checksum: null })
    ledger.recordPart(out.id, { partNumber: 2, etag: '"e2"', size: 100, checksum: null })
    expect(ledger.multipartFor(out.id)).toEqual({
      uploadId: 'UP1',
      partSize: 8 << 20,
      key: out.key,
      parts: [
        { partNumber: 1, etag: '"e1"', size: 8 << 20, checksum: null },
        { partNumber: 2, etag: '"e2"', size: 100, checksum: null },
      ],
    })
    ledger.markOutputUploaded(ledger.job('job-0')!, out, '"etag"', 100)
    expect(ledger.multipartFor(out.id)).toBeUndefined()
    ledger.complete('job-0', 'o')
    const row = ledger.job('job-0')!
    expect(row.state).toBe('done')
    expect(row.bytes_sent).toBe(100)
    expect(row.owner).toBeNull()
    expect(ledger.findDone('ab'.repeat(32), 'fp1', 'file:/tmp/x', 'other')?.id).toBe('job-0')
    const obj = ledger.db.prepare(`SELECT * FROM objects`).get() as {
      key: string
      source_sha256: string
    }
    expect(obj.key).toBe('k/full.webp')
    ledger.close()
  })

  it('a small file in fewer commits: source facts with processed, the verdict with its object', () => {
    const { ledger } = withJobs(1)
    const claimed = ledger.claimRow('job-0', 'o', 60_000)
    expect(claimed?.state).toBe('processing')
    expect(claimed?.owner).toBe('o')
    const facts = { size: 64, mtimeMs: 7, sha256: 'cd'.repeat(32), sourceType: 'bin' }
    ledger.markProcessed(
      'job-0',
      'o',
      [
        {
          variant: 'original',
          format: 'bin',
          contentType: 'application/octet-stream',
          width: null,
          height: null,
          bytes: 64,
          stagedPath: '/src/a.bin',
          key: 'k/a.bin',
          url: 'u',
        },
      ],
      facts,
    )
    let row = ledger.job('job-0')!
    expect([row.state, row.sha256, row.size, row.mtime_ms, row.source_type]).toEqual([
      'processed',
      'cd'.repeat(32),
      64,
      7,
      'bin',
    ])
    // Another owner cannot finish it through the object's commit.
    expect(ledger.claimRow('job-0', 'o', 60_000)?.state).toBe('uploading')
    const out = ledger.outputs('job-0')[0]!
    expect(() =>
      ledger.markOutputUploaded(row, out, '"e"', 64, { completeAs: 'someone-else' }),
    ).toThrow(LostClaimError)
    expect(ledger.outputs('job-0')[0]!.state).toBe('staged') // rolled back with the verdict
    ledger.markOutputUploaded(ledger.job('job-0')!, out, '"e"', 64, { completeAs: 'o' })
    row = ledger.job('job-0')!
    expect([row.state, row.owner, row.bytes_sent]).toEqual(['done', null, 64])
    expect(ledger.outputs('job-0')[0]!.state).toBe('uploaded')
    ledger.close()
  })

  it('a processed small file can stay claimed for its upload, counted as a claim', () => {
    const { ledger } = withJobs(1)
    ledger.claimRow('job-0', 'o', 60_000)
    const before = Date.now()
    ledger.markProcessed('job-0', 'o', [], undefined, { uploadLeaseMs: 30_000 })
    const row = ledger.job('job-0')!
    expect([row.state, row.owner, row.attempts]).toEqual(['uploading', 'o', 2])
    expect(row.lease_until).toBeGreaterThanOrEqual(before + 30_000)
    expect(ledger.claim('job-0', 'other', 60_000)).toBeNull() // held, not claimable
    ledger.release('job-0', 'o') // a pause between the steps: back to processed
    expect(ledger.job('job-0')!.state).toBe('processed')
    ledger.close()
  })

  it('a process that lost its claim cannot complete the job', () => {
    const { ledger } = withJobs(1)
    ledger.claim('job-0', 'dead', 60_000)
    expect(ledger.requeueStale((o) => o === 'dead')).toBe(1)
    expect(ledger.job('job-0')!.state).toBe('queued')
    expect(ledger.claim('job-0', 'alive', 60_000)).toBe('processing')
    expect(() => ledger.complete('job-0', 'dead')).toThrow(LostClaimError)
    expect(ledger.job('job-0')!.owner).toBe('alive')
    ledger.close()
  })

  it('requeues uploading jobs to processed (keeping outputs) and expired leases', () => {
    const { ledger } = withJobs(2)
    ledger.claim('job-0', 'a', 60_000)
    ledger.markProcessed('job-0', 'a', [])
    ledger.claim('job-0', 'a', 60_000)
    ledger.claim('job-1', 'b', -1) // lease already expired
    expect(ledger.requeueStale((o) => o === 'a')).toBe(2)
    expect(ledger.job('job-0')!.state).toBe('processed')
    expect(ledger.job('job-1')!.state).toBe('queued')
    ledger.close()
  })

  it('retryLater makes a job unclaimable until its time', () => {
    const { ledger } = withJobs(1)
    ledger.claim('job-0', 'a', 60_000)
    ledger.retryLater('job-0', 'a', Date.now() + 60_000, { code: 'NETWORK', message: 'x' })
    expect(ledger.job('job-0')!.state).toBe('queued')
    expect(ledger.claim('job-0', 'a', 60_000)).toBeNull()
    ledger.close()
  })

  it('a paused job is claimed by no process until resumed, also after a restart', () => {
    const { dir, ledger } = withJobs(2)
    expect(ledger.pauseJob('job-0')).toBe(true)
    expect(ledger.claim('job-0', 'host/1/a', 60_000)).toBeNull()
    expect(ledger.claim('job-1', 'host/1/a', 60_000)).toBe('processing')
    // The state it continues from is kept; the pause is a fact of its own.
    expect(ledger.job('job-0')!.state).toBe('queued')
    ledger.close()
    const again = Ledger.open(dir)
    expect(again.isPaused('job-0')).toBe(true)
    expect(again.claim('job-0', 'host/2/b', 60_000)).toBeNull()
    again.unpauseJob('job-0')
    expect(again.claim('job-0', 'host/2/b', 60_000)).toBe('processing')
    // A finished job cannot be paused; canceling a paused one clears the pause.
    again.fail('job-1', 'host/1/a', { code: 'NETWORK', message: 'x' })
    expect(again.pauseJob('job-1')).toBe(false)
    again.release('job-0', 'host/2/b')
    expect(again.pauseJob('job-0')).toBe(true)
    expect(again.cancel('job-0')).toBe(true)
    expect(again.isPaused('job-0')).toBe(false)
    again.close()
  })

  it('cancel ends unfinished jobs only', () => {
    const { ledger } = withJobs(1)
    expect(ledger.cancel('job-0')).toBe(true)
    expect(ledger.job('job-0')!.state).toBe('canceled')
    expect(ledger.cancel('job-0')).toBe(false)
    ledger.close()
  })
})

describe('saved destinations (upshot dest)', () => {
  it('resolves a name from its saved settings; uploads with other flags do not change it', () => {
    const ledger = Ledger.open(tmpDir())
    const id = 's3:https://abc.r2.cloudflarestorage.com:pics/'
    ledger.saveDestination(id, 'pics', {
      provider: 'r2',
      bucket: 'pics',
      accountId: 'abc'.padEnd(32, '0'),
      private: true,
      expiresIn: 60,
    })
    // An ad-hoc upload to the same bucket (not private) updates the row's last config only.
    ledger.upsertDestination(id, {
      kind: 's3',
      endpoint: 'https://abc.r2.cloudflarestorage.com',
      region: 'auto',
      bucket: 'pics',
      prefix: '',
      pathStyle: true,
      checksum: 'WHEN_REQUIRED',
    })
    expect(ledger.destinationByName('pics')?.config).toMatchObject({
      region: 'auto',
      private: true,
      expiresIn: 60,
    })
    expect(ledger.namedDestinations().map((d) => [d.name, d.provider?.provider])).toEqual([
      ['pics', 'r2'],
    ])
    ledger.close()
  })

  it('keeps one default; forgetting its name drops the default but not the history row', () => {
    const { ledger } = withJobs(1)
    ledger.saveDestination('file:/tmp/x', 'here', { provider: 'local', dir: '/tmp/x' })
    ledger.setDefaultDestinationName('here')
    expect(ledger.defaultDestinationName()).toBe('here')
    expect(ledger.removeDestinationName('here')).toBe(true)
    expect(ledger.defaultDestinationName()).toBeNull()
    expect(ledger.destinationByName('here')).toBeUndefined()
    expect(ledger.removeDestinationName('here')).toBe(false)
    // The jobs still point at the destination row.
    expect(ledger.job('job-0')?.destination_id).toBe('file:/tmp/x')
    ledger.close()
  })
})
