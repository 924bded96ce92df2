// The links handed out for finished jobs: their outputs' URLs as recorded, except a private
// destination's, which are presigned afresh each time (the ones from an earlier run expire).
import type { OutputReport, RunReport } from '../shared/jobs'
import type { DestinationCache } from './destination-cache'
import type { Ledger } from './ledger'
import type { DestinationConfig } from './types'

export async function freshLinks(
  ledger: Ledger,
  destinations: DestinationCache,
  jobIds: readonly string[],
  opts: { configFor?(destinationId: string): DestinationConfig | null } = {},
): Promise<Map<string, OutputReport[]>> {
  const result = new Map<string, OutputReport[]>()
  for (const id of jobIds) {
    const row = ledger.job(id)
    if (!row || row.state !== 'done') continue
    const outputs = ledger.outputReports(id)
    const given = opts.configFor?.(row.destination_id) ?? undefined
    const dest = given
      ? destinations.get(row.destination_id, given)
      : destinations.get(row.destination_id)
    if (dest.config.kind === 's3' && dest.config.private) {
      // Signing is local (no request); it fails only without credentials, and then the
      // object URL is the best there is.
      for (const o of outputs) o.url = await dest.linkFor(o.key).catch(() => o.url)
    }
    result.set(id, outputs)
  }
  return result
}

/**
 * A run's report with a private destination's links presigned afresh. `destinationOf` is each
 * reported job's destination, as the report learnt it.
 */
export async function withFreshLinks(
  ledger: Ledger,
  destinations: DestinationCache,
  r: RunReport,
  destinationOf: ReadonlyMap<string, string>,
): Promise<RunReport> {
  // Only a private destination's links change (fresh presigned URLs); the rest are as reported.
  const privateDestination = new Map<string, boolean>()
  const isPrivate = (destinationId: string): boolean => {
    let p = privateDestination.get(destinationId)
    if (p === undefined) {
      const cfg = destinations.get(destinationId).config
      privateDestination.set(destinationId, (p = cfg.kind === 's3' && cfg.private === true))
    }
    return p
  }
  const privateDone = r.jobs.filter((j) => {
    const d = destinationOf.get(j.id)
    return j.status === 'done' && d !== undefined && isPrivate(d)
  })
  if (privateDone.length > 0) {
    const links = await freshLinks(
      ledger,
      destinations,
      privateDone.map((j) => j.id),
    )
    for (const j of privateDone) j.outputs = links.get(j.id) ?? j.outputs
  }
  return r
}
