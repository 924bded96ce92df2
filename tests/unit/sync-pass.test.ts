// Sync passes against a real engine and ledger, uploading to a local folder destination.
// Most files are small non-images (uploaded as they are) to keep the suite quick; one photo
// checks the image path.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src/engine'
import { getPreset, presetFingerprint } from '../../src/engine/pipeline'
import {
  resolvePair,
  runPass,
  SyncStore,
  type PairSpec,
  type PassOptions,
  type PassResult,
} from '../../src/engine/sync'
import type { LocalDestinationConfig } from '../../src/engine/types'
import { CORPUS } from '../helpers/fixtures'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface World {
  root: string
  out: string
  engine: Engine
  store: SyncStore
  pair: PairSpec
  dest: LocalDestinationConfig
  pass(opts?: PassOptions): Promise<PassResult>
  write(rel: string, content: string | Buffer, mtimeSec?: number): void
  objects(): string[]
  record(rel: string): ReturnType<SyncStore['record']>
  jobsOf(rel: string): number
}

async function world(
  opts: { include?: string[]; exclude?: string[]; preset?: string } = {},
): Promise<World> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-syncpass-'))
  const root = path.join(base, 'photos')
  const out = path.join(base, 'bucket')
  fs.mkdirSync(root)
  const engine = createEngine({ dataDir: path.join(base, 'data'), processConcurrency: 2 })
  cleanups.push(async () => {
    await engine.close()
    fs.rmSync(base, { recursive: true, force: true })
  })
  const store = new SyncStore(engine.ledger)
  const dest: LocalDestinationConfig = { kind: 'local', dir: out, prefix: 'site' }
  const resolved = resolvePair(engine, store, {
    folder: root,
    destination: { config: dest },
    save: true,
    ...opts,
  })
  const w: World = {
    root,
    out,
    engine,
    store,
    dest,
    pair: resolved.pair,
    pass: (o = {}) => runPass({ engine, store, pair: w.pair, target: resolved.target }, o),
    write(rel, content, mtimeSec) {
      const abs = path.join(root, rel)
      fs.mkdirSync(path.dirname(abs), { recursive: true })
      fs.writeFileSync(abs, content)
      if (mtimeSec !== undefined) fs.utimesSync(abs, mtimeSec, mtimeSec)
    },
    objects() {
      const keys: string[] = []
      const walk = (d: string): void => {
        if (!fs.existsSync(d)) return
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name)
          if (e.name.startsWith('.')) continue // the local store's metadata sidecars
          if (e.isDirectory()) walk(p)
          else keys.push(path.relative(out, p).split(path.sep).join('/'))
        }
      }
      walk(out)
      return keys.sort()
    },
    record: (rel) => store.record(w.pair.id!, rel),
    jobsOf: (rel) =>
      (
        engine.ledger.db
          .prepare('SELECT COUNT(*) AS n FROM jobs WHERE source = ?')
          .get(path.join(root, rel)) as { n: number }
      ).n,
  }
  return w
}

const planOf = (r: PassResult): Omit<PassResult['plan'], 'folder' | 'destination' | 'dryRun'> => {
  const { folder: _f, destination: _d, dryRun: _r, ...rest } = r.plan
  return rest
}
const EMPTY = {
  upload: [],
  rename: [],
  unchanged: 0,
  gone: [],
  delete: [],
  kept: [],
  deleteSkipped: null,
  problems: [],
}

describe('sync pass', () => {
  it('uploads every file once, then finds them unchanged without reading them', async () => {
    const w = await world()
    w.write('a.txt', 'alpha')
    w.write('sub/b.txt', 'bravo')
    fs.copyFileSync(
      path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg'),
      path.join(w.root, 'sub', 'photo.jpg'),
    )
    const first = await w.pass()
    expect(planOf(first).upload).toEqual([
      { path: 'a.txt', reason: 'new' },
      { path: 'sub/b.txt', reason: 'new' },
      { path: 'sub/photo.jpg', reason: 'new' },
    ])
    expect(first.report.jobs.map((j) => j.status)).toEqual(['done', 'done', 'done'])
    expect(first.report.summary.bytesUploaded).toBeGreaterThan(0)
    expect(w.objects().filter((k) => k.includes('photo-'))).toHaveLength(4) // 4 web variants
    const photo = first.report.jobs.find((j) => j.source.endsWith('photo.jpg'))!
    expect(w.record('sub/photo.jpg')).toMatchObject({ sha256: photo.sha256, job_id: photo.id })
    // What the app shows for the pair.
    expect(w.store.status(w.pair.id!)).toEqual({ files: 3, pending: 0, failedLastPass: 0 })
    expect(w.store.history(w.pair.id!, { limit: 10 })).toHaveLength(3)
    expect(w.store.pair(w.pair.id!)!.lastResult).toMatchObject({ uploaded: 3, unchanged: 0 })

    // A file that cannot be read would fail the pass if it were read: it must not be.
    fs.chmodSync(path.join(w.root, 'a.txt'), 0o000)
    const second = await w.pass()
    fs.chmodSync(path.join(w.root, 'a.txt'), 0o644)
    expect(planOf(second)).toEqual({ ...EMPTY, unchanged: 3 })
    expect(second.report.jobs).toEqual([])
    expect(second.report.summary).toMatchObject({ skipped: 3, bytesUploaded: 0 })
    const skipped = [...second.unchangedJobs()]
    expect(skipped.map((j) => [path.relative(w.root, j.source), j.status, j.id])).toEqual([
      ['a.txt', 'skipped', w.record('a.txt')!.job_id],
      ['sub/b.txt', 'skipped', w.record('sub/b.txt')!.job_id],
      ['sub/photo.jpg', 'skipped', photo.id],
    ])
    // Unchanged files still carry their links.
    expect(skipped[2]!.outputs.map((o) => o.url)).toEqual(photo.outputs.map((o) => o.url))
  })

  it('edit, add, rename, delete and touch: the plan names exactly that, the pass does it', async () => {
    const w = await world()
    w.write('keep.txt', 'keep', 1_600_000_000)
    w.write('edit.txt', 'before', 1_600_000_000)
    w.write('old/name.txt', 'moving content', 1_600_000_000)
    w.write('delete.txt', 'doomed', 1_600_000_000)
    w.write('touch.txt', 'touched', 1_600_000_000)
    await w.pass()
    const renamedBefore = w.record('old/name.txt')!
    const oldKeys = w.objects()

    w.write('edit.txt', 'after!', 1_600_000_100)
    w.write('new/added.txt', 'brand new')
    fs.mkdirSync(path.join(w.root, 'new2'))
    fs.renameSync(path.join(w.root, 'old/name.txt'), path.join(w.root, 'new2/renamed.txt'))
    fs.rmSync(path.join(w.root, 'delete.txt'))
    fs.utimesSync(path.join(w.root, 'touch.txt'), 1_700_000_000, 1_700_000_000)

    const expected = {
      ...EMPTY,
      upload: [
        { path: 'edit.txt', reason: 'changed' },
        { path: 'new/added.txt', reason: 'new' },
      ],
      rename: [{ from: 'old/name.txt', to: 'new2/renamed.txt' }],
      unchanged: 2,
      gone: ['delete.txt'],
    }
    const dry = await w.pass({ dryRun: true })
    expect(dry.plan.dryRun).toBe(true)
    expect(planOf(dry)).toEqual(expected)
    expect(w.objects()).toEqual(oldKeys) // a dry run changes nothing
    expect(w.record('old/name.txt')).toEqual(renamedBefore)

    const real = await w.pass()
    expect(planOf(real)).toEqual(expected)
    const byName = new Map(real.report.jobs.map((j) => [path.basename(j.source), j]))
    expect([...byName.keys()].sort()).toEqual(['added.txt', 'edit.txt', 'renamed.txt'])
    // The rename costs nothing and keeps the links (the same keys).
    const renamed = byName.get('renamed.txt')!
    expect(renamed).toMatchObject({ status: 'done', deduplicated: true })
    expect(renamed.outputs.map((o) => o.key)).toEqual(
      w.engine.ledger.outputs(renamedBefore.job_id!).map((o) => o.key),
    )
    expect(w.record('new2/renamed.txt')).toMatchObject({
      sha256: renamedBefore.sha256,
      job_id: renamed.id,
    })
    expect(w.record('old/name.txt')).toBeUndefined()
    expect(w.record('delete.txt')).toBeUndefined()
    expect(w.record('touch.txt')!.mtime_ms).toBe(1_700_000_000_000)
    expect(w.jobsOf('touch.txt')).toBe(1)
    // Edited: new content hash, new key, and the record moved to it.
    const edit = byName.get('edit.txt')!
    expect(w.record('edit.txt')).toMatchObject({ job_id: edit.id, sha256: edit.sha256 })
    expect(edit.outputs[0]!.key.split('/')[1]).toBe(edit.sha256!.slice(0, 16))
    // Without --delete nothing leaves the bucket.
    expect(w.objects()).toEqual(
      [...oldKeys, edit.outputs[0]!.key, byName.get('added.txt')!.outputs[0]!.key].sort(),
    )
    const third = await w.pass()
    expect(planOf(third)).toEqual({ ...EMPTY, unchanged: 5 })
  })

  it('--delete removes only what nothing links to; the dry run forecasts exactly that', async () => {
    const w = await world()
    w.write('a.txt', 'content a')
    w.write('b.txt', 'content b')
    w.write('c.txt', 'content c')
    w.write('edited.txt', 'version 1')
    w.write('private/p.txt', 'content p')
    // `upshot upload` of the same content as c.txt: its links were handed out, never deleted.
    const outside = path.join(path.dirname(w.root), 'c-elsewhere.txt')
    fs.writeFileSync(outside, 'content c')
    const ids = await w.engine.enqueue([outside], { destination: w.dest, preset: 'web' })
    await w.engine.run(ids)
    await w.pass()
    // A copy synced later is deduplicated onto a.txt's objects (copies synced in the same pass
    // may each upload their own, which --delete then treats separately).
    w.write('copy-of-a.txt', 'content a')
    expect((await w.pass()).report.jobs[0]).toMatchObject({ deduplicated: true })
    const key = (rel: string): string => w.engine.ledger.outputs(w.record(rel)!.job_id!)[0]!.key
    const keys = {
      a: key('a.txt'),
      b: key('b.txt'),
      c: key('c.txt'),
      v1: key('edited.txt'),
      p: key('private/p.txt'),
    }

    fs.rmSync(path.join(w.root, 'a.txt')) // its copy still links to the same content
    fs.rmSync(path.join(w.root, 'b.txt')) // orphan: deleted
    fs.rmSync(path.join(w.root, 'c.txt')) // shared with a plain upload: kept
    w.write('edited.txt', 'version 2') // the old version is an orphan once v2 is online
    // Excluded from now on: left alone, not treated as gone.
    w.pair = { ...w.pair, filters: { include: [], exclude: ['private/'] } }

    const dry = await w.pass({ dryRun: true, delete: true })
    const forecast = dry.plan.delete.map((d) => d.key)
    expect(forecast.sort()).toEqual([keys.b, keys.v1].sort())
    expect(dry.plan.gone.sort()).toEqual(['a.txt', 'b.txt', 'c.txt'])
    expect(w.objects()).toContain(keys.b)

    const real = await w.pass({ delete: true })
    expect(real.plan.delete.map((d) => d.key).sort()).toEqual(forecast.sort())
    const left = w.objects()
    expect(left).not.toContain(keys.b)
    expect(left).not.toContain(keys.v1)
    for (const k of [keys.a, keys.c, keys.p]) expect(left).toContain(k)
    expect(left).toContain(key('edited.txt'))
    const deletedRows = w.engine.ledger.db
      .prepare('SELECT key FROM objects WHERE deleted_at IS NOT NULL ORDER BY key')
      .all() as { key: string }[]
    expect(deletedRows.map((r) => r.key)).toEqual([keys.b, keys.v1].sort())

    // Coming back after its objects were deleted: uploaded again, not "deduplicated" to nothing.
    w.write('b.txt', 'content b')
    const back = await w.pass({ delete: true })
    expect(back.report.jobs[0]).toMatchObject({ status: 'done', deduplicated: false })
    expect(w.objects()).toContain(keys.b)
  })

  it('a missing folder fails the pass with NOT_FOUND and keeps every record', async () => {
    const w = await world()
    w.write('a.txt', 'a')
    await w.pass()
    fs.renameSync(w.root, w.root + '-unplugged')
    await expect(w.pass({ delete: true })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    fs.renameSync(w.root + '-unplugged', w.root)
    expect(w.record('a.txt')).toBeDefined()
    expect(planOf(await w.pass())).toEqual({ ...EMPTY, unchanged: 1 })
  })

  it('a whole folder found empty is taken for an unmounted drive: nothing removed or deleted', async () => {
    const w = await world()
    w.write('a.txt', 'a')
    w.write('sub/b.txt', 'b')
    await w.pass()
    const keys = w.objects()
    fs.rmSync(path.join(w.root, 'a.txt'))
    fs.rmSync(path.join(w.root, 'sub'), { recursive: true })
    const r = await w.pass({ delete: true })
    expect(r.plan.gone).toEqual(['a.txt', 'sub/b.txt'])
    expect(r.plan.delete).toEqual([])
    expect(r.plan.deleteSkipped).toMatch(/empty although 2 files/)
    expect(r.complete).toBe(false)
    expect(w.record('a.txt')).toBeDefined()
    expect(w.objects()).toEqual(keys)
  })

  it('dangling links are reported per path as failed jobs and do not block --delete', async () => {
    const w = await world()
    w.write('a.txt', 'a')
    w.write('b.txt', 'b')
    await w.pass()
    fs.symlinkSync(path.join(w.root, 'nowhere'), path.join(w.root, 'broken.txt'))
    fs.rmSync(path.join(w.root, 'b.txt'))
    const r = await w.pass({ delete: true })
    expect(r.plan.problems).toEqual([
      { path: 'broken.txt', code: 'NOT_FOUND', message: expect.any(String) as string },
    ])
    expect(r.report.jobs.map((j) => [path.basename(j.source), j.status, j.error?.code])).toEqual([
      ['broken.txt', 'failed', 'NOT_FOUND'],
    ])
    expect(r.plan.delete).toHaveLength(1)
  })

  it('a pass stopped before its uploads ran leaves jobs that the next pass continues', async () => {
    const w = await world()
    w.write('a.txt', 'a')
    w.write('b.txt', 'b')
    const ctl = new AbortController()
    const stopped = await w.pass({ signal: ctl.signal, onPlan: () => ctl.abort() })
    expect(stopped.complete).toBe(false)
    expect(stopped.report.jobs.every((j) => j.error?.code === 'CANCELED')).toBe(true)
    expect(w.record('a.txt')).toBeUndefined()
    const next = await w.pass()
    expect(next.report.jobs.map((j) => j.status)).toEqual(['done', 'done'])
    expect(w.jobsOf('a.txt')).toBe(1) // continued, not enqueued a second time
    expect(next.report.jobs.map((j) => j.id).sort()).toEqual(
      stopped.report.jobs.map((j) => j.id).sort(),
    )
  })

  it('a new preset re-makes every file; the saved pair keeps preset and filters', async () => {
    const w = await world({ exclude: ['*.md'] })
    w.write('a.txt', 'a')
    w.write('notes.md', 'not synced')
    expect((await w.pass()).plan.upload).toEqual([{ path: 'a.txt', reason: 'new' }])
    const again = resolvePair(w.engine, w.store, { folder: w.root, preset: 'original', save: true })
    expect(again.pair).toMatchObject({
      id: w.pair.id,
      preset: 'original',
      filters: { include: [], exclude: ['*.md'] },
    })
    w.pair = again.pair
    const r = await runPass({
      engine: w.engine,
      store: w.store,
      pair: again.pair,
      target: again.target,
    })
    expect(r.plan.upload).toEqual([{ path: 'a.txt', reason: 'preset' }])
    expect(w.store.pairs().map((p) => [p.folder, p.preset, p.lastResult?.uploaded])).toEqual([
      [w.root, 'original', 1],
    ])
    // Forgetting a pair drops its records, not the upload history or the objects.
    const objects = w.objects()
    w.store.removePair(w.pair.id!)
    expect(w.store.pairs()).toEqual([])
    expect(w.store.recordCount(w.pair.id!)).toBe(0)
    expect(w.jobsOf('a.txt')).toBe(2)
    expect(w.objects()).toEqual(objects)
  })

  it('a preview of a folder not synced yet lists every file and saves nothing', async () => {
    const w = await world()
    w.write('x.txt', 'x')
    const other = path.join(path.dirname(w.root), 'other')
    fs.mkdirSync(other)
    fs.writeFileSync(path.join(other, 'y.txt'), 'y')
    const preview = resolvePair(w.engine, w.store, {
      folder: other,
      destination: { config: w.dest },
      save: false,
    })
    expect(preview.pair.id).toBeNull()
    const r = await runPass({ engine: w.engine, store: w.store, ...preview }, { dryRun: true })
    expect(r.plan.upload).toEqual([{ path: 'y.txt', reason: 'new' }])
    expect(w.store.pairs()).toHaveLength(1)
    expect(() => resolvePair(w.engine, w.store, { folder: other, save: true })).toThrow(
      /not synced yet/,
    )
  })

  it('merges scan and ledger page by page: 2,500 recorded files, one gone, one added, one changed', async () => {
    const w = await world()
    const pairId = w.pair.id!
    const rels: string[] = []
    for (let d = 0; d < 25; d++) {
      for (let f = 0; f < 100; f++) rels.push(`d${String(d).padStart(2, '0')}/f${f}.txt`)
    }
    const mtime = 1_600_000_000
    for (const rel of rels) w.write(rel, rel, mtime)
    // Records as an earlier sync would have left them (no engine work needed to test the merge).
    const fp = presetFingerprint(getPreset('web'))
    w.engine.ledger.db.transaction(() => {
      for (const rel of rels)
        w.store.putRecord(pairId, {
          path: rel,
          size: Buffer.byteLength(rel),
          mtime_ms: mtime * 1000,
          sha256: 'x'.repeat(64),
          preset_fp: fp,
          job_id: null,
          dir_dev: null,
        })
    })()
    fs.rmSync(path.join(w.root, 'd12/f50.txt'))
    w.write('d12/f50b.txt', 'new file')
    w.write('d24/f99.txt', 'changed size')
    const r = await w.pass({ dryRun: true })
    expect(planOf(r)).toEqual({
      ...EMPTY,
      upload: [
        { path: 'd12/f50b.txt', reason: 'new' },
        { path: 'd24/f99.txt', reason: 'changed' },
      ],
      gone: ['d12/f50.txt'],
      unchanged: 2498,
    })
  })
})
