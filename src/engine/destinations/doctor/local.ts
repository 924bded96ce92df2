// The checks of a local-folder destination: write, read the file back, its link, delete.

import fs from 'node:fs'
import path from 'node:path'
import { PROBE_BODY, type Ctx } from './context'
import { publicLink } from './links'
import { deleteProbe, writeProbe } from './probe'

export async function doctorLocal(ctx: Ctx): Promise<void> {
  const notS3 = 'a local folder has no credentials, bucket or multipart uploads.'
  ctx.checks.skipRest(['credentials', 'bucket', 'multipart', 'checksum', 'clock'], notS3, false)
  if (!(await writeProbe(ctx))) {
    ctx.checks.skipRest(['read', 'delete', 'public-link'], 'the write failed.')
    return
  }
  const url = ctx.dest.urlFor(ctx.key)
  const root = path.resolve((ctx.config as { dir: string }).dir)
  try {
    const bytes = fs.readFileSync(path.join(root, ...ctx.key.split('/')))
    const same = bytes.equals(Buffer.from(PROBE_BODY))
    ctx.checks.add(
      'read',
      same ? 'pass' : 'fail',
      true,
      same ? 'Read back the same bytes.' : 'The file reads back with other bytes; check the disk.',
    )
  } catch (err) {
    ctx.checks.add('read', 'fail', true, `The file just written cannot be read (${String(err)}).`)
  }
  if (url.startsWith('http')) await publicLink(ctx, url)
  else
    ctx.checks.add(
      'public-link',
      'skip',
      false,
      'Not checked: links are file:// URLs (no base URL set).',
    )
  ctx.checks.add(
    'presigned-link',
    'skip',
    false,
    'Not checked: a local folder has no signed links.',
  )
  await deleteProbe(ctx)
}
