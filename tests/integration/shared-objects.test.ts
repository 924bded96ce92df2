// Objects are shared: one object in a bucket can back records of two data dirs (two computers),
// of two sync pairs, or of an upload and its copy. Real `upshot` processes on real s3rver: no
// delete — sync --delete, a record deleted from a history, the engine's deleteRecords — removes
// an object another record uses, and dedup never hands out a link to an object that is gone.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import type { SyncPlanReport } from '../../src/engine/sync'
import { createEngine } from '../../src/engine'
import { deleteRecords } from '../../src/engine/references'
import { createDestination } from '../../src/engine/storage'
import { CORPUS, runCli } from '../helpers/cli'
import {
  getObjectBytes,
  getObjectInfo,
  listKeys,
  s3Config,
  startTestS3,
  type TestS3,
} from '../helpers/s3server'

type SyncReport = RunReport & { plan: SyncPlanReport }

let s3: TestS3
let work: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-shared-'))
})
afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

const PHOTOS = [
  'exif-samples__jpg_Canon_40D.jpg',
  'exif-samples__jpg_gps_DSCN0010.jpg',
  'exif-samples__jpg_orientation_landscape_3.jpg',
  'exif-samples__jpg_orientation_portrait_6.jpg',
]

/** A corpus photo made unique by a trailer after its end marker: still decodes, new content. */
function photoBytes(i: number, tag: string): Buffer {
  return Buffer.concat([
    fs.readFileSync(path.join(CORPUS, PHOTOS[i % PHOTOS.length]!)),
    Buffer.from(`upshot-shared-${tag}-${i}`),
  ])
}

function put(dir: string, name: string, bytes: Buffer): string {
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, name)
  fs.writeFileSync(file, bytes)
  return file
}

const env = (): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: s3.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  AWS_PROFILE: '',
})

function target(prefix: string, dataDir: string): string[] {
  return [
    '--to',
    `s3://${s3.bucket}/${prefix}`,
    '--endpoint',
    s3.endpoint,
    '--region',
    s3.region,
    '--path-style',
    '--data-dir',
    dataDir,
  ]
}

async function json<T>(args: string[]): Promise<T> {
  const r = await runCli([...args, '--json'], env())
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    throw new Error(`upshot printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

const sync = (folder: string, prefix: string, dataDir: string, ...more: string[]) =>
  json<SyncReport>(['sync', folder, ...target(prefix, dataDir), ...more])
const upload = (file: string, prefix: string, dataDir: string) =>
  json<RunReport>(['upload', file, ...target(prefix, dataDir)])

/** Every object's bytes, to compare after the deletes. */
async function snapshot(keys: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  for (const k of keys) out.set(k, await getObjectBytes(s3, k))
  return out
}

async function expectIntact(objects: Map<string, Buffer>): Promise<void> {
  for (const [key, bytes] of objects) {
    const info = await getObjectInfo(s3, key)
    expect(info, `${key} is still in the bucket`).not.toBeNull()
    expect((await getObjectBytes(s3, key)).equals(bytes)).toBe(true)
  }
}

describe('two data dirs on one bucket', () => {
  it('sync --delete in A keeps the objects B deduplicated onto; B deleting its record keeps A’s', async () => {
    const prefix = `${s3.prefix}/two-dirs`
    const dataA = path.join(work, 'data-a')
    const dataB = path.join(work, 'data-b')
    const folderA = path.join(work, 'folder-a')
    const photo = photoBytes(0, 'two-dirs')
    const kept = photoBytes(1, 'two-dirs')
    put(folderA, 'photo.jpg', photo)
    put(folderA, 'kept.jpg', kept)

    const first = await sync(folderA, prefix, dataA)
    expect(first.summary.done).toBe(2)
    const keysOf = (r: RunReport, name: string): string[] =>
      r.jobs.find((j) => path.basename(j.source) === name)!.outputs.map((o) => o.key)
    const photoKeys = keysOf(first, 'photo.jpg')
    const keptKeys = keysOf(first, 'kept.jpg')
    const photoObjects = await snapshot(photoKeys)
    const keptObjects = await snapshot(keptKeys)

    // B, another data dir (another computer), uploads the same photos: 0 bytes, the same links.
    const elsewhere = path.join(work, 'elsewhere')
    for (const [name, bytes] of [
      ['photo.jpg', photo],
      ['kept.jpg', kept],
    ] as const) {
      const b = await upload(put(elsewhere, name, bytes), prefix, dataB)
      expect(b.jobs[0]!.deduplicated).toBe(true)
      expect(b.summary.bytesUploaded).toBe(0)
      expect(b.jobs[0]!.outputs.map((o) => o.key)).toEqual(keysOf(first, name))
    }
    // B said so in the bucket: one reference marker per content dir it reuses.
    const markers = await listKeys(s3, `${prefix}/.upshot/refs/`)
    expect(markers).toHaveLength(2)

    // A's photo goes away and A asks sync --delete: B still links to the objects, so they stay.
    fs.rmSync(path.join(folderA, 'photo.jpg'))
    const del = await sync(folderA, prefix, dataA, '--delete')
    expect(del.plan.gone).toEqual(['photo.jpg'])
    expect(del.plan.deleteSkipped).toBeNull()
    expect(del.plan.delete).toEqual([])
    expect(del.plan.kept.map((k) => k.key).sort()).toEqual([...photoKeys].sort())
    expect(new Set(del.plan.kept.map((k) => k.reason))).toEqual(new Set(['used-elsewhere']))
    await expectIntact(photoObjects)

    // B deletes its copy of kept.jpg from its history: B never uploaded the objects, A's record
    // is live, so they stay; B's marker for them goes.
    const engineB = createEngine({ dataDir: dataB })
    try {
      const keptJob = engineB.ledger
        .listJobs({ all: true, limit: 10 })
        .find((j) => path.basename(j.source) === 'kept.jpg')!
      const result = await deleteRecords(engineB.ledger, [keptJob.id], () =>
        createDestination({
          kind: 's3',
          endpoint: s3.endpoint,
          region: s3.region,
          bucket: s3.bucket,
          prefix,
          pathStyle: true,
          checksum: s3.checksum,
          credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        }),
      )
      expect(result.failures).toEqual([])
      expect(result.deleted).toBe(0)
      expect(result.kept.map((k) => k.reason)).toEqual(keptKeys.map(() => 'uploaded-elsewhere'))
    } finally {
      await engineB.close()
    }
    await expectIntact(keptObjects)
    expect(await listKeys(s3, `${prefix}/.upshot/refs/`)).toHaveLength(1)

    // A's next pass sees the same: the folder unchanged, kept.jpg's links still answer.
    const again = await sync(folderA, prefix, dataA, '--delete', '--dry-run')
    expect(again.plan.upload).toEqual([])
    expect(again.plan.unchanged).toBe(1)
  })

  it('a ledger whose objects were deleted elsewhere uploads again instead of deduplicating onto dead keys', async () => {
    const prefix = `${s3.prefix}/dead-keys`
    const dataA = path.join(work, 'dead-a')
    const dataB = path.join(work, 'dead-b')
    // B uploaded this one itself; the other B deduplicated from A's upload.
    const own = photoBytes(2, 'dead')
    const reused = photoBytes(3, 'dead')
    const a = await upload(put(path.join(work, 'dead-a-in'), 'reused.jpg', reused), prefix, dataA)
    expect(a.summary.done).toBe(1)
    const b1 = await upload(put(path.join(work, 'dead-b-in1'), 'own.jpg', own), prefix, dataB)
    const b2 = await upload(put(path.join(work, 'dead-b-in1'), 'reused.jpg', reused), prefix, dataB)
    expect(b1.jobs[0]!.deduplicated).toBe(false)
    expect(b2.jobs[0]!.deduplicated).toBe(true)

    // Deleted behind B's back (an older Upshot, `aws s3 rm`, a lifecycle rule).
    const dead = [...b1.jobs[0]!.outputs, ...b2.jobs[0]!.outputs].map((o) => o.key)
    for (const key of dead)
      await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }))

    // The same photos again, from other folders: B's ledger knows them, the bucket does not.
    for (const [name, bytes] of [
      ['own.jpg', own],
      ['reused.jpg', reused],
    ] as const) {
      const again = await upload(put(path.join(work, 'dead-b-in2'), name, bytes), prefix, dataB)
      expect(again.jobs[0]!.status).toBe('done')
      expect(again.jobs[0]!.deduplicated).toBe(false)
      expect(again.summary.bytesUploaded).toBeGreaterThan(0)
      for (const o of again.jobs[0]!.outputs) {
        expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
      }
    }
  })
})

describe('two sync pairs in one ledger', () => {
  it('--delete in one pair keeps what the other pair links to, and deletes it once neither does', async () => {
    const prefix = `${s3.prefix}/two-pairs`
    const data = path.join(work, 'pairs-data')
    const one = path.join(work, 'pair-one')
    const two = path.join(work, 'pair-two')
    const bytes = photoBytes(1, 'pairs')
    put(one, 'photo.jpg', bytes)
    put(two, 'photo.jpg', bytes)
    // A folder emptied completely looks unmounted (nothing is deleted then): each keeps a file.
    put(one, 'other-one.jpg', photoBytes(2, 'pairs'))
    put(two, 'other-two.jpg', photoBytes(3, 'pairs'))
    const photoJob = (r: RunReport) => r.jobs.find((j) => path.basename(j.source) === 'photo.jpg')!
    const first = await sync(one, prefix, data)
    const second = await sync(two, prefix, data)
    expect(photoJob(second).deduplicated).toBe(true)
    const keys = photoJob(first).outputs.map((o) => o.key)
    expect(photoJob(second).outputs.map((o) => o.key)).toEqual(keys)
    const objects = await snapshot(keys)

    fs.rmSync(path.join(one, 'photo.jpg'))
    const del = await sync(one, prefix, data, '--delete')
    expect(del.plan.gone).toEqual(['photo.jpg'])
    expect(del.plan.deleteSkipped).toBeNull()
    expect(del.plan.delete).toEqual([])
    await expectIntact(objects)

    fs.rmSync(path.join(two, 'photo.jpg'))
    const last = await sync(two, prefix, data, '--delete')
    expect(last.plan.delete.map((d) => d.key).sort()).toEqual([...keys].sort())
    for (const key of keys) expect(await getObjectInfo(s3, key)).toBeNull()
  })
})

function markerFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
}

describe('a local folder as the destination, shared by two data dirs', () => {
  it('keeps a file the other data dir wrote again, by its marker, until neither uses it', async () => {
    const out = path.join(work, 'local-out')
    const destination = { kind: 'local' as const, dir: out, prefix: 'img' }
    const file = put(path.join(work, 'local-in'), 'photo.jpg', photoBytes(0, 'local'))
    const a = createEngine({ dataDir: path.join(work, 'local-a') })
    const b = createEngine({ dataDir: path.join(work, 'local-b') })
    try {
      const [idA] = await a.enqueue([file], { destination, preset: 'web' })
      const ra = await a.run([idA!])
      const files = ra.jobs[0]!.outputs.map((o) => path.join(out, ...o.key.split('/')))
      const refs = path.join(out, 'img', '.upshot', 'refs')
      expect(markerFiles(refs)).toEqual([])
      // B cannot prove the files are its own (their metadata lives in A's data dir, never in the
      // served folder): it writes its own bytes at the same keys, and its marker first.
      const [idB] = await b.enqueue([file], { destination, preset: 'web' })
      const rb = await b.run([idB!])
      expect(rb.jobs[0]!.status).toBe('done')
      expect(rb.jobs[0]!.outputs.map((o) => o.key)).toEqual(ra.jobs[0]!.outputs.map((o) => o.key))
      expect(markerFiles(refs)).toHaveLength(1)

      // A, the first writer, deletes its record: B's marker says B still links to the files.
      const ra2 = await deleteRecords(a.ledger, [idA!], () => createDestination(destination))
      expect(ra2.deleted).toBe(0)
      expect(new Set(ra2.kept.map((k) => k.reason))).toEqual(new Set(['used-elsewhere']))
      for (const f of files) expect(fs.existsSync(f)).toBe(true)

      // B deletes its record too: B wrote over A's files, so it never counts itself their
      // uploader; they stay (an orphan at worst), and B's marker is gone.
      const rb2 = await deleteRecords(b.ledger, [idB!], () => createDestination(destination))
      expect(rb2.deleted).toBe(0)
      expect(new Set(rb2.kept.map((k) => k.reason))).toEqual(new Set(['uploaded-elsewhere']))
      for (const f of files) expect(fs.existsSync(f)).toBe(true)
      expect(markerFiles(refs)).toEqual([])

      // A, asked again, finds no one else: the files go.
      const ra3 = await deleteRecords(a.ledger, [idA!], () => createDestination(destination))
      expect(ra3.deleted).toBe(files.length)
      for (const f of files) expect(fs.existsSync(f)).toBe(false)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('the other way round: B deleting first keeps A’s files, A deleting then removes them', async () => {
    const out = path.join(work, 'local-out-2')
    const destination = { kind: 'local' as const, dir: out, prefix: '' }
    const file = put(path.join(work, 'local-in-2'), 'photo.jpg', photoBytes(1, 'local-2'))
    const a = createEngine({ dataDir: path.join(work, 'local2-a') })
    const b = createEngine({ dataDir: path.join(work, 'local2-b') })
    try {
      const [idA] = await a.enqueue([file], { destination, preset: 'web' })
      const ra = await a.run([idA!])
      const [idB] = await b.enqueue([file], { destination, preset: 'web' })
      await b.run([idB!])
      const files = ra.jobs[0]!.outputs.map((o) => path.join(out, ...o.key.split('/')))
      const rb2 = await deleteRecords(b.ledger, [idB!], () => createDestination(destination))
      expect(rb2.deleted).toBe(0)
      for (const f of files) expect(fs.existsSync(f)).toBe(true)
      const ra2 = await deleteRecords(a.ledger, [idA!], () => createDestination(destination))
      expect(ra2.deleted).toBe(files.length)
      for (const f of files) expect(fs.existsSync(f)).toBe(false)
    } finally {
      await a.close()
      await b.close()
    }
  })
})

describe('another writer’s object at a key this ledger writes', () => {
  it('marks it and never deletes it on its own: the other writer’s links survive', async () => {
    // An object at the very key a photo's variant gets, written by something this ledger cannot
    // recognise (another Upshot's encoder settings, an upload from before object metadata).
    const file = put(path.join(work, 'occupied-in'), 'photo.jpg', photoBytes(2, 'occupied'))
    const dataDir = path.join(work, 'occupied-data')
    const prefix = `${s3.prefix}/occupied`
    const probe = await upload(file, `${prefix}-probe`, path.join(work, 'occupied-probe'))
    const keys = probe.jobs[0]!.outputs.map((o) => o.key.replace(`${prefix}-probe/`, `${prefix}/`))
    for (const key of keys)
      await s3.client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: key,
          Body: `someone else's ${key}`,
          Metadata: { 'upshot-sha256': 'f'.repeat(64), 'upshot-preset': 'another' },
        }),
      )

    const first = await upload(file, prefix, dataDir)
    expect(first.jobs[0]!.status).toBe('done')
    expect(first.jobs[0]!.deduplicated).toBe(false)
    expect(first.jobs[0]!.outputs.map((o) => o.key)).toEqual(keys)
    expect(await listKeys(s3, `${prefix}/.upshot/refs/`)).toHaveLength(1)

    // Deleting this ledger's record leaves the objects: it wrote over another writer's.
    const engine = createEngine({ dataDir })
    try {
      const result = await deleteRecords(engine.ledger, [first.jobs[0]!.id], () =>
        createDestination(s3Config(s3, { prefix })),
      )
      expect(result.deleted).toBe(0)
      expect(new Set(result.kept.map((k) => k.reason))).toEqual(new Set(['uploaded-elsewhere']))
    } finally {
      await engine.close()
    }
    for (const key of keys) expect(await getObjectInfo(s3, key)).not.toBeNull()
    expect(await listKeys(s3, `${prefix}/.upshot/refs/`)).toEqual([])
  })
})
