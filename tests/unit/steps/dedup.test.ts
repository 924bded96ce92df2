// Step 3 alone: a job whose content is uploaded already (this ledger, a twin under way, the
// bucket) ends `done` on the existing objects; anything else goes on to be processed.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobRow } from '../../../src/engine/ledger'
import { markerKey } from '../../../src/engine/references/markers'
import { ledgerIdOf } from '../../../src/engine/references/usage'
import { readSource } from '../../../src/engine/steps/2-read'
import { dedup, stillBehindTwin } from '../../../src/engine/steps/3-dedup'
import { processSource } from '../../../src/engine/steps/4-process'
import { upload } from '../../../src/engine/steps/5-upload'
import { CORPUS } from '../../helpers/fixtures'
import { stepWorld, type StepWorld } from './harness'

const PHOTO = path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg')

const worlds: StepWorld[] = []
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close()
})
function world(opts: Parameters<typeof stepWorld>[0] = {}): StepWorld {
  const w = stepWorld(opts)
  worlds.push(w)
  return w
}

/** Runs a queued job through read, dedup, process and upload, as the scheduler would. */
async function uploadWhole(w: StepWorld, id: string): Promise<void> {
  const ctx = w.processCtx(w.claim(id))
  const read = await readSource(ctx)
  expect(await dedup(ctx, read)).toBeNull()
  await processSource(ctx, read)
  await upload(w.uploadCtx(w.claim(id)))
  expect(w.ledger.job(id)!.state).toBe('done')
}

/** The store's files with their modification times: unchanged means nothing was written. */
function snapshot(w: StepWorld): Map<string, number> {
  return new Map(w.stored().map((f) => [f, fs.statSync(path.join(w.folder, f)).mtimeMs]))
}

function expectReused(w: StepWorld, id: string, from: { key: string; url: string }[]): JobRow {
  const row = w.ledger.job(id)!
  expect(row).toMatchObject({ state: 'done', deduplicated: 1, bytes_sent: 0, owner: null })
  const outs = w.ledger.outputs(id)
  expect(outs.map((o) => ({ key: o.key, url: o.url }))).toEqual(from)
  expect(outs.every((o) => o.state === 'uploaded' && o.staged_path === null)).toBe(true)
  return row
}

describe('step 3, dedup', () => {
  it('from the ledger: the same photo again reuses the objects recorded, nothing is written', async () => {
    const w = world()
    const [first] = await w.enqueue([PHOTO])
    await uploadWhole(w, first!.id)
    const firstOutputs = w.ledger.outputs(first!.id).map((o) => ({ key: o.key, url: o.url }))
    const before = snapshot(w)

    const [again] = await w.enqueue([PHOTO])
    const ctx = w.processCtx(w.claim(again!.id))
    const end = await dedup(ctx, await readSource(ctx))
    expect(end).not.toBeNull()
    expectReused(w, again!.id, firstOutputs)
    expect(snapshot(w)).toEqual(before)
    // Its progress counts as finished: the overall bar reaches its end.
    expect(w.events.progressOf(again!.id).done()).toBe(0)
  })

  it('from the ledger, not when the bucket lost the objects: they are marked gone and the job goes on', async () => {
    const w = world()
    const [first] = await w.enqueue([PHOTO])
    await uploadWhole(w, first!.id)
    const [thumb] = w.ledger.outputs(first!.id)
    fs.rmSync(path.join(w.folder, thumb!.key))

    const [again] = await w.enqueue([PHOTO])
    const ctx = w.processCtx(w.claim(again!.id))
    expect(await dedup(ctx, await readSource(ctx))).toBeNull()
    expect(w.ledger.job(again!.id)).toMatchObject({ state: 'processing', deduplicated: 0 })
    const gone = w.ledger.db
      .prepare('SELECT deleted_at FROM objects WHERE key = ?')
      .get(thumb!.key) as { deleted_at: number | null }
    expect(gone.deleted_at).not.toBeNull()
  })

  it('from a twin under way: the later job steps back without spending an attempt, then reuses its objects', async () => {
    const w = world()
    const copy = path.join(w.root, 'same-photo.jpg')
    fs.copyFileSync(PHOTO, copy)
    // One batch, one creation time: the lower id is the twin ahead (ledger/twins.ts).
    const [a, b] = (await w.enqueue([PHOTO, copy])).sort((x, y) => (x.id < y.id ? -1 : 1))
    const aCtx = w.processCtx(w.claim(a!.id, 'host/1/a'))
    const aRead = await readSource(aCtx) // hash recorded: b can see it

    const bCtx = w.processCtx(w.claim(b!.id, 'host/2/b'))
    expect(await dedup(bCtx, await readSource(bCtx))).toEqual({})
    const waiting = w.ledger.job(b!.id)!
    expect(waiting).toMatchObject({ state: 'queued', owner: null, attempts: 0 })
    expect(waiting.retry_after).toBeGreaterThan(Date.now())
    expect(w.ledger.outputs(b!.id)).toHaveLength(0)

    // Back while the twin is still busy: it waits again without reading the source.
    w.ledger.db.prepare('UPDATE jobs SET retry_after = NULL WHERE id = ?').run(b!.id)
    expect(stillBehindTwin(w.processCtx(w.claim(b!.id, 'host/2/b')))).toEqual({})
    expect(w.ledger.job(b!.id)!.state).toBe('queued')

    await processSource(aCtx, aRead)
    await upload(w.uploadCtx(w.claim(a!.id, 'host/1/a')))
    const aOutputs = w.ledger.outputs(a!.id).map((o) => o.key)

    w.ledger.db.prepare('UPDATE jobs SET retry_after = NULL WHERE id = ?').run(b!.id)
    const back = w.processCtx(w.claim(b!.id, 'host/2/b'))
    expect(stillBehindTwin(back)).toBeNull()
    expect(await dedup(back, await readSource(back))).not.toBeNull()
    const row = w.ledger.job(b!.id)!
    expect(row).toMatchObject({ state: 'done', deduplicated: 1, bytes_sent: 0 })
    // Its own name in the links is the twin's: the objects are the twin's.
    expect(w.ledger.outputs(b!.id).map((o) => o.key)).toEqual(aOutputs)
  })

  it('from the bucket: with the ledger lost, the objects’ metadata proves them and they are reused and marked', async () => {
    const w = world()
    const [first] = await w.enqueue([PHOTO])
    await uploadWhole(w, first!.id)
    const [thumb] = w.ledger.outputs(first!.id)
    const before = snapshot(w)

    // A new ledger on the same store and the same data dir's sidecars (the ledger file lost).
    const lost = world({ config: w.config, dataDir: w.dataDir })
    const [again] = await lost.enqueue([PHOTO])
    const ctx = lost.processCtx(lost.claim(again!.id))
    expect(await dedup(ctx, await readSource(ctx))).not.toBeNull()
    expectReused(lost, again!.id, [{ key: thumb!.key, url: thumb!.url }])
    const [reused] = lost.ledger.outputs(again!.id)
    expect(reused).toMatchObject({
      width: thumb!.width,
      height: thumb!.height,
      bytes: thumb!.bytes,
    })
    // Links to objects it did not upload: its marker beside them, so their uploader keeps them.
    const marker = markerKey(w.config, path.posix.dirname(thumb!.key), ledgerIdOf(lost.ledger))
    expect(fs.existsSync(path.join(w.folder, marker))).toBe(true)
    expect([...before.keys()].every((f) => snapshot(w).get(f) === before.get(f))).toBe(true)
  })

  it('from the bucket, not another writer’s object at the same key: the key is recorded occupied', async () => {
    const w = world()
    const [job] = await w.enqueue([PHOTO])
    const ctx = w.processCtx(w.claim(job!.id))
    const read = await readSource(ctx)
    // What this job would write, already there with no metadata of ours (another data dir's).
    const probe = world({ config: w.config })
    const [other] = await probe.enqueue([PHOTO])
    const pctx = probe.processCtx(probe.claim(other!.id))
    await processSource(pctx, await readSource(pctx))
    const key = probe.ledger.outputs(other!.id)[0]!.key
    fs.mkdirSync(path.dirname(path.join(w.folder, key)), { recursive: true })
    fs.writeFileSync(path.join(w.folder, key), 'someone else’s bytes')

    expect(await dedup(ctx, read)).toBeNull()
    const occupied = w.ledger.db
      .prepare('SELECT key FROM occupied_keys WHERE destination_id = ?')
      .all(job!.destination_id) as { key: string }[]
    expect(occupied.map((r) => r.key)).toEqual([key])
    expect(fs.readFileSync(path.join(w.folder, key), 'utf8')).toBe('someone else’s bytes')
  })
})
