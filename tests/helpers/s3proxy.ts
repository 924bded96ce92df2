// The fixture most integration tests share: a local S3 server, the counting/fault proxy in front
// of it and a scratch folder, started before a file's tests and removed after them.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startProxy, type TestProxy } from './proxy'
import { startTestS3, type TestS3 } from './s3server'

export interface S3ProxyWork {
  s3: TestS3
  proxy: TestProxy
  work: string
}

export async function startS3Proxy(tmpPrefix: string): Promise<S3ProxyWork> {
  const s3 = await startTestS3()
  const proxy = await startProxy(s3.endpoint)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix))
  return { s3, proxy, work }
}

/** Tolerates a fixture that did not finish starting (its parts are then undefined). */
export async function stopS3Proxy(f: Partial<S3ProxyWork>): Promise<void> {
  await f.proxy?.close()
  await f.s3?.stop()
  if (f.work) fs.rmSync(f.work, { recursive: true, force: true })
}
