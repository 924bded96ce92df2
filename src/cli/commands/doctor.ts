// `upshot doctor`: checks a destination the way uploads use it and prints one line per check.
import type { Command } from 'commander'
import { runDoctor, type DoctorReport } from '../../engine/destinations/doctor'
import { Ledger } from '../../engine/ledger'
import { defaultDataDir } from '../../engine/paths'
import { EXIT_JOB_FAILED, EXIT_OK } from '../shared'
import { resolveDestination, type TargetOptions } from '../target'
import { parsePositiveInt } from '../units'

interface DoctorOptions extends TargetOptions {
  dataDir?: string
  json?: boolean
  timeout?: string
}

const MARK = { pass: 'pass', fail: 'FAIL', skip: 'n/c ', warn: 'warn' } as const

export function registerDoctor(program: Command, setCode: (code: number) => void): void {
  program
    .command('doctor')
    .description('check a destination: credentials, bucket, write/read/delete, multipart, links')
    .argument('[name]', 'a saved destination (same as --to NAME)')
    .option('--to <target>', 's3://BUCKET[/PREFIX] | file:///ABS/DIR | a saved destination name')
    .option('--endpoint <url>', 'S3 endpoint (MinIO, R2, local servers); omit for AWS')
    .option('--region <name>', 'region; default from AWS config, else us-east-1')
    .option('--path-style', 'path-style addressing')
    .option('--public-url <base>', 'base URL of the links (CDN domain)')
    .option('--checksum <mode>', 'when_supported | when_required')
    .option('--private', 'check presigned links instead of public ones')
    .option('--expires <seconds>', 'presigned link lifetime; implies --private')
    .option('--timeout <seconds>', 'per request', '15')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .option('--json', 'print the report as JSON on stdout')
    .action(async (name: string | undefined, opts: DoctorOptions) => {
      setCode(await doctorCommand(name, opts))
    })
}

async function doctorCommand(name: string | undefined, opts: DoctorOptions): Promise<number> {
  const dataDir = opts.dataDir ?? defaultDataDir()
  const ledger = Ledger.open(dataDir)
  let config
  try {
    config = resolveDestination(
      { ...opts, ...(name ? { to: name } : {}) },
      { dataDir, ledger },
    ).config
  } finally {
    ledger.close()
  }
  const timeoutMs = parsePositiveInt(opts.timeout ?? '15', '--timeout', 600) * 1000
  const report = await runDoctor(config, { timeoutMs, dataDir })
  print(report, opts.json === true)
  return report.ok ? EXIT_OK : EXIT_JOB_FAILED
}

function print(report: DoctorReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    return
  }
  process.stdout.write(`Checking ${report.destination}\n`)
  for (const c of report.checks) {
    const note =
      c.status === 'fail' && !c.needed
        ? c.id === 'cdn-purge'
          ? ' (purges after deletes)'
          : ' (links only)'
        : ''
    process.stdout.write(`${MARK[c.status]}  ${c.label}${note}: ${c.detail}\n`)
  }
  process.stdout.write(
    report.ok
      ? '\nUploads to this destination work.\n'
      : '\nUploads to this destination will fail: fix the FAIL lines above.\n',
  )
}
