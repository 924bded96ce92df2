import type { Command } from 'commander'
import { createEngine } from '../../engine'
import {
  addCommonOptions,
  engineOptions,
  exitCodeOf,
  printReport,
  runWithProgress,
  warnAboutSetup,
  type CommonOptions,
} from '../shared'

export function registerResume(program: Command, setCode: (code: number) => void): void {
  addCommonOptions(
    program
      .command('resume')
      .description('finish every unfinished job in the ledger (after a crash or kill)'),
  ).action(async (opts: CommonOptions) => {
    setCode(await resumeCommand(opts))
  })
}

async function resumeCommand(opts: CommonOptions): Promise<number> {
  const engine = createEngine(engineOptions(opts))
  try {
    // The destinations these jobs upload to, as recorded: an http:// endpoint is warned about as
    // `upload` and `sync` do.
    warnAboutSetup(engine.dataDir, engine.ledger.unfinishedDestinations())
    const report = await runWithProgress(engine, null)
    printReport(report, opts.json === true)
    return exitCodeOf(report)
  } finally {
    await engine.close()
  }
}
