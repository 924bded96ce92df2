// Change detection: size + mtime decide whether a file may have changed; only then is it read
// and hashed, and the hash decides whether it really did.

import { createHash } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import fs from 'node:fs/promises'
import { UpshotError } from '../../shared/jobs'
import { toJobError } from '..'

export interface Fingerprint {
  size: number
  /** Whole milliseconds, as the engine records them on its jobs. */
  mtimeMs: number
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs
}

const CHUNK = 1024 * 1024
// O_NONBLOCK: a FIFO swapped in after the scan must not hang the pass on open.
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0)

/**
 * SHA-256 of a file as it is now, with the fingerprint of exactly the bytes read. A file that
 * changes while it is read fails with SOURCE_CHANGED rather than yield a hash of a mixture.
 */
export async function hashFile(
  abs: string,
  signal?: AbortSignal,
): Promise<Fingerprint & { sha256: string }> {
  let fh: fs.FileHandle
  try {
    fh = await fs.open(abs, OPEN_FLAGS)
  } catch (err) {
    throw asUpshot(err)
  }
  try {
    const before = await fh.stat()
    const hash = createHash('sha256')
    const buf = Buffer.allocUnsafe(CHUNK)
    let pos = 0
    for (;;) {
      if (signal?.aborted) throw new UpshotError('CANCELED', 'Stopped while reading the file.')
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
      pos += bytesRead
    }
    const after = await fh.stat()
    if (pos !== before.size || before.size !== after.size || before.mtimeMs !== after.mtimeMs) {
      throw new UpshotError(
        'SOURCE_CHANGED',
        'The file changed while it was being read; it is synced once it is saved completely.',
        { retryable: true },
      )
    }
    return { sha256: hash.digest('hex'), size: before.size, mtimeMs: Math.round(before.mtimeMs) }
  } catch (err) {
    throw asUpshot(err)
  } finally {
    await fh.close().catch(() => undefined)
  }
}

function asUpshot(err: unknown): UpshotError {
  if (err instanceof UpshotError) return err
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT')
    return new UpshotError('NOT_FOUND', 'The file disappeared before it could be read.')
  const e = toJobError(err)
  return new UpshotError(e.code, e.message, { cause: err })
}
