// The mirrors' URLs of finished files (docs/ARCHITECTURE.md, "Mirrors"): links come from the
// primary; each output also carries the same object's URL on every mirror its job was sent with,
// and whether the copy is there yet, so the results and the history can offer it as a fallback.

import type { FinishedFile } from '../shared/api'
import type { OutputReport } from '../shared/jobs'
import type { Ledger } from '../engine/ledger'
import { createDestination } from '../engine/storage'
import type { Destination, DestinationConfig } from '../engine/types'

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

/** How one mirror says an object's URL: plain (urlFor), or signed now for a private mirror. */
interface MirrorLink {
  name: string
  link(key: string): string | Promise<string>
}

export function withMirrorLinks(
  ledger: Ledger,
  files: readonly FinishedFile[],
  sources: MirrorLinkSources,
): FinishedFile[] {
  if (files.length === 0 || !ledger.mirrors.anyJobMirrors()) return [...files]
  // One URL maker per mirror for the whole call (an S3 one holds a client).
  const makers = new Map<string, MirrorLink | null>()
  const maker = (id: string): MirrorLink | null => {
    if (!makers.has(id)) {
      try {
        const dest = createDestination(sources.configOf(id))
        makers.set(id, { name: sources.nameOf(id), link: (k) => dest.urlFor(k) })
        dest.close()
      } catch {
        makers.set(id, null) // a mirror no longer known: its URL cannot be said
      }
    }
    return makers.get(id) ?? null
  }
  return files.map((f) => annotate(ledger, f, maker, (url) => url as string))
}

/**
 * As withMirrorLinks, with links to hand out now: a private mirror's URLs are presigned with its
 * saved keys (an unsigned one would answer 403), as the primary's are (engine.freshLinks).
 */
export async function withFreshMirrorLinks(
  ledger: Ledger,
  files: readonly FinishedFile[],
  sources: MirrorLinkSources,
): Promise<FinishedFile[]> {
  if (files.length === 0 || !ledger.mirrors.anyJobMirrors()) return [...files]
  const dests = new Map<string, Destination | null>()
  const maker = (id: string): MirrorLink | null => {
    if (!dests.has(id)) {
      try {
        dests.set(id, createDestination(sources.configOf(id)))
      } catch {
        dests.set(id, null)
      }
    }
    const dest = dests.get(id)
    return dest ? { name: sources.nameOf(id), link: (k) => dest.linkFor(k) } : null
  }
  try {
    const pending = files.map((f) => annotate(ledger, f, maker, (url) => url))
    return await Promise.all(
      pending.map(async (f) => ({
        ...f,
        outputs: await Promise.all(
          f.outputs.map(async ({ mirrors, ...o }): Promise<OutputReport> =>
            mirrors
              ? {
                  ...o,
                  mirrors: await Promise.all(
                    mirrors.map(async (m) => ({ ...m, url: await m.url })),
                  ),
                }
              : o,
          ),
        ),
      })),
    )
  } finally {
    for (const d of dests.values()) d?.close()
  }
}

type Pending<U> = Omit<FinishedFile, 'outputs'> & {
  outputs: (Omit<OutputReport, 'mirrors'> & {
    mirrors?: {
      mirror: string
      url: U
      state: NonNullable<OutputReport['mirrors']>[number]['state']
    }[]
  })[]
}

/** One file's outputs with each mirror's link for the same key, and whether the copy is there. */
function annotate<U>(
  ledger: Ledger,
  f: FinishedFile,
  maker: (mirrorId: string) => MirrorLink | null,
  as: (url: string | Promise<string>) => U,
): Pending<U> {
  const mirrorIds = ledger.mirrors.mirrorsOfJob(f.id)
  const primaryId = mirrorIds.length > 0 ? ledger.job(f.id)?.destination_id : undefined
  if (!primaryId) return f as Pending<U>
  const outputs = f.outputs.map((o) => {
    const copies = ledger.mirrors.copiesOf(primaryId, o.key)
    const mirrors = mirrorIds.flatMap((m) => {
      const mk = maker(m)
      if (!mk) return []
      const state = copies.find((c) => c.mirrorId === m)?.state ?? 'pending'
      return [{ mirror: mk.name, url: as(mk.link(o.key)), state }]
    })
    return mirrors.length > 0 ? { ...o, mirrors } : o
  })
  return { ...f, outputs } as Pending<U>
}
