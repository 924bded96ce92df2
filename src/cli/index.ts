import { Command, CommanderError } from 'commander'
import { UpshotError, type JobError } from '../shared/jobs'
import { registerDelete } from './commands/delete'
import { registerDest } from './commands/dest'
import { registerDoctor } from './commands/doctor'
import { registerCleanup } from './commands/cleanup'
import { registerJobs } from './commands/jobs'
import { registerMd } from './commands/md'
import { registerLs } from './commands/ls'
import { registerPurge } from './commands/purge'
import { registerVerify } from './commands/verify'
import { registerResume } from './commands/resume'
import { registerServe } from './commands/serve'
import { registerSync } from './commands/sync'
import { registerUpload } from './commands/upload'
import { registerUi } from './commands/ui'
import { EXIT_JOB_FAILED, EXIT_OK, EXIT_USAGE } from './shared'
import path from 'node:path'
import { endIfStopped } from './stop'
import { toJobError } from '../engine'
import { ledgerError } from '../engine/ledger/health'
import { defaultDataDir } from '../engine/paths'

declare const UPSHOT_VERSION: string

// The AWS SDK warns on each run that its releases after January 2027 need Node 22. That is a
// note for us, the maintainers, not for someone uploading photos: keep it off their terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

/** The ledger a command used: SQLite's errors do not name their file, the message must. */
function ledgerFileOf(argv: readonly string[]): string {
  const at = argv.findIndex((a) => a === '--data-dir' || a.startsWith('--data-dir='))
  const given = at === -1 ? undefined : argv[at]!.includes('=') ? argv[at]!.slice(11) : argv[at + 1]
  return path.join(given ? path.resolve(given) : defaultDataDir(), 'ledger.sqlite')
}

function usageFailure(err: unknown, json: boolean, argv: readonly string[]): number {
  const ledger = ledgerError(err, ledgerFileOf(argv))
  const error: JobError = ledger
    ? { code: ledger.code, message: ledger.message }
    : err instanceof UpshotError
      ? { code: err.code, message: err.message }
      : toJobError(err)
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

  const setCode = (c: number): void => {
    code = c
  }
  // One module per command: src/cli/commands/<name>.ts
  registerUpload(program, setCode)
  registerMd(program, setCode)
  registerServe(program, setCode)
  registerResume(program, setCode)
  registerJobs(program, setCode)
  registerSync(program, setCode)
  registerDest(program, setCode)
  registerDoctor(program, setCode)
  registerCleanup(program, setCode)
  registerUi(program, setCode)
  registerDelete(program, setCode)
  registerPurge(program, setCode)
  registerLs(program, setCode)
  registerVerify(program, setCode)

  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    }
    return usageFailure(err, wantsJson, argv)
  }
  return code
}

main(process.argv.slice(2)).then(
  async (code) => {
    process.exitCode = code
    await endIfStopped()
  },
  (err: unknown) => {
    process.stderr.write(`upshot: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = EXIT_JOB_FAILED
  },
)
