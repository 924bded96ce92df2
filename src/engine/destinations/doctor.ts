// The connection doctor: tries, one request at a time, everything an upload and its links need,
// and says per check whether it passed, failed (with what to do) or could not be checked. Used by
// `upshot doctor` and the app's "Test connection". Plain Node, no electron.

import { checkPurge } from '../cdn/check'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createDestination } from '../storage'
import { describeStore } from '../storage/client'
import type { DestinationConfig } from '../types'
import { Checks, LABELS, type DoctorCheck } from './doctor/checks'
import { PROBE_BODY, type Ctx } from './doctor/context'
import { setupChecks } from './doctor/environment'
import { doctorLocal } from './doctor/local'
import { doctorS3 } from './doctor/s3'

export type { CheckStatus, DoctorCheck } from './doctor/checks'

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

function describeDestination(config: DestinationConfig): string {
  if (config.kind === 'local') return `folder ${config.dir}`
  return `bucket "${config.bucket}" at ${describeStore(config)}`
}
