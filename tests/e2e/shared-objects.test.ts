// The history's Delete on an upload whose objects another record shares: the app's core
// (AppService) and a real `upshot sync` process on one data dir and a real S3 server. Deleting
// the copy keeps the synced photo's objects and links; deleting the photo's own upload makes
// the next sync upload it again.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import type { SyncPlanReport } from '../../src/engine/sync'
import { runCli } from '../helpers/cli'
import { CORPUS } from '../helpers/fixtures'
import { getObjectBytes, getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startInProcessApp as startTestApp } from './helpers/in-process-app'
import { testBucketDestination } from './helpers/test-keychain'
import { until } from '../helpers/until'

type SyncReport = RunReport & { plan: SyncPlanReport }

let s3: TestS3
let work: string

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-shared-app-'))
})
afterAll(async () => {
  await s3?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

describe('deleting an upload that shares its objects (AppService + upshot sync)', () => {
  it('keeps the twin’s objects and links, marks only the copy deleted, and re-syncs a photo whose objects went', async () => {
    const app = startTestApp()
    const folder = path.join(work, 'synced')
    fs.mkdirSync(folder)
    const bytes = Buffer.concat([
      fs.readFileSync(path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg')),
      Buffer.from('upshot-shared-app'),
    ])
    fs.writeFileSync(path.join(folder, 'photo.jpg'), bytes)
    // Another photo, so the folder is never found empty (which looks like an unmounted drive).
    fs.copyFileSync(
      path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg'),
      path.join(folder, 'other.jpg'),
    )
    const sync = async (...more: string[]): Promise<SyncReport> => {
      const r = await runCli(
        [
          'sync',
          folder,
          '--to',
          `s3://${s3.bucket}/${s3.prefix}`,
          '--endpoint',
          s3.endpoint,
          '--region',
          s3.region,
          '--path-style',
          '--data-dir',
          app.dataDir,
          '--json',
          ...more,
        ],
        { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
      )
      try {
        return JSON.parse(r.stdout) as SyncReport
      } catch {
        throw new Error(`sync printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
      }
    }
    try {
      app.settings.saveDestination(testBucketDestination(s3, 'Test bucket'))
      app.service.start()

      // 1. The folder is synced by the command, into the app's data dir.
      const first = await sync()
      expect(first.summary.done).toBe(2)
      const photo = first.jobs.find((j) => path.basename(j.source) === 'photo.jpg')!
      const stored = new Map<string, Buffer>()
      for (const o of photo.outputs) stored.set(o.key, await getObjectBytes(s3, o.key))

      // 2. A copy from elsewhere goes through the app: deduplicated onto the photo's objects.
      const elsewhere = path.join(work, 'elsewhere')
      fs.mkdirSync(elsewhere)
      const copy = path.join(elsewhere, 'copy of photo.jpg')
      fs.writeFileSync(copy, bytes)
      expect(await app.service.addPaths([copy])).toEqual({ added: 1 })
      const copyId = app.service.getQueue().jobs.find((j) => j.source === copy)!.id
      await until('the copy done', () =>
        app.service.getQueue().jobs.some((j) => j.id === copyId && j.state === 'done'),
      )
      const [copied] = app.service.links.getFinished([copyId])
      const copyRow = app.service.history.getHistory({ search: 'copy of' }).items[0]
      expect(copyRow).toMatchObject({ id: copyId, deduplicated: true, status: 'done' })
      expect(copied!.outputs.map((o) => o.key)).toEqual(photo.outputs.map((o) => o.key))

      // 3. The copy is deleted from the history: the photo still links to every object.
      const result = await app.service.history.deleteUploads([copyId])
      expect(result).toEqual({
        deleted: 0,
        kept: photo.outputs.length,
        failures: [],
        purge: null,
        purgePending: false,
      })
      for (const [key, was] of stored) {
        expect(await getObjectInfo(s3, key), `${key} is still there`).not.toBeNull()
        expect((await getObjectBytes(s3, key)).equals(was)).toBe(true)
      }
      const deleted = app.service.history.getHistory({ status: 'deleted' }).items.map((i) => i.id)
      expect(deleted).toEqual([copyId])
      const photoRow = app.service.history
        .getHistory({ search: 'photo.jpg' })
        .items.find((i) => i.id === photo.id)
      expect(photoRow?.status).toBe('done')
      expect((await sync('--dry-run')).plan.upload).toEqual([])

      // 4. Now the photo's own upload is deleted: nothing else uses its objects, so they go,
      // and the folder's next pass counts the photo as changed and uploads it again.
      const own = await app.service.history.deleteUploads([photo.id])
      expect(own).toEqual({
        deleted: photo.outputs.length,
        kept: 0,
        failures: [],
        purge: null,
        purgePending: false,
      })
      for (const key of stored.keys()) expect(await getObjectInfo(s3, key)).toBeNull()
      const preview = await sync('--dry-run')
      expect(preview.plan.upload).toEqual([{ path: 'photo.jpg', reason: 'changed' }])
      expect(preview.plan.unchanged).toBe(1)
      const again = await sync()
      const back = again.jobs.find((j) => path.basename(j.source) === 'photo.jpg')!
      expect(back.status).toBe('done')
      for (const o of back.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
    } finally {
      await app.close()
    }
  })
})
