import { Command, CommanderError, Option } from 'commander'
import { UpshotError, type JobError, type RunReport } from '../shared/jobs'
import { createProgressView } from './cli/progress'
import { resolveDestination, type TargetOptions } from './cli/target'
import { formatBytes, parsePositiveInt, parseSize } from './cli/units'
import { createEngine, toJobError, type Engine, type EngineOptions } from './engine'
import { defaultDataDir } from './engine/paths'

declare const UPSHOT_VERSION: string

interface CommonOptions extends TargetOptions {
  preset: string
  dataDir?: string
  concurrency?: string
  limitRate?: string
  maxFileSize?: string
  json?: boolean
}

const EXIT_OK = 0
const EXIT_JOB_FAILED = 1
const EXIT_USAGE = 2

function addCommonOptions(cmd: Command): Command {
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
    .option('--preset <name>', 'variant preset', 'web')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .option('--concurrency <n>', 'parallel uploads')
    .option('--limit-rate <bytes>', 'upload bandwidth limit per second, e.g. 2M')
    .option('--max-file-size <bytes>', 'fail inputs larger than this, e.g. 2G')
    .option('--json', 'print exactly one JSON report on stdout; progress only on stderr')
}

function engineOptions(opts: CommonOptions): EngineOptions {
  return {
    dataDir: opts.dataDir ?? defaultDataDir(),
    ...(opts.concurrency
      ? { uploadConcurrency: parsePositiveInt(opts.concurrency, '--concurrency') }
      : {}),
    ...(opts.limitRate ? { bandwidthLimit: parseSize(opts.limitRate, '--limit-rate') } : {}),
    ...(opts.maxFileSize ? { maxFileBytes: parseSize(opts.maxFileSize, '--max-file-size') } : {}),
  }
}

/** Runs jobs with progress on stderr; SIGINT/SIGTERM give claims back so `resume` continues. */
async function runWithProgress(engine: Engine, ids: readonly string[] | null): Promise<RunReport> {
  const total = ids?.length ?? engine.ledger.unfinishedJobIds().length
  const view = createProgressView(total)
  const off = engine.on((e) => view.onEvent(e))
  const ctl = new AbortController()
  let interrupted = false
  const onSignal = (): void => {
    if (interrupted) process.exit(130)
    interrupted = true
    process.stderr.write(
      '\nStopping: unfinished files stay in the ledger; `upshot resume` continues them.\n',
    )
    ctl.abort()
    engine.pause()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    return ids
      ? await engine.run(ids, { signal: ctl.signal })
      : await engine.resumeUnfinished({ signal: ctl.signal })
  } finally {
    off()
    view.stop()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

function printReport(report: RunReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    return
  }
  for (const j of report.jobs) {
    if (j.status === 'done') {
      const main = j.outputs.find((o) => o.variant === 'full') ?? j.outputs[j.outputs.length - 1]
      process.stdout.write(`${j.deduplicated ? 'same ' : 'done '} ${j.source}\n`)
      if (main) process.stdout.write(`      ${main.url}\n`)
    } else {
      process.stdout.write(
        `${j.status.padEnd(5)} ${j.source}${j.error ? `\n      ${j.error.code}: ${j.error.message}` : ''}\n`,
      )
    }
  }
  const s = report.summary
  process.stdout.write(
    `\n${s.done} done, ${s.failed} failed, ${s.skipped} skipped${s.canceled ? `, ${s.canceled} canceled` : ''}; ` +
      `${formatBytes(s.bytesUploaded)} uploaded in ${s.seconds.toFixed(1)} s\n`,
  )
}

function exitCodeOf(report: RunReport): number {
  return report.jobs.every((j) => j.status === 'done' || j.status === 'skipped')
    ? EXIT_OK
    : EXIT_JOB_FAILED
}

async function uploadCommand(paths: string[], opts: CommonOptions): Promise<number> {
  const engine = createEngine(engineOptions(opts))
  try {
    const dest = resolveDestination(opts, { dataDir: engine.dataDir, ledger: engine.ledger })
    const ids = await engine.enqueue(paths, {
      destination: dest.config,
      ...(dest.name ? { destinationName: dest.name } : {}),
      preset: opts.preset,
    })
    const report = await runWithProgress(engine, ids)
    printReport(report, opts.json === true)
    return exitCodeOf(report)
  } finally {
    await engine.close()
  }
}

async function resumeCommand(opts: CommonOptions): Promise<number> {
  const engine = createEngine(engineOptions(opts))
  try {
    const report = await runWithProgress(engine, null)
    printReport(report, opts.json === true)
    return exitCodeOf(report)
  } finally {
    await engine.close()
  }
}

async function jobsCommand(opts: {
  all?: boolean
  dataDir?: string
  json?: boolean
  limit: string
}): Promise<number> {
  const engine = createEngine({ dataDir: opts.dataDir ?? defaultDataDir() })
  try {
    const rows = engine.ledger.listJobs({
      all: opts.all === true,
      limit: parsePositiveInt(opts.limit, '--limit', 1_000_000),
    })
    const jobs = rows.map((r) => ({
      id: r.id,
      source: r.source,
      state: r.state,
      sha256: r.sha256,
      attempts: r.attempts,
      error: r.error_code ? { code: r.error_code, message: r.error_message } : null,
      updatedAt: new Date(r.updated_at).toISOString(),
    }))
    if (opts.json) {
      process.stdout.write(JSON.stringify({ jobs }, null, 2) + '\n')
    } else if (jobs.length === 0) {
      process.stdout.write(opts.all ? 'No jobs in the ledger.\n' : 'No unfinished jobs.\n')
    } else {
      for (const j of jobs) {
        process.stdout.write(
          `${j.state.padEnd(10)} ${j.updatedAt}  ${j.source}${j.error ? `  (${j.error.code})` : ''}\n`,
        )
      }
    }
    return EXIT_OK
  } finally {
    await engine.close()
  }
}

function usageFailure(err: unknown, json: boolean): number {
  const error: JobError =
    err instanceof UpshotError ? { code: err.code, message: err.message } : toJobError(err)
  if (json) process.stdout.write(JSON.stringify({ error }, null, 2) + '\n')
  process.stderr.write(`upshot: ${error.message}\n`)
  return err instanceof UpshotError && err.code === 'CONFIG' ? EXIT_USAGE : EXIT_JOB_FAILED
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
  program
    .name('upshot')
    .description(
      'Make web-ready image variants and upload them to S3, R2 or any S3-compatible store.',
    )
    .version(typeof UPSHOT_VERSION === 'string' ? UPSHOT_VERSION : 'dev')
    .exitOverride()
    .showHelpAfterError()
  let code = EXIT_OK
  const wantsJson = argv.includes('--json')

  addCommonOptions(
    program
      .command('upload')
      .description('upload files and folders (folders recursively; hidden files skipped)')
      .argument('<path...>', 'files and folders'),
  ).action(async (paths: string[], opts: CommonOptions) => {
    code = await uploadCommand(paths, opts)
  })

  addCommonOptions(
    program
      .command('resume')
      .description('finish every unfinished job in the ledger (after a crash or kill)'),
  ).action(async (opts: CommonOptions) => {
    code = await resumeCommand(opts)
  })

  program
    .command('jobs')
    .description('list jobs (unfinished by default)')
    .option('--all', 'every job, newest first')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .addOption(new Option('--limit <n>', 'at most this many').default('200'))
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { all?: boolean; dataDir?: string; json?: boolean; limit: string }) => {
      code = await jobsCommand(opts)
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    }
    return usageFailure(err, wantsJson)
  }
  return code
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`upshot: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = EXIT_JOB_FAILED
  },
)
