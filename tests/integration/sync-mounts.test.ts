// A drive mounted inside a synced folder (a NAS share, a second disk) and then unmounted is an
// empty folder on its parent's device: `upshot sync --delete` must take it for unreadable, never
// for a folder whose files were all deleted. Real tmpfs mounts (root only, like disk-full) and a
// real `upshot` process against s3rver.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/shared/jobs'
import type { SyncPlanReport } from '../../src/engine/sync'
import { CORPUS, runCli } from '../helpers/cli'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'

type SyncReport = RunReport & { plan: SyncPlanReport }

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mounts-'))
const mounted = new Set<string>()

/** Mounting needs root (CI and this machine run as root) and a kernel that lets us. */
function mountTmpfs(dir: string): string | null {
  if (process.getuid?.() !== 0) return 'not running as root, so no tmpfs can be mounted'
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'pipe' })
    mounted.add(dir)
    return null
  } catch (err) {
    return `mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}`
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'pipe' })
  mounted.delete(dir)
}

// Probe once whether this machine can mount at all.
const probe = path.join(work, 'probe')
fs.mkdirSync(probe)
const whyNot = mountTmpfs(probe)
if (!whyNot) unmount(probe)
else console.log(`mount tests skipped: ${whyNot}`)

let s3: TestS3
beforeAll(async () => {
  s3 = await startTestS3()
})
afterAll(async () => {
  await s3?.stop()
  for (const dir of mounted) execFileSync('umount', [dir], { stdio: 'pipe' })
  fs.rmSync(work, { recursive: true, force: true })
})

async function sync(folder: string, dataDir: string, ...more: string[]): Promise<SyncReport> {
  const r = await runCli(
    [
      'sync',
      folder,
      '--to',
      `s3://${s3.bucket}/${s3.prefix}/${path.basename(folder)}`,
      '--endpoint',
      s3.endpoint,
      '--region',
      s3.region,
      '--path-style',
      '--data-dir',
      dataDir,
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

function photo(to: string, corpusName: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true })
  fs.copyFileSync(path.join(CORPUS, corpusName), to)
}

describe.skipIf(whyNot !== null)(
  `a drive mounted inside a synced folder (${whyNot ?? 'tmpfs'})`,
  () => {
    it('unmounted, it is unreadable: sync --delete removes nothing under it', async () => {
      const folder = path.join(work, 'photos')
      const nas = path.join(folder, 'nas')
      fs.mkdirSync(nas, { recursive: true })
      expect(mountTmpfs(nas)).toBeNull()
      photo(path.join(folder, 'local.jpg'), 'exif-samples__jpg_Canon_40D.jpg')
      photo(path.join(nas, 'album', 'shared.jpg'), 'exif-samples__jpg_gps_DSCN0010.jpg')
      const data = path.join(work, 'data')

      const first = await sync(folder, data)
      expect(first.summary.done).toBe(2)
      const onNas = first.jobs.find((j) => j.source.endsWith('shared.jpg'))!
      expect(onNas.outputs.length).toBeGreaterThan(0)

      // The share goes away; its mount point stays behind as an empty folder.
      unmount(nas)
      expect(fs.readdirSync(nas)).toEqual([])
      const dry = await sync(folder, data, '--delete', '--dry-run')
      expect(dry.plan.gone).toEqual([])
      expect(dry.plan.delete).toEqual([])
      const del = await sync(folder, data, '--delete')
      expect(del.plan.gone).toEqual([])
      expect(del.plan.delete).toEqual([])
      expect(del.plan.problems).toEqual([
        expect.objectContaining({ path: 'nas', code: 'UNREADABLE' }),
      ])
      expect(del.plan.problems[0]!.message).toMatch(/mounted drive/)
      expect(del.plan.unchanged).toBe(1)
      for (const o of onNas.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)

      // The mount point itself removed: still unknown, not deleted.
      fs.rmdirSync(nas)
      const missing = await sync(folder, data, '--delete')
      expect(missing.plan.gone).toEqual([])
      expect(missing.plan.delete).toEqual([])
      expect(missing.plan.problems.map((p) => p.path)).toEqual(['nas'])
      for (const o of onNas.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)

      // Mounted again with the files on it: nothing to do, the links never broke.
      fs.mkdirSync(nas)
      expect(mountTmpfs(nas)).toBeNull()
      photo(path.join(nas, 'album', 'shared.jpg'), 'exif-samples__jpg_gps_DSCN0010.jpg')
      const back = await sync(folder, data, '--delete')
      expect(back.plan.problems).toEqual([])
      expect(back.plan.gone).toEqual([])
      expect(back.plan.delete).toEqual([])
    })

    it('a synced folder that is itself a mount point, unmounted with a stray file left, removes nothing', async () => {
      const folder = path.join(work, 'whole-drive')
      fs.mkdirSync(folder)
      expect(mountTmpfs(folder)).toBeNull()
      photo(path.join(folder, 'a.jpg'), 'exif-samples__jpg_Canon_40D.jpg')
      photo(path.join(folder, 'b.jpg'), 'exif-samples__jpg_gps_DSCN0010.jpg')
      const data = path.join(work, 'data-whole')
      const first = await sync(folder, data)
      expect(first.summary.done).toBe(2)

      unmount(folder)
      // Something wrote into the bare mount point: the folder is not empty, so only the device
      // tells that this is not the drive that was synced.
      photo(path.join(folder, 'stray.jpg'), 'exif-samples__jpg_orientation_landscape_3.jpg')
      const del = await sync(folder, data, '--delete')
      expect(del.plan.gone).toEqual([])
      expect(del.plan.delete).toEqual([])
      expect(del.plan.problems.map((p) => [p.path, p.code])).toEqual([['', 'UNREADABLE']])
      for (const j of first.jobs)
        for (const o of j.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
    })
  },
)
