// The mirrors' URLs of finished files (docs/ARCHITECTURE.md, "Mirrors"): links come from the
// primary; each output also carries the same object's URL on every mirror its job was sent with,
// and whether the copy is there yet, so the results and the history can offer it as a fallback.

import type { FinishedFile } from '../shared/api'
import type { OutputReport } from '../shared/jobs'
import type { Ledger } from '../engine/ledger'
import { createDestination } from '../engine/storage'
import type { DestinationConfig } from '../engine/types'

export interface MirrorLinkSources {
  /** The engine config of a ledger destination (the app's settings, else the ledger's). */
  configOf(ledgerId: string): DestinationConfig
  nameOf(ledgerId: string): string
}

/** The outputs as they are on one mirror (by name): its URLs, and only those it has a copy of. */
export function onMirror(outputs: readonly OutputReport[], mirror: string): OutputReport[] {
  return outputs.flatMap((o) => {
    const m = o.mirrors?.find((x) => x.mirror === mirror)
    return m ? [{ ...o, url: m.url }] : []
  })
}

export function withMirrorLinks(
  ledger: Ledger,
  files: readonly FinishedFile[],
  sources: MirrorLinkSources,
): FinishedFile[] {
  if (files.length === 0 || !ledger.mirrors.anyJobMirrors()) return [...files]
  // One URL maker per mirror for the whole call (an S3 one holds a client).
  const makers = new Map<string, { name: string; urlFor(key: string): string } | null>()
  const maker = (id: string) => {
    if (!makers.has(id)) {
      try {
        const dest = createDestination(sources.configOf(id))
        makers.set(id, { name: sources.nameOf(id), urlFor: (k) => dest.urlFor(k) })
        dest.close()
      } catch {
        makers.set(id, null) // a mirror no longer known: its URL cannot be said
      }
    }
    return makers.get(id) ?? null
  }
  return files.map((f) => {
    const mirrorIds = ledger.mirrors.mirrorsOfJob(f.id)
    const primaryId = mirrorIds.length > 0 ? ledger.job(f.id)?.destination_id : undefined
    if (!primaryId) return f
    const outputs = f.outputs.map((o): OutputReport => {
      const copies = ledger.mirrors.copiesOf(primaryId, o.key)
      const mirrors = mirrorIds.flatMap((m) => {
        const mk = maker(m)
        if (!mk) return []
        const state = copies.find((c) => c.mirrorId === m)?.state ?? 'pending'
        return [{ mirror: mk.name, url: mk.urlFor(o.key), state }]
      })
      return mirrors.length > 0 ? { ...o, mirrors } : o
    })
    return { ...f, outputs }
  })
}
