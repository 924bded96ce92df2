import type { Command } from 'commander'
import type { CleanupItem, CleanupReport } from '../../shared/cleanup'
import { UpshotError } from '../../shared/jobs'
import { createEngine, ownerIsDead } from '../../engine'
import { cleanupUploads } from '../../engine/cleanup'
import { defaultDataDir } from '../../engine/paths'
import { EXIT_JOB_FAILED, EXIT_OK } from '../shared'
import { resolveDestination, type TargetOptions } from '../target'
import { formatDuration, parseDuration } from '../units'
import { terminalText } from '../../shared/display-text'

interface CleanupOptions extends TargetOptions {
  olderThan: string
  dryRun?: boolean
  dataDir?: string
  json?: boolean
}

export function registerCleanup(program: Command, setCode: (code: number) => void): void {
  program
    .command('cleanup')
    .description(
      'abort stale multipart uploads Upshot started under the destination prefix (never others)',
    )
    .argument('[name]', 'a saved destination name (or use --to)')
    .option('--to <target>', 's3://BUCKET[/PREFIX] | a saved destination name')
    .option('--endpoint <url>', 'S3 endpoint (MinIO, R2, local servers); omit for AWS')
    .option('--region <name>', 'region; default from AWS config, else us-east-1')
    .option('--path-style', 'path-style addressing')
    .option('--older-than <duration>', 'only uploads begun at least this long ago', '24h')
    .option('--dry-run', 'list what would be aborted, abort nothing')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .option('--json', 'print exactly one JSON report on stdout')
    .action(async (name: string | undefined, opts: CleanupOptions) => {
      setCode(await cleanupCommand(name, opts))
    })
}

const LABEL: Record<CleanupItem['status'], string> = {
  aborted: 'aborted',
  'would-abort': 'would abort',
  recent: 'kept (recent)',
  'in-use': 'kept (in use)',
  foreign: 'kept (not Upshot)',
  failed: 'FAILED',
}

async function cleanupCommand(name: string | undefined, opts: CleanupOptions): Promise<number> {
  if (name && opts.to && name !== opts.to) {
    throw new UpshotError('CONFIG', 'Give the destination either as a name or with --to, not both.')
  }
  const to = opts.to ?? name
  if (!to) {
    throw new UpshotError(
      'CONFIG',
      'Name the destination to clean up: `upshot cleanup NAME` or --to s3://BUCKET[/PREFIX].',
    )
  }
  const olderThanMs = parseDuration(opts.olderThan, '--older-than')
  const engine = createEngine({ dataDir: opts.dataDir ?? defaultDataDir() })
  try {
    const dest = resolveDestination(
      { ...opts, to },
      { dataDir: engine.dataDir, ledger: engine.ledger },
    )
    const report = await cleanupUploads(engine.ledger, dest.config, {
      olderThanMs,
      dryRun: opts.dryRun === true,
      isDead: ownerIsDead,
    })
    printCleanup(report, opts.json === true)
    return report.summary.failed > 0 ? EXIT_JOB_FAILED : EXIT_OK
  } finally {
    await engine.close()
  }
}

function printCleanup(report: CleanupReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    return
  }
  for (const u of report.uploads) {
    const when = u.initiated ? `  (begun ${u.initiated})` : ''
    // Keys come from the bucket's listing: shown, never obeyed by the terminal.
    process.stdout.write(`${LABEL[u.status].padEnd(17)} ${terminalText(u.key)}${when}\n`)
    if (u.error) process.stdout.write(`      ${u.error.code}: ${terminalText(u.error.message)}\n`)
  }
  const s = report.summary
  if (s.listed === 0) {
    process.stdout.write(`No unfinished multipart uploads under ${report.destination}.\n`)
    return
  }
  const age = formatDuration(report.olderThanMs / 1000)
  const acted = report.dryRun ? `${s.wouldAbort} would be aborted` : `${s.aborted} aborted`
  process.stdout.write(
    `${s.listed} unfinished under ${report.destination}: ${acted}, ${s.kept} kept` +
      `${s.failed ? `, ${s.failed} failed` : ''} (age limit ${age}).\n`,
  )
}
