// Dedup from the bucket, the shared index across machines: keys are content-addressed, so when
// the expected objects are already there with this source's hash and preset in their metadata,
// another computer (or a lost ledger) uploaded them and they are reused. One HEAD answers the
// common miss.
import { UpshotError } from '../../../shared/jobs'
import type { NewOutput } from '../../ledger'
import { EXT_OF } from '../../pipeline'
import { claimOccupied } from '../../references/reuse'
import type { Destination, RemoteObject, SniffResult } from '../../types'
import type { ProcessContext } from '../context'
import { outputKey } from '../output-key'
import type { Reuse } from './from-ledger'

export async function reuseFromBucket(
  ctx: ProcessContext,
  sha256: string,
  type: SniffResult,
): Promise<Reuse | null> {
  const { row, dest, preset, signal } = ctx
  // What processing would make: the preset's variants of an image, else the file as it is.
  const expected =
    type.kind === 'image'
      ? preset.variants.map((v) => ({ variant: v.name, format: v.format, ext: EXT_OF[v.format] }))
      : [{ variant: 'original', format: type.format, ext: type.ext }]
  const keys = expected.map((e) => outputKey(ctx, sha256, e))
  // A key missing from the batch's listing is a miss without asking; a listed one still needs
  // its HEAD for the metadata (hash, preset) that proves it is ours.
  const listed = await ctx.listings.keysFor(ctx)
  if (listed && keys.some((k) => !listed.has(k))) return null
  const outputs: NewOutput[] = []
  const etags: (string | null)[] = []
  for (let i = 0; i < keys.length; i++) {
    let head: RemoteObject | null
    try {
      head = await dest.head(keys[i]!, signal)
    } catch (err) {
      // Write-only credentials may not read: then there is nothing to reuse, and the upload
      // itself says precisely what is wrong if writing is refused too (a HEAD has no body).
      if (err instanceof UpshotError && err.code === 'ACCESS_DENIED') return null
      throw err
    }
    ctx.reached()
    if (!head) return null
    if (
      head.metadata['upshot-sha256'] !== sha256 ||
      head.metadata['upshot-preset'] !== row.preset_fp
    ) {
      // Another writer's object where this job's will go: its links must outlive ours.
      const present = await presentKeys(dest, keys.slice(i), signal)
      await claimOccupied(ctx.ledger, dest, row.destination_id, present)
      return null
    }
    const meta = head.metadata
    const dim = (k: string): number | null => (meta[k] ? Number(meta[k]) : null)
    outputs.push({
      variant: expected[i]!.variant,
      format: expected[i]!.format,
      contentType: head.contentType ?? 'application/octet-stream',
      width: dim('upshot-width'),
      height: dim('upshot-height'),
      bytes: head.size,
      stagedPath: null,
      key: keys[i]!,
      url: dest.urlFor(keys[i]!),
    })
    etags.push(head.etag)
  }
  return { outputs, etags }
}

/** Which of these keys hold an object now (a HEAD each; a key that cannot be read counts as not). */
async function presentKeys(
  dest: Destination,
  keys: readonly string[],
  signal: AbortSignal,
): Promise<string[]> {
  const heads = await Promise.all(keys.map((k) => dest.head(k, signal).catch(() => null)))
  return keys.filter((_, i) => heads[i] !== null)
}
