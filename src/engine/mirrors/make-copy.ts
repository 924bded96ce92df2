// One pending copy made: nothing to send when the mirror already holds the object with the
// recorded size (an earlier attempt that crashed before its commit), else copied from the
// primary. A copy big enough for parts records its upload and each part in the ledger as a
// primary upload does, and continues from them after a crash (the mirror's ListParts is the
// truth); its file read from the primary is kept under a name of its own until it succeeds.
// Answers the ETag the mirror gave.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Ledger, MirrorCopyRow } from '../ledger'
import type { Destination } from '../types'
import { copyObject } from './copy'

export async function makeCopy(
  ledger: Ledger,
  from: Destination,
  to: Destination,
  copy: MirrorCopyRow,
  opts: { tmpDir: string; signal?: AbortSignal },
): Promise<string | null> {
  const there = await to.head(copy.key, opts.signal)
  if (there && there.size === copy.bytes) {
    ledger.mirrors.uploads.forget(copy)
    return there.etag
  }
  const uploads = ledger.mirrors.uploads
  const recorded = uploads.of(copy)
  const done = await copyObject(from, to, copy.key, {
    tmpDir: opts.tmpDir,
    tmpFile: tmpNameOf(copy),
    expectedBytes: copy.bytes,
    ...(opts.signal ? { signal: opts.signal } : {}),
    multipart: {
      ...(recorded ? { resume: recorded } : {}),
      onCreate: (uploadId, partSize) => uploads.created(copy, uploadId, partSize),
      onPart: (part) => uploads.part(copy, part),
    },
  })
  uploads.forget(copy)
  return done.etag
}

/** One file name per copy, the same in every process. */
export function tmpNameOf(copy: Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>): string {
  const h = crypto.createHash('sha256')
  h.update(`${copy.primaryId}\n${copy.mirrorId}\n${copy.key}`)
  return `copy-${h.digest('hex').slice(0, 32)}`
}

/**
 * Removes the files kept for copies that are no longer owed (made, forgotten, or failed for
 * good). Those of owed copies stay: the next attempt sends a whole one and reads over a half one.
 */
export async function sweepCopyFiles(
  owed: readonly Pick<MirrorCopyRow, 'primaryId' | 'mirrorId' | 'key'>[],
  tmpDir: string,
  underWay: ReadonlySet<string>,
): Promise<void> {
  const keep = new Set(owed.map(tmpNameOf))
  const names = await fs.promises.readdir(tmpDir).catch(() => [] as string[])
  for (const name of names) {
    const base = name.replace(/\.partial$/, '')
    // Only this module's names: verify --repair's throw-away files are its own business.
    if (!/^copy-[0-9a-f]{32}$/.test(base) || keep.has(base) || underWay.has(base)) continue
    await fs.promises.rm(path.join(tmpDir, name), { force: true }).catch(() => undefined)
  }
}
