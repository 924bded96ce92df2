// Runs the built `upshot` command (bin/upshot.mjs) as a user would, with a fresh data directory.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { awsEnv } from './machine.mjs'
import { run, tmpName } from './proc.mjs'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const UPSHOT_BIN = path.join(ROOT, 'bin/upshot.mjs')

/**
 * `upshot upload <inputs> <targetArgs> --json` with a new data dir (no ledger history, so nothing
 * is deduplicated). Returns the run with its parsed report; throws when a job did not finish.
 * opts.cli: another build of the CLI to run instead of bin/upshot.mjs.
 */
export async function upshotUpload(inputs, targetArgs, opts = {}) {
  const dataDir = tmpName('data')
  try {
    const r = await run(
      process.execPath,
      [opts.cli ?? UPSHOT_BIN, 'upload', ...inputs, ...targetArgs, '--data-dir', dataDir, '--json'],
      { env: { ...awsEnv(), ...(opts.env ?? {}) }, rss: opts.rss ?? false },
    )
    let report = null
    try {
      report = JSON.parse(r.stdout)
    } catch {
      // reported below
    }
    const jobs = report?.jobs ?? []
    const bad = jobs.filter((j) => j.status !== 'done')
    if (r.code !== 0 || !report || bad.length > 0) {
      const why =
        bad[0]?.error?.message ?? report?.error?.message ?? r.stderr.trim().split('\n').pop()
      throw new Error(`upshot failed (exit ${r.code}, ${bad.length} jobs not done): ${why}`)
    }
    return { ...r, report }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Arguments that send to the sink: a new prefix per run, so no run sees another's objects. */
export function sinkTarget(endpoint, prefix) {
  return [
    '--to',
    `s3://bench/${prefix}`,
    '--endpoint',
    endpoint,
    '--path-style',
    '--region',
    'us-east-1',
  ]
}
