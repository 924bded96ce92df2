// The probe object's life: written, deleted (and seen gone), fetched through a link.

import { UpshotError } from '../../../shared/jobs'
import { messageOf, PROBE_BODY, type Ctx } from './context'

export async function writeProbe(ctx: Ctx): Promise<boolean> {
  try {
    await ctx.dest.put({
      key: ctx.key,
      filePath: ctx.file,
      size: Buffer.byteLength(PROBE_BODY),
      contentType: 'text/plain; charset=utf-8',
      cacheControl: 'no-store',
      metadata: {},
      signal: AbortSignal.timeout(ctx.timeoutMs),
      multipart: { onCreate: () => {}, onPart: () => {} },
    })
    ctx.written = true
    ctx.checks.add('write', 'pass', true, `Wrote ${ctx.key}; the store confirmed the bytes.`)
    return true
  } catch (err) {
    const msg =
      ctx.config.kind === 's3'
        ? messageOf(err, ctx.config)
        : err instanceof Error
          ? err.message
          : String(err)
    ctx.checks.add('write', 'fail', true, msg)
    return false
  }
}

export async function deleteProbe(ctx: Ctx): Promise<void> {
  try {
    await ctx.dest.deleteObject(ctx.key)
    const still = await ctx.dest.head(ctx.key, AbortSignal.timeout(ctx.timeoutMs))
    if (still)
      throw new UpshotError('ACCESS_DENIED', 'The probe object is still there after DELETE.')
    ctx.written = false
    ctx.checks.add('delete', 'pass', true, 'Deleted: removing uploads from the history will work.')
  } catch (err) {
    const msg =
      ctx.config.kind === 's3'
        ? messageOf(err, ctx.config)
        : err instanceof Error
          ? err.message
          : String(err)
    ctx.checks.add(
      'delete',
      'fail',
      true,
      `${msg} Deleting uploads from the history will not work.`,
    )
  }
}

/** GETs a link and compares the bytes with the probe's; never throws. */
export async function fetchProbe(
  ctx: Ctx,
  url: string,
): Promise<{ status: number; same: boolean } | { error: string }> {
  try {
    const res = await ctx.doFetch(url, { signal: AbortSignal.timeout(ctx.timeoutMs) })
    const body = Buffer.from(await res.arrayBuffer())
    return { status: res.status, same: body.equals(Buffer.from(PROBE_BODY)) }
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code
    return { error: cause ?? (err instanceof Error ? err.message : String(err)) }
  }
}
