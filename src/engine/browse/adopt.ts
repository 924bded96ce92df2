// Adopting orphans into the history: each content dir ({prefix}/{16 hex}/) becomes one finished
// upload, its objects its outputs, from the metadata Upshot writes on every object (source hash,
// preset fingerprint, variant, source name, dimensions). The objects stay where they are and
// this ledger does not count itself their uploader (no `objects` row): deleting the adopted
// record later leaves them to whoever wrote them, as for any reused object.

import { randomUUID } from 'node:crypto'
import type { Ledger } from '../ledger'
import { stmt } from '../ledger/open'
import { contentDirOf } from '../references/markers'
import type { Destination } from '../types'

export interface Adopted {
  /** New history records (job ids). */
  jobs: string[]
  /** Objects that could not be adopted (no Upshot metadata, gone since the listing). */
  skipped: { key: string; reason: string }[]
}

export async function adoptOrphans(
  ledger: Ledger,
  dest: Destination,
  destinationId: string,
  keys: readonly string[],
  signal?: AbortSignal,
): Promise<Adopted> {
  const out: Adopted = { jobs: [], skipped: [] }
  const byDir = new Map<string, string[]>()
  for (const key of new Set(keys)) {
    const dir = contentDirOf(key)
    byDir.set(dir, [...(byDir.get(dir) ?? []), key])
  }
  for (const [, dirKeys] of byDir) {
    const heads: { key: string; meta: Record<string, string>; size: number; type: string }[] = []
    for (const key of dirKeys) {
      const head = await dest.head(key, signal)
      if (!head) out.skipped.push({ key, reason: 'gone from the bucket since it was listed' })
      else if (!/^[0-9a-f]{64}$/.test(head.metadata['upshot-sha256'] ?? ''))
        out.skipped.push({ key, reason: 'no upshot-sha256 metadata: not uploaded by Upshot' })
      else
        heads.push({
          key,
          meta: head.metadata,
          size: head.size,
          type: head.contentType ?? 'application/octet-stream',
        })
    }
    if (heads.length === 0) continue
    const first = heads[0]!.meta
    const sha256 = first['upshot-sha256']!
    let name = 'adopted'
    try {
      name = decodeURIComponent(first['upshot-source-name'] ?? '') || name
    } catch {
      // A name that does not decode is shown as it was stored.
      name = first['upshot-source-name'] ?? name
    }
    const id = randomUUID()
    const now = Date.now()
    const dim = (m: Record<string, string>, k: string): number | null =>
      /^\d+$/.test(m[k] ?? '') ? Number(m[k]) : null
    ledger.db.transaction(() => {
      stmt(
        ledger.db,
        `INSERT INTO jobs (id, batch_id, source, size, sha256, destination_id, preset, preset_fp,
           state, deduplicated, created_at, updated_at, finished_at)
         VALUES (?, ?, ?, NULL, ?, ?, 'adopted', ?, 'done', 1, ?, ?, ?)`,
      ).run(
        id,
        `adopt-${id}`,
        name,
        sha256,
        destinationId,
        first['upshot-preset'] ?? '',
        now,
        now,
        now,
      )
      const used = new Set<string>()
      for (const h of heads) {
        let variant = h.meta['upshot-variant'] || h.key.slice(h.key.lastIndexOf('/') + 1)
        while (used.has(variant)) variant += '+'
        used.add(variant)
        stmt(
          ledger.db,
          `INSERT INTO outputs (job_id, variant, format, content_type, width, height, bytes, key, url, state)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'uploaded')`,
        ).run(
          id,
          variant,
          h.type.replace(/^image\//, '').replace(/;.*$/, ''),
          h.type,
          dim(h.meta, 'upshot-width'),
          dim(h.meta, 'upshot-height'),
          h.size,
          h.key,
          dest.urlFor(h.key),
        )
      }
    })()
    out.jobs.push(id)
  }
  return out
}
