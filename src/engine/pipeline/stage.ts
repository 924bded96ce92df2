// Staged outputs are written under a temporary name, flushed, then renamed: after a crash or a
// power cut a file with its final name is always complete, because a resumed upload trusts it.

import fsp from 'node:fs/promises'
import path from 'node:path'
import { stagingError } from './errors'

export async function syncAndRename(tmp: string, finalPath: string): Promise<void> {
  const fh = await fsp.open(tmp, 'r+')
  try {
    await fh.datasync()
  } finally {
    await fh.close()
  }
  await fsp.rename(tmp, finalPath)
}

export async function writeAtomic(finalPath: string, data: Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.partial`)
  try {
    const fh = await fsp.open(tmp, 'w')
    try {
      await fh.writeFile(data)
      await fh.datasync()
    } finally {
      await fh.close()
    }
    await fsp.rename(tmp, finalPath)
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined)
    throw stagingError(err)
  }
}
