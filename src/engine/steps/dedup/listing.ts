// One ListObjectsV2 over the destination's prefix per large batch, shared by its jobs' dedup: a
// key missing from it is a miss without asking, and a listed one is there.
import { normalizePrefix } from '../../keys'
import type { Ledger } from '../../ledger'
import type { ProcessContext } from '../context'

/** Batches of at least this many jobs check the bucket with one listing instead of HEADs. */
const LISTING_MIN_JOBS = 20
/** A listing answers for the batch that made it for this long; later jobs list again. */
const LISTING_TTL_MS = 10 * 60_000

export class BatchListings {
  private readonly byBatch = new Map<string, { at: number; keys: Promise<Set<string> | null> }>()

  constructor(private readonly ledger: Ledger) {}

  /**
   * The keys under the destination's prefix, listed once for the job's batch. Reads at most
   * N/1000+1 pages (N outputs to check): a longer listing costs more than the HEADs it saves,
   * and then null sends every job back to its HEADs, as does a store that cannot list.
   */
  keysFor(
    ctx: Pick<ProcessContext, 'row' | 'dest' | 'preset' | 'reached'>,
  ): Promise<Set<string> | null> {
    const { row, dest, preset } = ctx
    if (!dest.listKeys) return Promise.resolve(null)
    const now = Date.now()
    for (const [k, v] of this.byBatch) if (now - v.at > LISTING_TTL_MS) this.byBatch.delete(k)
    const cacheKey = `${row.batch_id}\n${row.destination_id}`
    let entry = this.byBatch.get(cacheKey)
    if (!entry) {
      const jobs = this.ledger.batchSize(row.batch_id)
      const list = async (): Promise<Set<string> | null> => {
        const outputs = jobs * Math.max(1, preset.variants.length)
        const prefix = normalizePrefix(dest.config.prefix)
        try {
          const keys = await dest.listKeys!(
            prefix ? `${prefix}/` : '',
            Math.floor(outputs / 1000) + 1,
          )
          ctx.reached()
          return keys
        } catch {
          // Not allowed to list, or the store failed: the HEADs say precisely what is wrong.
          return null
        }
      }
      entry = { at: now, keys: jobs >= LISTING_MIN_JOBS ? list() : Promise.resolve(null) }
      this.byBatch.set(cacheKey, entry)
    }
    return entry.keys
  }
}
