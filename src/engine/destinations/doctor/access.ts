// Whether the store lets these credentials in, and whether the bucket is there in that region.
// Each refusal ends the run; the checks it makes pointless are marked skipped with the reason.

import { httpStatus, errorCode, toUpshotError } from '../../storage/errors'
import { loadS3Sdk } from '../../storage/sdk'
import { LABELS, type DoctorCheck } from './checks'
import { addClock } from './clock'
import type { S3Ctx } from './context'

/** False when the run cannot go on. */
export async function checkAccess(s3: S3Ctx): Promise<boolean> {
  const { ctx, config, client, dates, where, signal } = s3
  const { checks, timeoutMs } = ctx
  const { HeadBucketCommand, ListObjectsV2Command } = await loadS3Sdk()
  try {
    await client.config.credentials()
  } catch {
    checks.add(
      'credentials',
      'fail',
      true,
      "No credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (in the app: the destination's keys).",
    )
    checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'no credentials.')
    return false
  }
  const source = config.credentials
    ? 'the keys stored for this destination'
    : 'the AWS credential chain (env, AWS_PROFILE, ~/.aws)'
  let bucketKnown = false
  try {
    await client.send(
      new ListObjectsV2Command({
        Bucket: config.bucket,
        MaxKeys: 1,
        Prefix: [config.prefix, '.upshot-probe/'].filter(Boolean).join('/'),
      }),
      { abortSignal: signal() },
    )
    checks.add('credentials', 'pass', true, `${where} accepted ${source}.`)
    bucketKnown = true
  } catch (err) {
    const code = errorCode(err)
    const mapped = toUpshotError(err, { bucket: config.bucket, where })
    if (mapped.code === 'INVALID_CREDENTIALS') {
      checks.add('credentials', 'fail', true, mapped.message)
      addClock(checks, dates, where)
      checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the credentials were refused.')
      return false
    }
    if (mapped.code === 'NETWORK' || signalAborted(err)) {
      const msg = signalAborted(err)
        ? `${where} did not answer within ${Math.round(timeoutMs / 1000)} s; check the endpoint and the network.`
        : mapped.message
      checks.add('credentials', 'fail', true, msg)
      checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], `${where} cannot be reached.`)
      return false
    }
    if (mapped.code === 'CLOCK_SKEW') {
      checks.add('credentials', 'fail', true, mapped.message)
      addClock(checks, dates, where)
      checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the clock is off.')
      return false
    }
    // Anything else means the signature was accepted: the key is fine.
    checks.add('credentials', 'pass', true, `${where} accepted ${source}.`)
    if (mapped.code === 'NO_SUCH_BUCKET') {
      checks.add(
        'bucket',
        'fail',
        true,
        `The bucket "${config.bucket}" is missing at ${where}: create it, or fix the bucket name (and endpoint).`,
      )
      addClock(checks, dates, where)
      checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the bucket is missing.')
      return false
    }
    if (mapped.code === 'CONFIG' && code !== 'InvalidBucketName') {
      // AWS names the bucket's real region in a header of the refusal.
      const actual = (err as { $response?: { headers?: Record<string, string> } }).$response
        ?.headers?.['x-amz-bucket-region']
      checks.add(
        'bucket',
        'fail',
        true,
        actual && actual !== config.region
          ? `The bucket "${config.bucket}" is in ${actual}, not ${config.region}: set the region to ${actual}.`
          : mapped.message,
      )
      addClock(checks, dates, where)
      checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the region is wrong.')
      return false
    }
    if (mapped.code !== 'ACCESS_DENIED') {
      checks.add('bucket', 'fail', true, mapped.message)
      addClock(checks, dates, where)
      checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the bucket cannot be used.')
      return false
    }
    // Listing is denied (uploads do not need it): HEAD the bucket instead.
  }
  try {
    const head = await client.send(new HeadBucketCommand({ Bucket: config.bucket }), {
      abortSignal: signal(),
    })
    const actual = head.BucketRegion
    if (actual && config.region !== 'auto' && actual !== config.region && !config.endpoint) {
      checks.add(
        'bucket',
        'fail',
        true,
        `The bucket "${config.bucket}" is in ${actual}, not ${config.region}: set the region to ${actual}.`,
      )
      return false
    }
    checks.add(
      'bucket',
      'pass',
      true,
      `The bucket "${config.bucket}" is there${actual ? ` (region ${actual})` : ''}.`,
    )
  } catch (err) {
    const status = httpStatus(err)
    if (status === 404) {
      checks.add(
        'bucket',
        'fail',
        true,
        `The bucket "${config.bucket}" is missing at ${where}: create it, or fix the bucket name (and endpoint).`,
      )
      checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the bucket is missing.')
      return false
    }
    if (status === 301) {
      checks.add(
        'bucket',
        'fail',
        true,
        `The bucket "${config.bucket}" is not in region ${config.region} at ${where}; set its region.`,
      )
      return false
    }
    if (bucketKnown) checks.add('bucket', 'pass', true, `The bucket "${config.bucket}" is there.`)
    else
      checks.add(
        'bucket',
        'skip',
        true,
        `Not checked: these credentials may not list or HEAD the bucket; the write below tells whether uploads work.`,
      )
  }
  return true
}

function signalAborted(err: unknown): boolean {
  const name = (err as { name?: string }).name
  return name === 'AbortError' || name === 'TimeoutError'
}
