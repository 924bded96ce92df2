// Whether multipart uploads (every file above the single-request size) can be created and aborted.

import type { S3Client } from '@aws-sdk/client-s3'
import { UpshotError } from '../../../shared/jobs'
import { isNotImplemented } from '../../storage/errors'
import { loadS3Sdk } from '../../storage/sdk'
import type { S3DestinationConfig } from '../../types'
import { messageOf, type Ctx } from './context'

export async function checkMultipart(
  ctx: Ctx,
  client: S3Client,
  config: S3DestinationConfig,
  signal: () => AbortSignal,
): Promise<void> {
  const { checks } = ctx
  const { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListPartsCommand } =
    await loadS3Sdk()
  try {
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: config.bucket,
        Key: `${ctx.key}.mpu`,
        ContentType: 'application/octet-stream',
      }),
      { abortSignal: signal() },
    )
    const uploadId = created.UploadId
    if (!uploadId) throw new UpshotError('SERVER_ERROR', 'The store gave no UploadId.')
    try {
      await client.send(
        new AbortMultipartUploadCommand({
          Bucket: config.bucket,
          Key: `${ctx.key}.mpu`,
          UploadId: uploadId,
        }),
        { abortSignal: signal() },
      )
    } catch (err) {
      // Uploads still work (the engine treats abort as best effort), so this is a pass.
      if (!isNotImplemented(err)) throw err
      checks.add(
        'multipart',
        'pass',
        true,
        'Created a multipart upload; this store cannot abort one (unfinished uploads stay until its own clean-up).',
      )
      return
    }
    let gone = 'aborted'
    try {
      await client.send(
        new ListPartsCommand({
          Bucket: config.bucket,
          Key: `${ctx.key}.mpu`,
          UploadId: uploadId,
        }),
        { abortSignal: signal() },
      )
      gone = 'aborted (the store still lists it; its lifecycle rule should clean up)'
    } catch (err) {
      if (isNotImplemented(err)) gone = 'aborted (this store cannot list parts; resumes re-send)'
    }
    checks.add('multipart', 'pass', true, `Created a multipart upload and ${gone}.`)
  } catch (err) {
    checks.add(
      'multipart',
      'fail',
      true,
      `${messageOf(err, config)} Files above the single-request size cannot be uploaded.`,
    )
  }
}
