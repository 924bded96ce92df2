// The connection doctor: tries, one request at a time, everything an upload and its links need,
// and says per check whether it passed, failed (with what to do) or could not be checked. Used by
// `upshot doctor` and the app's "Test connection". Plain Node, no electron.

import { checkPurge } from '../cdn/check'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { UpshotError } from '../../shared/jobs'
import { createDestination } from '../storage'
import { createS3Client, describeStore } from '../storage/client'
import { digestOf } from '../storage/digest'
import { errorCode, httpStatus, isNotImplemented, toUpshotError } from '../storage/errors'
import { S3Destination } from '../storage/s3'
import { loadS3Sdk } from '../storage/sdk'
import type { Destination, DestinationConfig, S3DestinationConfig } from '../types'
import { ledgerLocationWarning } from '../ledger/location'
import { insecureEndpointWarning } from './warnings'

/** warn: works, but something is worth changing (plain http://, a ledger on a network share). */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'warn'

export interface DoctorCheck {
  id:
    | 'credentials'
    | 'bucket'
    | 'write'
    | 'read'
    | 'delete'
    | 'multipart'
    | 'checksum'
    | 'clock'
    | 'public-link'
    | 'presigned-link'
    | 'transport'
    | 'ledger'
    | 'cdn-purge'
  label: string
  status: CheckStatus
  /** Uploads (or a private destination's links) do not work when this one fails. */
  needed: boolean
  /** One sentence: what happened and, on failure, what to do. */
  detail: string
}

export interface DoctorReport {
  /** Every needed check passed. */
  ok: boolean
  destination: string
  checks: DoctorCheck[]
}

export interface DoctorOptions {
  /** Per request; default 15 s. */
  timeoutMs?: number
  /** For the public and presigned links; default global fetch. */
  fetch?: typeof fetch
  /** The data directory whose ledger uploads would use: checked for a network share. */
  dataDir?: string
}

/** SigV4 requests are refused beyond 15 minutes of difference. */
const MAX_SKEW_MS = 15 * 60_000
const WARN_SKEW_MS = 60_000

const LABELS: Record<DoctorCheck['id'], string> = {
  credentials: 'Credentials accepted',
  bucket: 'Bucket exists (and region)',
  write: 'Write an object',
  read: 'Read it back',
  delete: 'Delete it',
  multipart: 'Multipart upload (create + abort)',
  checksum: 'Checksum headers accepted',
  clock: 'Clock skew',
  'public-link': 'Public link',
  'presigned-link': 'Presigned link',
  transport: 'Encrypted connection',
  ledger: 'Ledger on a local disk',
  'cdn-purge': 'CDN purge (a harmless path)',
}

const PROBE_BODY = 'Upshot connection check: this object is deleted right after it is written.\n'

class Checks {
  readonly list: DoctorCheck[] = []
  add(id: DoctorCheck['id'], status: CheckStatus, needed: boolean, detail: string): void {
    this.list.push({ id, label: LABELS[id], status, needed, detail })
  }
  skipRest(ids: DoctorCheck['id'][], reason: string, needed = true): void {
    for (const id of ids) {
      if (!this.list.some((c) => c.id === id))
        this.add(id, 'skip', needed, `Not checked: ${reason}`)
    }
  }
}

export async function runDoctor(
  config: DestinationConfig,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const checks = new Checks()
  const timeoutMs = options.timeoutMs ?? 15_000
  const doFetch = options.fetch ?? fetch
  const key = [config.prefix, '.upshot-probe', `${randomUUID()}.txt`].filter(Boolean).join('/')
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-doctor-'))
  const file = path.join(tmp, 'probe.txt')
  fs.writeFileSync(file, PROBE_BODY)
  const dest = createDestination(config, { maxAttempts: 2 })
  const ctx: Ctx = { config, dest, key, file, checks, timeoutMs, doFetch, written: false }
  setupChecks(checks, config, options.dataDir)
  try {
    if (config.kind === 's3') await doctorS3(ctx, config)
    else await doctorLocal(ctx)
    // Deletes still work without it; the purge after them would not.
    const purge = await checkPurge(dest)
    if (purge) checks.add('cdn-purge', purge.status, false, purge.detail)
  } finally {
    if (ctx.written) await dest.deleteObject(key).catch(() => {})
    dest.close()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  const order = Object.keys(LABELS)
  const list = [...checks.list].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id))
  return {
    ok: list.every((c) => c.status !== 'fail' || !c.needed),
    destination: describeDestination(config),
    checks: list,
  }
}

/** What works but deserves a word: an endpoint in the clear, a ledger on a network share. */
function setupChecks(checks: Checks, config: DestinationConfig, dataDir?: string): void {
  if (config.kind === 's3') {
    const warning = insecureEndpointWarning(config)
    const local = config.endpoint?.startsWith('http:')
    checks.add(
      'transport',
      warning ? 'warn' : 'pass',
      false,
      warning ??
        (local
          ? 'Plain http:// to this computer only: nothing crosses a network.'
          : 'https://: keys, files and links are encrypted on the way.'),
    )
  } else {
    checks.add(
      'transport',
      'skip',
      false,
      'Not checked: a local folder sends nothing over a network.',
    )
  }
  if (dataDir !== undefined) {
    const warning = ledgerLocationWarning(dataDir)
    checks.add(
      'ledger',
      warning ? 'warn' : 'pass',
      false,
      warning ?? `${dataDir} is on a local disk.`,
    )
  }
}

interface Ctx {
  config: DestinationConfig
  dest: Destination
  key: string
  file: string
  checks: Checks
  timeoutMs: number
  doFetch: typeof fetch
  written: boolean
}

function describeDestination(config: DestinationConfig): string {
  if (config.kind === 'local') return `folder ${config.dir}`
  return `bucket "${config.bucket}" at ${describeStore(config)}`
}

function messageOf(err: unknown, config: S3DestinationConfig): string {
  return toUpshotError(err, { bucket: config.bucket, where: describeStore(config) }).message
}

async function writeProbe(ctx: Ctx): Promise<boolean> {
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

async function deleteProbe(ctx: Ctx): Promise<void> {
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
async function fetchProbe(
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

async function publicLink(ctx: Ctx, url: string): Promise<void> {
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

async function doctorLocal(ctx: Ctx): Promise<void> {
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

async function doctorS3(ctx: Ctx, config: S3DestinationConfig): Promise<void> {
  const { checks, timeoutMs } = ctx
  const client = await createS3Client(config, 4)
  const {
    DeleteObjectCommand,
    GetObjectCommand,
    HeadBucketCommand,
    ListObjectsV2Command,
    PutObjectCommand,
  } = await loadS3Sdk()
  const dates: number[] = []
  watchServerClock(client, dates)
  const where = describeStore(config)
  const signal = (): AbortSignal => AbortSignal.timeout(timeoutMs)
  try {
    // --- credentials and bucket
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
      return
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
        return
      }
      if (mapped.code === 'NETWORK' || signalAborted(err)) {
        const msg = signalAborted(err)
          ? `${where} did not answer within ${Math.round(timeoutMs / 1000)} s; check the endpoint and the network.`
          : mapped.message
        checks.add('credentials', 'fail', true, msg)
        checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], `${where} cannot be reached.`)
        return
      }
      if (mapped.code === 'CLOCK_SKEW') {
        checks.add('credentials', 'fail', true, mapped.message)
        addClock(checks, dates, where)
        checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the clock is off.')
        return
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
        return
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
        return
      }
      if (mapped.code !== 'ACCESS_DENIED') {
        checks.add('bucket', 'fail', true, mapped.message)
        addClock(checks, dates, where)
        checks.skipRest(Object.keys(LABELS) as DoctorCheck['id'][], 'the bucket cannot be used.')
        return
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
        return
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
        return
      }
      if (status === 301) {
        checks.add(
          'bucket',
          'fail',
          true,
          `The bucket "${config.bucket}" is not in region ${config.region} at ${where}; set its region.`,
        )
        return
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

    // --- links
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

    // --- checksum headers
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

    await checkMultipart(ctx, client, config, signal)
    await deleteProbe(ctx)
    addClock(checks, dates, where)
  } finally {
    client.destroy()
  }
}

async function checkMultipart(
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

function signalAborted(err: unknown): boolean {
  const name = (err as { name?: string }).name
  return name === 'AbortError' || name === 'TimeoutError'
}

/** Records the server's Date header of every response (errors included), to measure skew. */
function watchServerClock(client: S3Client, dates: number[]): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const sent = Date.now()
      const out = await next(args)
      const date = (out.response as { headers?: Record<string, string> }).headers?.date
      const server = date ? Date.parse(date) : NaN
      // The Date header has one-second resolution: compare with the middle of the request.
      if (!Number.isNaN(server)) dates.push(server + 500 - (sent + Date.now()) / 2)
      return out
    },
    { step: 'deserialize', priority: 'low', name: 'upshotServerClock' },
  )
}

function addClock(checks: Checks, skews: number[], where: string): void {
  if (skews.length === 0) {
    checks.add('clock', 'skip', true, `Not checked: ${where} sent no Date header.`)
    return
  }
  const sorted = [...skews].sort((a, b) => a - b)
  const skew = sorted[Math.floor(sorted.length / 2)]!
  const s = Math.round(Math.abs(skew) / 1000)
  const side = skew > 0 ? 'behind' : 'ahead of'
  if (Math.abs(skew) > MAX_SKEW_MS) {
    checks.add(
      'clock',
      'fail',
      true,
      `This computer's clock is ${s} s ${side} ${where}'s; signed requests fail beyond 15 minutes: set the clock automatically.`,
    )
  } else if (Math.abs(skew) > WARN_SKEW_MS) {
    checks.add(
      'clock',
      'pass',
      true,
      `The clock is ${s} s ${side} the server's: within the 15 minutes signing allows, but set it automatically.`,
    )
  } else {
    checks.add(
      'clock',
      'pass',
      true,
      `The clock matches the server's (within ${Math.max(1, s)} s).`,
    )
  }
}
