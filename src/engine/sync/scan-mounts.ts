// Mount points met by the scan: an expected one that is not mounted now hides nothing.

import fs from 'node:fs/promises'
import path from 'node:path'
import type { Stats } from 'node:fs'
import type { ScanEntry } from './scan'

/**
 * Mount points under the folder: a folder on another device than the folder above it (a NAS, a
 * second disk, the folder itself when it is a mounted drive). Unmounted, such a folder is an
 * empty folder on its parent's device, and everything synced from it would look deleted; so
 * folders seen as mount points before (`expected`) that are not one now are reported as
 * unreadable, and nothing under them counts as gone.
 */
export interface MountWatch {
  /** Relative paths seen as mount points by earlier passes ('' for the folder itself). */
  expected: ReadonlySet<string>
  /** Called for each mount point this scan passes through. */
  seen(rel: string): void
}

function notMounted(rel: string): ScanEntry {
  return {
    kind: 'unreadable-dir',
    rel,
    error: {
      code: 'UNREADABLE',
      message:
        'This folder was a mounted drive and is not mounted now (it is on the same device as the folder above it); nothing under it was synced or removed. Mount it again, or remove the sync pair to start over.',
    },
  }
}

/**
 * Whether the folder at `rel` is a mount point now: reports it, or answers with the entry that
 * stands for an expected one that is not mounted (then nothing under it may be walked).
 */
export function checkMount(
  rel: string,
  st: Stats,
  parentDev: number | null,
  mounts: MountWatch | undefined,
): ScanEntry | null {
  if (!mounts || parentDev === null) return null
  if (st.dev !== parentDev) {
    mounts.seen(rel)
    return null
  }
  return mounts.expected.has(rel) ? notMounted(rel) : null
}

export async function parentDevOf(abs: string): Promise<number | null> {
  const up = path.dirname(abs)
  if (up === abs) return null
  try {
    return (await fs.stat(up)).dev
  } catch {
    return null
  }
}
