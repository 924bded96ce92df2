// The watcher in-process, uploading to a local folder destination: files written slowly are read
// once complete, temporary names are ignored, a moved folder is a rename, and a removed folder is
// waited for.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { createEngine } from '../../src/engine'
import {
  resolvePair,
  SyncStore,
  watchPair,
  type PassResult,
  type WatchState,
} from '../../src/engine/sync'
import { until } from '../helpers/until'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const waitFor = (what: string, cond: () => boolean, ms = 20_000): Promise<void> =>
  until(what, cond, ms)

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex')

it('watches: slow writes, temp files, moved folders, a removed and re-created folder', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-syncwatch-'))
  const root = path.join(base, 'photos')
  fs.mkdirSync(root)
  fs.writeFileSync(path.join(root, 'first.txt'), 'first')
  const engine = createEngine({ dataDir: path.join(base, 'data'), processConcurrency: 2 })
  const store = new SyncStore(engine.ledger)
  const { pair, target } = resolvePair(engine, store, {
    folder: root,
    destination: { config: { kind: 'local', dir: path.join(base, 'bucket'), prefix: '' } },
    save: true,
  })
  const passes: PassResult[] = []
  const states: WatchState['state'][] = []
  const ctl = new AbortController()
  const watching = watchPair(
    { engine, store, pair, target },
    {
      // Generous against the 150 ms pauses below: on a loaded CI machine a timer can fire late,
      // and a pause longer than the settle time would (rightly) read the file half-written.
      settleMs: 1500,
      pollMs: 100,
      signal: ctl.signal,
      onPass: (r) => passes.push(r),
      onState: (s) => states.push(s.state),
    },
  )
  cleanups.push(async () => {
    ctl.abort()
    await watching
    await engine.close()
    fs.rmSync(base, { recursive: true, force: true })
  })
  const record = (rel: string): ReturnType<SyncStore['record']> => store.record(pair.id!, rel)
  const uploaded = (rel: string): boolean =>
    passes.some((p) => p.report.jobs.some((j) => j.source === path.join(root, rel)))

  await waitFor('the first pass', () => states.includes('watching'))
  expect(passes[0]!.plan.upload).toEqual([{ path: 'first.txt', reason: 'new' }])

  // Written in three steps with pauses shorter than the settle time: read once, complete.
  const slow = path.join(root, 'new', 'deeper', 'slow.txt')
  fs.mkdirSync(path.dirname(slow), { recursive: true })
  const parts = ['part one;', 'part two;', 'part three']
  for (const p of parts) {
    fs.appendFileSync(slow, p)
    await new Promise((r) => setTimeout(r, 150))
  }
  // A copy in progress under a temporary name is never read; its final name is.
  fs.writeFileSync(path.join(root, 'new', 'photo.jpg.part'), 'partial')
  await waitFor('the slow file', () => record('new/deeper/slow.txt') !== undefined)
  expect(record('new/deeper/slow.txt')!.sha256).toBe(sha(parts.join('')))
  expect(
    (
      engine.ledger.db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE source = ?').get(slow) as {
        n: number
      }
    ).n,
  ).toBe(1)
  expect(uploaded('new/photo.jpg.part')).toBe(false)
  fs.renameSync(path.join(root, 'new', 'photo.jpg.part'), path.join(root, 'new', 'photo.jpg'))
  // Wait for the pass to be reported too, so the move below gets passes of its own.
  await waitFor('the renamed temp file', () => uploaded('new/photo.jpg'))

  // A folder moved within the tree: one pass, seen as renames, nothing sent again.
  const before = passes.length
  fs.renameSync(path.join(root, 'new'), path.join(root, 'moved'))
  // Records are written as a pass goes, the pass is reported at its end: wait for both.
  await waitFor(
    'the moved folder',
    () =>
      record('moved/deeper/slow.txt') !== undefined &&
      passes.length > before &&
      states.at(-1) === 'watching',
  )
  const movePasses = passes.slice(before)
  const renames = movePasses.flatMap((p) => p.plan.rename)
  expect(renames).toEqual(
    expect.arrayContaining([
      { from: 'new/deeper/slow.txt', to: 'moved/deeper/slow.txt' },
      { from: 'new/photo.jpg', to: 'moved/photo.jpg' },
    ]),
  )
  expect(movePasses.flatMap((p) => p.plan.upload)).toEqual([])
  expect(record('new/deeper/slow.txt')).toBeUndefined()

  // The folder goes away: nothing is taken for deleted; it comes back with a new file.
  fs.renameSync(root, root + '-away')
  await waitFor('waiting for the folder', () => states.at(-1) === 'waiting-for-folder')
  expect(record('first.txt')).toBeDefined()
  fs.renameSync(root + '-away', root)
  fs.writeFileSync(path.join(root, 'after.txt'), 'after')
  await waitFor('the file added after the folder came back', () => uploaded('after.txt'))
  expect(record('first.txt')).toBeDefined()
  await waitFor('watching again', () => states.at(-1) === 'watching')
  // The watcher is live again on the re-attached folder.
  fs.mkdirSync(path.join(root, 'later'))
  fs.writeFileSync(path.join(root, 'later', 'late.txt'), 'late')
  await waitFor('a file in the re-attached folder', () => record('later/late.txt') !== undefined)

  ctl.abort()
  await watching
  expect(engine.ledger.unfinishedJobIds()).toEqual([])
})
