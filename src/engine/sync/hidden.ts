// A drive mounted over a synced folder hides the files synced from it: the folder is still
// there, its files are not, and a pass would take them for deleted (and `--delete` would delete
// their objects). Each record keeps the device its folder was on (sync_files.dir_dev); a file not
// found, whose folder (or the nearest one above it that still exists) is now on another device,
// is hidden, not gone. The unmounted case (a mount point back on its parent's device) is the
// other half, in scan.ts (MountWatch).

import fs from 'node:fs/promises'
import type { JobError } from '../../shared/jobs'
import { comparePaths, toAbs } from './scan'

/**
 * Device numbers a pass saw recorded files move between: a drive plugged in again, or a network
 * share mounted again, may get another number with the same files on it. A gone file whose
 * folder moved the way its seen siblings did is gone, not hidden.
 */
export class DeviceMoves {
  private readonly moves = new Map<number, Set<number>>()

  /** A file recorded in a folder on `was` was found in a folder on `now`. */
  add(was: number, now: number): void {
    let to = this.moves.get(was)
    if (!to) this.moves.set(was, (to = new Set()))
    to.add(now)
  }

  has(was: number, now: number): boolean {
    return this.moves.get(was)?.has(now) === true
  }
}

export interface GoneRecord {
  rel: string
  jobId: string | null
  dirDev: number | null
}

export interface HiddenSplit {
  gone: GoneRecord[]
  /** Folders whose synced files are hidden (by path order), with why nothing under them is gone. */
  hidden: { rel: string; error: JobError }[]
}

/** The nearest folder at or above a path that exists (`at`), with its device or why it is unknown. */
type FolderDevice = { at: string; dev: number } | { at: string; error: JobError }

/**
 * Splits the records a pass did not find into the really gone and those hidden by a drive
 * mounted over their folder. Only the folders of missing files are looked at, once each.
 */
export async function splitHidden(
  root: string,
  gone: readonly GoneRecord[],
  moves: DeviceMoves,
): Promise<HiddenSplit> {
  const out: HiddenSplit = { gone: [], hidden: [] }
  if (gone.every((g) => g.dirDev === null)) return { ...out, gone: [...gone] }
  const devices = new Map<string, Promise<FolderDevice>>()
  const nearest = (dir: string): Promise<FolderDevice> => {
    let found = devices.get(dir)
    if (!found) {
      found = folderDevice(root, dir, nearest)
      devices.set(dir, found)
    }
    return found
  }
  const hidden = new Map<string, JobError>()
  for (const g of gone) {
    if (g.dirDev === null) {
      out.gone.push(g) // recorded before devices were: nothing to compare with
      continue
    }
    const folder = await nearest(parentOf(g.rel))
    if ('error' in folder) {
      hidden.set(folder.at, folder.error)
      continue
    }
    if (folder.dev === g.dirDev || moves.has(g.dirDev, folder.dev)) out.gone.push(g)
    else hidden.set(folder.at, hiddenByDrive())
  }
  out.hidden = [...hidden]
    .map(([rel, error]) => ({ rel, error }))
    .sort((a, b) => comparePaths(a.rel, b.rel))
  return out
}

async function folderDevice(
  root: string,
  dir: string,
  nearest: (dir: string) => Promise<FolderDevice>,
): Promise<FolderDevice> {
  try {
    const st = await fs.stat(toAbs(root, dir))
    if (st.isDirectory()) return { dev: st.dev, at: dir }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      // Cannot tell what is there: unknown, so not gone.
      return {
        at: dir,
        error: {
          code: 'UNREADABLE',
          message: `The folder could not be read (${code ?? 'error'}); nothing under it was removed.`,
        },
      }
    }
  }
  // Gone (or now a file): its files went with it, judged by the folder above.
  if (dir === '')
    return {
      at: '',
      error: {
        code: 'NOT_FOUND',
        message: 'The synced folder went away during the pass; nothing was removed.',
      },
    }
  return nearest(parentOf(dir))
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/')
  return i < 0 ? '' : rel.slice(0, i)
}

function hiddenByDrive(): JobError {
  return {
    code: 'UNREADABLE',
    message:
      'The files synced from this folder were on another drive than the one it is on now (a drive is mounted over it); they are hidden, not deleted, so nothing under it was synced away or removed. Unmount that drive, or remove the sync pair to start over.',
  }
}
