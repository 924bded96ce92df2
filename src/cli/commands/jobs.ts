import { Option, type Command } from 'commander'
import { createEngine } from '../../engine'
import { defaultDataDir } from '../../engine/paths'
import { EXIT_OK } from '../shared'
import { parsePositiveInt } from '../units'
import { terminalText } from '../../shared/display-text'

interface JobsOptions {
  all?: boolean
  dataDir?: string
  json?: boolean
  limit: string
}

export function registerJobs(program: Command, setCode: (code: number) => void): void {
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
    .action(async (opts: JobsOptions) => {
      setCode(await jobsCommand(opts))
    })
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
          `${j.state.padEnd(10)} ${j.updatedAt}  ${terminalText(j.source)}${j.error ? `  (${j.error.code})` : ''}\n`,
        )
      }
    }
    return EXIT_OK
  } finally {
    await engine.close()
  }
}
