// The checks of an S3-compatible destination, in the order a failure makes the next pointless:
// access, write and read back, links, checksum headers, multipart, delete, clock.

import { createS3Client, describeStore } from '../../storage/client'
import { loadS3Sdk } from '../../storage/sdk'
import type { S3DestinationConfig } from '../../types'
import { checkAccess } from './access'
import { LABELS, type DoctorCheck } from './checks'
import { checkChecksum } from './checksum'
import { addClock, watchServerClock } from './clock'
import { messageOf, PROBE_BODY, type Ctx, type S3Ctx } from './context'
import { checkS3Links } from './links'
import { checkMultipart } from './multipart'
import { deleteProbe, writeProbe } from './probe'

export async function doctorS3(ctx: Ctx, config: S3DestinationConfig): Promise<void> {
  const { checks, timeoutMs } = ctx
  const client = await createS3Client(config, 4)
  const { GetObjectCommand } = await loadS3Sdk()
  const dates: number[] = []
  watchServerClock(client, dates)
  const where = describeStore(config)
  const signal = (): AbortSignal => AbortSignal.timeout(timeoutMs)
  const s3: S3Ctx = { ctx, config, client, dates, where, signal }
  try {
    if (!(await checkAccess(s3))) return

    // --- write, read back
    if (!(await writeProbe(ctx))) {
      addClock(checks, dates, where)
      checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the write failed.')
      return
    }
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: ctx.key }), {
        abortSignal: signal(),
      })
      const bytes = Buffer.from(await got.Body!.transformToByteArray())
      if (bytes.equals(Buffer.from(PROBE_BODY))) {
        checks.add('read', 'pass', true, `Read back the same ${bytes.length} bytes.`)
      } else {
        checks.add(
          'read',
          'fail',
          true,
          `The object reads back as ${bytes.length} other bytes; the store changes what it is sent (a proxy or encoding?).`,
        )
      }
    } catch (err) {
      checks.add('read', 'fail', true, messageOf(err, config))
    }

    await checkS3Links(s3)
    await checkChecksum(s3)
    await checkMultipart(ctx, client, config, signal)
    await deleteProbe(ctx)
    addClock(checks, dates, where)
  } finally {
    client.destroy()
  }
}
