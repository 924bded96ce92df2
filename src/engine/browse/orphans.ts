// Orphans: objects under Upshot's key shape ({prefix}/{16 hex}/{name}) that no record of this
// ledger knows — uploaded from another data dir or computer, left by a lost ledger, or kept when
// their records were deleted. Found by one listing of the destination and one ledger query.

import type { Ledger } from '../ledger'
import { stmt } from '../ledger/open'
import { isUpshotKey } from '../cleanup'
import type { DestinationConfig } from '../types'
import { createLister, type BucketObject } from './listing'

export interface OrphanScan {
  orphans: BucketObject[]
  /** Their size together. */
  bytes: number
  /** Objects looked at. */
  scanned: number
  /** Objects this ledger's records link to. */
  known: number
}

/** Keys on this destination that a live record links to, or that this ledger uploaded. */
export function knownKeys(ledger: Ledger, destinationId: string): Set<string> {
  const rows = stmt(
    ledger.db,
    `SELECT key FROM objects WHERE destination_id = ? AND deleted_at IS NULL AND uploaded_at > 0
     UNION
     SELECT o.key FROM outputs o JOIN jobs j ON j.id = o.job_id
     WHERE j.destination_id = ? AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = j.id)`,
  ).all(destinationId, destinationId) as { key: string }[]
  return new Set(rows.map((r) => r.key))
}

export async function findOrphans(
  ledger: Ledger,
  config: DestinationConfig,
  destinationId: string,
  opts: { prefix?: string; signal?: AbortSignal } = {},
): Promise<OrphanScan> {
  const known = knownKeys(ledger, destinationId)
  const lister = createLister(config)
  const out: OrphanScan = { orphans: [], bytes: 0, scanned: 0, known: 0 }
  try {
    let next: string | null = null
    do {
      const page = await lister.page({
        prefix: opts.prefix ?? '',
        delimiter: false,
        next,
        ...(opts.signal ? { signal: opts.signal } : {}),
      })
      for (const o of page.objects) {
        out.scanned++
        if (known.has(o.key)) out.known++
        else if (isUpshotKey(o.key, config.prefix)) {
          out.orphans.push(o)
          out.bytes += o.size
        }
      }
      next = page.next
    } while (next !== null)
  } finally {
    lister.close()
  }
  return out
}
