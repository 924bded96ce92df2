// The links uploads hand out: public URLs for anyone, presigned ones for a private destination.

import { S3Destination } from '../../storage/s3'
import type { Ctx, S3Ctx } from './context'
import { fetchProbe } from './probe'

export async function publicLink(ctx: Ctx, url: string): Promise<void> {
  const got = await fetchProbe(ctx, url)
  if ('error' in got) {
    ctx.checks.add(
      'public-link',
      'skip',
      false,
      `Not checked: ${url} could not be reached (${got.error}).`,
    )
  } else if (got.status >= 200 && got.status < 300 && got.same) {
    ctx.checks.add(
      'public-link',
      'pass',
      false,
      `${url} serves the object: links will open for anyone.`,
    )
  } else if (got.status >= 200 && got.status < 300) {
    ctx.checks.add(
      'public-link',
      'fail',
      false,
      `${url} answered with other bytes than were written; check that the public URL points at this bucket and prefix.`,
    )
  } else {
    ctx.checks.add(
      'public-link',
      'fail',
      false,
      `${url} answered HTTP ${got.status}: objects are not public there; allow public reads (bucket policy or CDN), set the right public URL, or make the destination private.`,
    )
  }
}

export async function checkS3Links(s3: S3Ctx): Promise<void> {
  const { ctx, config } = s3
  const { checks } = ctx
  if (config.private) {
    checks.add(
      'public-link',
      'skip',
      false,
      'Not checked: the destination is private; its links are presigned.',
    )
    // The same signing as the links uploads hand out, valid for five minutes.
    const url =
      ctx.dest instanceof S3Destination
        ? await ctx.dest.presignGet(ctx.key, 300).catch(() => null)
        : null
    const got = url ? await fetchProbe(ctx, url) : { error: 'presigning failed' }
    if ('error' in got) {
      checks.add(
        'presigned-link',
        'skip',
        true,
        `Not checked: the presigned link could not be fetched (${got.error}).`,
      )
    } else if (got.status === 200 && got.same) {
      checks.add('presigned-link', 'pass', true, 'A presigned GET link fetches the object.')
    } else {
      checks.add(
        'presigned-link',
        'fail',
        true,
        `A presigned link answered HTTP ${got.status}${got.status === 200 ? ' with other bytes' : ''}; check the region and the endpoint (links are signed for them).`,
      )
    }
  } else {
    await publicLink(ctx, ctx.dest.urlFor(ctx.key))
    checks.add('presigned-link', 'skip', false, 'Not checked: the destination is public.')
  }
}
