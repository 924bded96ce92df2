// One pending copy made: nothing to send when the mirror already holds the object with the
// recorded size (an earlier attempt that crashed before its commit), else copied from the
// primary. Answers the ETag the mirror gave.
import type { Ledger, MirrorCopyRow } from '../ledger'
import type { Destination } from '../types'
import { copyObject } from './copy'

export async function makeCopy(
  _ledger: Ledger,
  from: Destination,
  to: Destination,
  copy: MirrorCopyRow,
  opts: { tmpDir: string; signal?: AbortSignal },
): Promise<string | null> {
  const there = await to.head(copy.key, opts.signal)
  if (there && there.size === copy.bytes) return there.etag
  const done = await copyObject(from, to, copy.key, {
    tmpDir: opts.tmpDir,
    expectedBytes: copy.bytes,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
  return done.etag
}
