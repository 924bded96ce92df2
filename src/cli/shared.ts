import type { Command } from 'commander'
import type { RunReport } from '../shared/jobs'
import type { Engine, EngineOptions } from '../engine'
import { insecureEndpointWarning } from '../engine/destinations/warnings'
import { ledgerLocationWarning } from '../engine/ledger/location'
import type { DestinationConfig } from '../engine/types'
import { defaultDataDir } from '../engine/paths'
import { createProgressView } from './progress'
import { onStopSignals } from './stop'
import type { TargetOptions } from './target'
import { formatBytes, parsePositiveInt, parseSize } from './units'
import { terminalText } from '../shared/display-text'

export interface CommonOptions extends TargetOptions {
  preset: string
  dataDir?: string
  concurrency?: string
  limitRate?: string
  maxFileSize?: string
  memory?: string
  json?: boolean
}

export const EXIT_OK = 0
export const EXIT_JOB_FAILED = 1
export const EXIT_USAGE = 2

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--to <target>', 's3://BUCKET[/PREFIX] | file:///ABS/DIR | a saved destination name')
    .option('--endpoint <url>', 'S3 endpoint (MinIO, R2, local servers); omit for AWS')
    .option('--region <name>', 'region; default from AWS config, else us-east-1')
    .option('--path-style', 'path-style addressing')
    .option('--public-url <base>', 'base URL of the links (CDN domain)')
    .option(
      '--checksum <mode>',
      'SDK checksums: when_supported (AWS default) | when_required (default with --endpoint)',
    )
    .option('--private', 'links are presigned GET URLs (the bucket is not public)')
    .option(
      '--expires <seconds>',
      'lifetime of presigned links, 1-604800 (7 days); default 3600; implies --private',
    )
    .option('--preset <name>', 'variant preset', 'web')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .option('--concurrency <n>', 'parallel uploads')
    .option('--limit-rate <bytes>', 'upload bandwidth limit per second, e.g. 2M')
    .option('--max-file-size <bytes>', 'fail inputs larger than this, e.g. 2G')
    .option(
      '--memory <bytes>',
      'memory for the images being processed together, e.g. 1G; default a quarter of RAM (1-8G)',
    )
    .option('--json', 'print exactly one JSON report on stdout; progress only on stderr')
}

export function engineOptions(opts: CommonOptions): EngineOptions {
  return {
    dataDir: opts.dataDir ?? defaultDataDir(),
    ...(opts.concurrency
      ? { uploadConcurrency: parsePositiveInt(opts.concurrency, '--concurrency') }
      : {}),
    ...(opts.limitRate ? { bandwidthLimit: parseSize(opts.limitRate, '--limit-rate') } : {}),
    ...(opts.maxFileSize ? { maxFileBytes: parseSize(opts.maxFileSize, '--max-file-size') } : {}),
    ...(opts.memory ? { imageMemoryBudget: parseSize(opts.memory, '--memory') } : {}),
  }
}

/**
 * Says once per run, on stderr, what works but deserves a word: an endpoint in the clear, a
 * ledger on a network share.
 */
export function warnAboutSetup(dataDir: string, configs: readonly DestinationConfig[]): void {
  const warnings = new Set(
    [ledgerLocationWarning(dataDir), ...configs.map(insecureEndpointWarning)].filter(
      (w): w is string => w !== null,
    ),
  )
  for (const w of warnings) process.stderr.write(`upshot: warning: ${w}\n`)
}

/** Runs jobs with progress on stderr; SIGINT/SIGTERM give claims back so `resume` continues. */
export async function runWithProgress(
  engine: Engine,
  ids: readonly string[] | null,
): Promise<RunReport> {
  const total = ids?.length ?? engine.ledger.unfinishedJobIds().length
  const view = createProgressView(total)
  const off = engine.on((e) => view.onEvent(e))
  const ctl = new AbortController()
  const stop = onStopSignals(
    'Stopping: unfinished files stay in the ledger; `upshot resume` continues them.',
    () => {
      ctl.abort()
      engine.pause()
    },
  )
  try {
    return ids
      ? await engine.run(ids, { signal: ctl.signal })
      : await engine.resumeUnfinished({ signal: ctl.signal })
  } finally {
    off()
    view.stop()
    stop.off()
  }
}

export function printReport(report: RunReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    return
  }
  for (const j of report.jobs) {
    if (j.status === 'done') {
      const main = j.outputs.find((o) => o.variant === 'full') ?? j.outputs[j.outputs.length - 1]
      // Links come from the primary; a mirror still copying does not hold them back.
      const behind = j.outputs.some((o) => o.mirrors?.some((m) => m.state !== 'done'))
      process.stdout.write(
        `${j.deduplicated ? 'same ' : 'done '} ${terminalText(j.source)}${behind ? '  (mirror pending)' : ''}\n`,
      )
      if (main) process.stdout.write(`      ${main.url}\n`)
    } else {
      process.stdout.write(
        `${j.status.padEnd(5)} ${terminalText(j.source)}${j.error ? `\n      ${j.error.code}: ${terminalText(j.error.message)}` : ''}\n`,
      )
    }
  }
  const s = report.summary
  process.stdout.write(
    `\n${s.done} done, ${s.failed} failed, ${s.skipped} skipped${s.canceled ? `, ${s.canceled} canceled` : ''}; ` +
      `${formatBytes(s.bytesUploaded)} uploaded in ${s.seconds.toFixed(1)} s\n`,
  )
  for (const m of report.mirrors ?? []) {
    const state =
      m.pending + m.failed === 0
        ? `all ${m.done} copied`
        : `${m.done} copied, ${m.pending} pending, ${m.failed} failed` +
          (m.error ? ` (${m.error.code}: ${terminalText(m.error.message)})` : '') +
          '; `upshot resume` copies the rest'
    process.stdout.write(`mirror ${terminalText(m.mirror)}: ${state}\n`)
  }
  if (report.ledgerError) {
    process.stdout.write(`\nStopped early: ${report.ledgerError.message}\n`)
  }
}

export function exitCodeOf(report: RunReport): number {
  return !report.ledgerError &&
    report.jobs.every((j) => j.status === 'done' || j.status === 'skipped')
    ? EXIT_OK
    : EXIT_JOB_FAILED
}
