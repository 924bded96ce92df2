// A drive mounted inside a synced folder (a NAS share, a second disk) and then unmounted is an
// empty folder on its parent's device: `upshot sync --delete` must take it for unreadable, never
// for a folder whose files were all deleted. The other way round, a drive mounted over a folder
// whose files were synced hides them: not deleted either. Real tmpfs mounts (root only, like
// disk-full) and a real `upshot` process against s3rver.
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

/** A fixed modification time: a copy made later still has the fingerprint of the synced file. */
const MTIME = new Date('2025-03-01T10:00:00Z')

function photo(to: string, corpusName: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true })
  fs.copyFileSync(path.join(CORPUS, corpusName), to)
  fs.utimesSync(to, MTIME, MTIME)
}

async function allThere(jobs: RunReport['jobs']): Promise<void> {
  expect(jobs.length).toBeGreaterThan(0)
  for (const j of jobs) {
    expect(j.outputs.length).toBeGreaterThan(0)
    for (const o of j.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
  }
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

    it('a drive mounted over a synced folder hides its files: not gone, sync --delete removes nothing', async () => {
      const folder = path.join(work, 'over')
      const sub = path.join(folder, 'sub')
      photo(path.join(folder, 'local.jpg'), 'exif-samples__jpg_Canon_40D.jpg')
      photo(path.join(sub, 'a.jpg'), 'exif-samples__jpg_gps_DSCN0010.jpg')
      photo(path.join(sub, 'deeper', 'b.jpg'), 'exif-samples__jpg_orientation_landscape_3.jpg')
      const data = path.join(work, 'data-over')
      const first = await sync(folder, data)
      expect(first.summary.done).toBe(3)
      const underSub = first.jobs.filter((j) => j.source.startsWith(sub + path.sep))
      expect(underSub).toHaveLength(2)

      // A drive mounted over `sub`, with a photo of its own: a.jpg and deeper/b.jpg are hidden.
      expect(mountTmpfs(sub)).toBeNull()
      expect(fs.readdirSync(sub)).toEqual([])
      photo(path.join(sub, 'on-drive.jpg'), 'exif-samples__jpg_mobile_jolla.jpg')
      const dry = await sync(folder, data, '--delete', '--dry-run')
      expect(dry.plan.gone).toEqual([])
      expect(dry.plan.delete).toEqual([])
      const del = await sync(folder, data, '--delete')
      expect(del.plan.gone).toEqual([])
      expect(del.plan.delete).toEqual([])
      expect(del.plan.problems.map((p) => [p.path, p.code])).toEqual([['sub', 'UNREADABLE']])
      expect(del.plan.problems[0]!.message).toMatch(/another drive/)
      expect(del.plan.upload).toEqual([{ path: 'sub/on-drive.jpg', reason: 'new' }])
      expect(del.plan.unchanged).toBe(1)
      await allThere(underSub)
      const onDrive = del.jobs.filter((j) => j.source.endsWith('on-drive.jpg'))
      expect(onDrive.map((j) => j.status)).toEqual(['done'])

      // Unmounted: the folder's own files are back, unchanged (`sub` was not taken for a mount
      // point to expect), and now the drive's photo is the hidden one.
      unmount(sub)
      const back = await sync(folder, data, '--delete')
      expect(back.plan.unchanged).toBe(3)
      expect(back.plan.upload).toEqual([])
      expect(back.plan.gone).toEqual([])
      expect(back.plan.delete).toEqual([])
      expect(back.plan.problems.map((p) => [p.path, p.code])).toEqual([['sub', 'UNREADABLE']])
      await allThere([...underSub, ...onDrive])
    })

    it('a drive mounted again under another device number: a file deleted from it is gone', async () => {
      const folder = path.join(work, 'renumbered')
      const usb = path.join(folder, 'usb')
      fs.mkdirSync(usb, { recursive: true })
      expect(mountTmpfs(usb)).toBeNull()
      photo(path.join(usb, 'keep.jpg'), 'exif-samples__jpg_Canon_40D.jpg')
      photo(path.join(usb, 'drop.jpg'), 'exif-samples__jpg_gps_DSCN0010.jpg')
      const data = path.join(work, 'data-renumbered')
      const first = await sync(folder, data)
      expect(first.summary.done).toBe(2)
      const before = fs.statSync(usb).dev

      // The same files on a drive that comes back with another number, one of them deleted. (The
      // kernel hands a new tmpfs the lowest free number: another mount takes the old one first.)
      unmount(usb)
      const other = path.join(work, 'renumbered-other')
      fs.mkdirSync(other)
      expect(mountTmpfs(other)).toBeNull()
      expect(mountTmpfs(usb)).toBeNull()
      expect(fs.statSync(usb).dev).not.toBe(before)
      photo(path.join(usb, 'keep.jpg'), 'exif-samples__jpg_Canon_40D.jpg')
      const del = await sync(folder, data, '--delete')
      expect(del.plan.problems).toEqual([])
      expect(del.plan.unchanged).toBe(1)
      expect(del.plan.gone).toEqual(['usb/drop.jpg'])
      const dropped = first.jobs.find((j) => j.source.endsWith('drop.jpg'))!
      expect(del.plan.delete.map((d) => d.key).sort()).toEqual(
        dropped.outputs.map((o) => o.key).sort(),
      )
      for (const o of dropped.outputs) expect(await getObjectInfo(s3, o.key)).toBeNull()
      await allThere(first.jobs.filter((j) => j.source.endsWith('keep.jpg')))
    })
  },
)
