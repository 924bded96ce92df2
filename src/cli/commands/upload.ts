import type { Command } from 'commander'
import { createEngine } from '../../engine'
import { resolveDestination } from '../target'
import {
  addCommonOptions,
  engineOptions,
  exitCodeOf,
  printReport,
  runWithProgress,
  warnAboutSetup,
  type CommonOptions,
} from '../shared'

export function registerUpload(program: Command, setCode: (code: number) => void): void {
  addCommonOptions(
    program
      .command('upload')
      .description('upload files and folders (folders recursively; hidden files skipped)')
      .argument('<path...>', 'files and folders'),
  ).action(async (paths: string[], opts: CommonOptions) => {
    setCode(await uploadCommand(paths, opts))
  })
}

async function uploadCommand(paths: string[], opts: CommonOptions): Promise<number> {
  const engine = createEngine(engineOptions(opts))
  try {
    const dest = resolveDestination(opts, { dataDir: engine.dataDir, ledger: engine.ledger })
    warnAboutSetup(engine.dataDir, [dest.config])
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
