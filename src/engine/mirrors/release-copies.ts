// Deletes reach the mirrors: once releaseObjects has removed an object from the primary (it
// decided nothing uses it any more, under the shared-object rules), its copies on the mirrors
// go too, and their CDNs are purged the same way. A copy stays when the mirror's own records use
// that key (the mirror is also a destination uploads go to), when another primary's copy there
// is still live, or when its `upshot-ledger` metadata names another ledger (another writer's
// bytes). Copies not made yet are forgotten, so the worker never makes them.
import type { JobError } from '../../shared/jobs'
import { purgeDeleted, type PurgeOutcome } from '../cdn/purge-queue'
import { toJobError } from '../job-error'
import type { Ledger } from '../ledger'
import { ledgerIdOf, usedHere } from '../references/usage'
import type { Destination } from '../types'

export interface MirrorRelease {
  mirrorId: string
  deleted: string[]
  kept: string[]
  failed: { key: string; error: JobError }[]
  purge: PurgeOutcome | null
}

export async function releaseMirrorCopies(
  ledger: Ledger,
  primaryId: string,
  deletedKeys: readonly string[],
  destinationOf: (id: string) => Destination,
  signal?: AbortSignal,
): Promise<MirrorRelease[]> {
  const self = ledgerIdOf(ledger)
  const byMirror = new Map<string, { key: string; made: boolean }[]>()
  for (const key of deletedKeys) {
    for (const c of ledger.mirrors.copiesOf(primaryId, key)) {
      const list = byMirror.get(c.mirrorId) ?? []
      list.push({ key, made: c.state === 'done' })
      byMirror.set(c.mirrorId, list)
    }
  }
  const out: MirrorRelease[] = []
  for (const [mirrorId, copies] of byMirror) {
    const r: MirrorRelease = { mirrorId, deleted: [], kept: [], failed: [], purge: null }
    out.push(r)
    let dest: Destination
    try {
      dest = destinationOf(mirrorId)
    } catch (err) {
      const error = toJobError(err)
      for (const c of copies) r.failed.push({ key: c.key, error })
      continue
    }
    try {
      for (const { key, made } of copies) {
        const row = { primaryId, mirrorId, key }
        if (
          usedHere(ledger, mirrorId, key) ||
          usedByAnotherPrimary(ledger, primaryId, mirrorId, key)
        ) {
          ledger.mirrors.forget(row)
          r.kept.push(key)
          continue
        }
        try {
          // A copy still pending may have landed already: look before forgetting it.
          const head = await dest.head(key, signal)
          const writer = head?.metadata['upshot-ledger']
          if (head && writer && writer !== self) {
            ledger.mirrors.forget(row)
            r.kept.push(key)
            continue
          }
          if (head) await dest.deleteObject(key)
          // A big copy cut short leaves its parts on the mirror: they go too.
          const open = ledger.mirrors.uploads.of(row)
          if (open) await dest.abortMultipart(key, open.uploadId).catch(() => undefined)
          ledger.mirrors.forget(row)
          if (head || made) r.deleted.push(key)
        } catch (err) {
          r.failed.push({ key, error: toJobError(err) })
        }
      }
      if (r.deleted.length > 0 || dest.config.purge) {
        try {
          r.purge = await purgeDeleted(ledger, dest, mirrorId, r.deleted, signal)
        } catch (err) {
          const error = toJobError(err)
          r.purge = {
            cdn: dest.config.purge?.kind ?? null,
            purged: [],
            pending: r.deleted.map((k) => ({ url: dest.urlFor(k), error })),
          }
        }
      }
    } finally {
      dest.close()
    }
  }
  return out
}

/** Another primary whose live records link to this key mirrors it to the same mirror. */
function usedByAnotherPrimary(
  ledger: Ledger,
  primaryId: string,
  mirrorId: string,
  key: string,
): boolean {
  return ledger.mirrors
    .copiesOnMirror(mirrorId, key)
    .some((c) => c.primaryId !== primaryId && usedHere(ledger, c.primaryId, key))
}
