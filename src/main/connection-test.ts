// "Test connection": tries, one step at a time, what an upload needs (reach the bucket, write,
// read back, delete) and what links need (the public URL serves the object), and says in one
// sentence per step what worked and what did not. Free of 'electron'.

import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ConnectionCheck, ConnectionReport } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { toJobError } from './engine'
import { createDestination } from './engine/storage'
import type { DestinationConfig } from './engine/types'

const PROBE_BODY = 'Upshot connection test: this object is deleted right after it is written.\n'

export interface ConnectionTestOptions {
  /** Fetches the public URL; default global fetch with a timeout. */
  fetchStatus?: (url: string, timeoutMs: number) => Promise<number>
  timeoutMs?: number
}

export async function testConnection(
  config: DestinationConfig,
  options: ConnectionTestOptions = {},
): Promise<ConnectionReport> {
  const checks: ConnectionCheck[] = []
  const dest = createDestination(config, { maxAttempts: 2 })
  const timeoutMs = options.timeoutMs ?? 15_000
  const where = config.kind === 's3' ? `bucket "${config.bucket}"` : `folder ${config.dir}`
  const key = [config.prefix, '.upshot-probe', `${randomUUID()}.txt`].filter(Boolean).join('/')
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-probe-'))
  const file = path.join(tmp, 'probe.txt')
  fs.writeFileSync(file, PROBE_BODY)
  let written = false

  const step = async (
    label: string,
    run: (signal: AbortSignal) => Promise<string>,
    optional = false,
  ): Promise<boolean> => {
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const detail = await run(signal)
      checks.push({ label, ok: true, detail, ...(optional ? { optional } : {}) })
      return true
    } catch (err) {
      const detail = signal.aborted
        ? `No answer within ${Math.round(timeoutMs / 1000)} seconds.`
        : toJobError(err).message
      checks.push({ label, ok: false, detail, ...(optional ? { optional } : {}) })
      return false
    }
  }

  try {
    if (config.kind === 's3') {
      checks.push({
        label: 'Credentials',
        ok: true,
        detail: config.credentials
          ? 'Using the access key stored for this destination.'
          : 'No key stored: using the AWS environment variables or profile of this computer.',
      })
    }
    const reached = await step(`Reach the ${where}`, async (signal) => {
      // A HEAD of a key that does not exist answers 404 when the bucket is there and ours.
      await dest.head(key, signal)
      return config.kind === 's3'
        ? `The ${where} answered.`
        : `The folder exists or will be created.`
    })
    if (!reached) return finish()
    written = await step('Write an object', async (signal) => {
      await dest.put({
        key,
        filePath: file,
        size: Buffer.byteLength(PROBE_BODY),
        contentType: 'text/plain; charset=utf-8',
        cacheControl: 'no-store',
        metadata: {},
        signal,
        multipart: { onCreate: () => {}, onPart: () => {} },
      })
      return `Wrote ${key}.`
    })
    if (!written) return finish()
    await step('Read it back', async (signal) => {
      const head = await dest.head(key, signal)
      if (!head) throw new UpshotError('VERIFY_FAILED', 'The object just written is not there.')
      if (head.size !== Buffer.byteLength(PROBE_BODY)) {
        throw new UpshotError(
          'VERIFY_FAILED',
          `The object has ${head.size} bytes instead of ${Buffer.byteLength(PROBE_BODY)}.`,
        )
      }
      return 'The object is there with the right size.'
    })
    const url = dest.urlFor(key)
    if (url.startsWith('http')) {
      await step(
        'Open the public link',
        async () => {
          const status = await (options.fetchStatus ?? fetchStatus)(url, timeoutMs)
          if (status >= 200 && status < 300) return `${url} is readable: links will work.`
          throw new UpshotError(
            'ACCESS_DENIED',
            `${url} answered HTTP ${status}: the objects are not public there, so links will not open for others (set a public URL or a bucket policy).`,
          )
        },
        true,
      )
    }
    await step('Delete it', async () => {
      await dest.deleteObject(key)
      written = false
      return 'Deleted: removing uploads from the history will work.'
    })
    return finish()
  } finally {
    if (written) await dest.deleteObject(key).catch(() => {})
    dest.close()
    fs.rmSync(tmp, { recursive: true, force: true })
  }

  function finish(): ConnectionReport {
    return { ok: checks.every((c) => c.ok || c.optional), checks }
  }
}

async function fetchStatus(url: string, timeoutMs = 15_000): Promise<number> {
  const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) })
  await res.body?.cancel()
  return res.status
}
