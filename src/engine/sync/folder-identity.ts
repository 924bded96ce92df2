// Whether the folder a pass ends in is still the one it scanned: a drive unplugged or unmounted
// mid-pass must not look like every file deleted.

import fs from 'node:fs/promises'
import path from 'node:path'
import { folderMissing, toAbs } from './scan'

/** Whether each mount point the scan passed through is still one (not unmounted mid-pass). */
export async function stillMounted(root: string, mounts: readonly string[]): Promise<boolean> {
  for (const rel of mounts) {
    const abs = toAbs(root, rel)
    try {
      const [st, up] = await Promise.all([fs.stat(abs), fs.stat(path.dirname(abs))])
      if (st.dev === up.dev) return false
    } catch {
      return false
    }
  }
  return true
}

/** Identity of the folder itself (device + inode); throws NOT_FOUND when it is not there. */
export async function folderId(root: string): Promise<string> {
  let st
  try {
    st = await fs.stat(root)
  } catch (err) {
    throw folderMissing(root, err)
  }
  if (!st.isDirectory()) throw folderMissing(root, { code: 'ENOTDIR' })
  return `${st.dev}:${st.ino}`
}
