// 2. read and hash: the source is read once and hashed (SHA-256). Images are held in memory for
// sharp (after a processing slot is free); a small file is read whole and kept for its upload;
// any other file is uploaded from the source later, hashed again as it is sent.
import type { SourceFacts } from '../ledger'
import { snapshotSource } from '../pipeline'
import type { SourceSnapshot } from '../types'
import type { ProcessContext } from './context'

/** The source as read once. */
export interface ReadSource {
  snap: SourceSnapshot
  /**
   * The source's facts (size, mtime, hash, type) when not recorded yet: they go in with the
   * job's next transition (one commit less per file), and its twins meet in that transaction.
   */
  unrecorded: SourceFacts | undefined
}

export async function readSource(ctx: ProcessContext): Promise<ReadSource> {
  const { row } = ctx
  const snap = await snapshotSource(row.source, {
    maxFileBytes: ctx.limits.maxFileBytes,
    signal: ctx.signal,
    beforeImageRead: () => ctx.processSlot(),
  })
  const facts: SourceFacts = {
    size: snap.size,
    mtimeMs: Math.round(snap.mtimeMs),
    sha256: snap.sha256,
    sourceType: snap.type.format,
  }
  // An image's hash is recorded at once, so a twin sees it before spending a decode and encodes
  // on the same photo.
  const image = snap.type.kind === 'image'
  if (image) ctx.ledger.recordSource(row.id, ctx.owner, facts)
  return { snap, unrecorded: image ? undefined : facts }
}
