// Whether the store takes the Content-MD5 and CRC32 headers uploads send.

import { digestOf } from '../../storage/digest'
import { errorCode, httpStatus } from '../../storage/errors'
import { loadS3Sdk } from '../../storage/sdk'
import { PROBE_BODY, type S3Ctx } from './context'

export async function checkChecksum(s3: S3Ctx): Promise<void> {
  const { ctx, config, client, signal } = s3
  const { checks } = ctx
  const { DeleteObjectCommand, PutObjectCommand } = await loadS3Sdk()
  const crcKey = `${ctx.key}.crc`
  const body = Buffer.from(PROBE_BODY)
  const digest = digestOf(body, true)
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: crcKey,
        Body: body,
        ContentLength: body.length,
        ContentMD5: digest.md5Base64,
        ChecksumCRC32: digest.crc32Base64!,
      }),
      { abortSignal: signal() },
    )
    checks.add('checksum', 'pass', true, 'Content-MD5 and CRC32 checksum headers are accepted.')
    await client
      .send(new DeleteObjectCommand({ Bucket: config.bucket, Key: crcKey }))
      .catch(() => {})
  } catch (err) {
    if (config.checksum === 'WHEN_SUPPORTED') {
      checks.add(
        'checksum',
        'fail',
        true,
        `The store refused a CRC32 checksum header (${errorCode(err) || httpStatus(err)}); use --checksum when_required (app: untick "Send CRC32 checksums").`,
      )
    } else {
      checks.add(
        'checksum',
        'pass',
        true,
        `Content-MD5 is accepted (the write above); CRC32 headers are refused here, and Upshot does not send them to this destination.`,
      )
    }
  }
}
