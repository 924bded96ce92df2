import type { Command } from 'commander'
import path from 'node:path'
import { createEngine } from '../../engine'
import { ProjectSettingsCache } from '../../core/editors/project-settings'
import { terminalText } from '../../shared/display-text'
import { projectTarget, typedOptions, type ResolvedTarget } from '../project-target'
import {
  addCommonOptions,
  engineOptions,
  exitCodeOf,
  printReport,
  runWithProgress,
  warnAboutSetup,
  type CommonOptions,
} from '../shared'
import { typoraUpload, type TyporaOptions } from './typora'

export function registerUpload(program: Command, setCode: (code: number) => void): void {
  addCommonOptions(
    program
      .command('upload')
      .description('upload files and folders (folders recursively; hidden files skipped)')
      .argument('<path...>', 'files and folders (with --typora: image files or http(s) URLs)'),
  )
    .option(
      '--typora',
      "Typora's custom command: print `Upload Success:` and one URL per image, in order",
    )
    .option(
      '--mirror <name>',
      'also copy every object to this saved destination (repeatable; adds to its saved mirrors)',
      (value: string, all: string[] = []) => [...all, value],
    )
    .option(
      '--allow-private-urls',
      'with --typora: fetch http(s) images from private, loopback and link-local addresses too',
    )
    .action(async (paths: string[], opts: TyporaOptions & { typora?: boolean }, cmd: Command) => {
      const typed = typedOptions(cmd)
      setCode(
        opts.typora
          ? await typoraUpload(paths, opts, typed)
          : await uploadCommand(paths, opts, typed),
      )
    })
}

async function uploadCommand(
  paths: string[],
  opts: CommonOptions & { mirror?: string[] },
  typed: ReadonlySet<string>,
): Promise<number> {
  const engine = createEngine(engineOptions(opts))
  try {
    // Each path goes where the `upshot.json` above it says (flags typed on the command line win).
    const projects = new ProjectSettingsCache()
    const groups = new Map<string, { resolved: ResolvedTarget; paths: string[] }>()
    for (const p of paths) {
      const project = projects.for(path.resolve(p))
      const key = project?.file ?? ''
      const group = groups.get(key) ?? {
        resolved: projectTarget(opts, typed, project, {
          dataDir: engine.dataDir,
          ledger: engine.ledger,
        }),
        paths: [],
      }
      group.paths.push(p)
      groups.set(key, group)
    }
    warnAboutSetup(
      engine.dataDir,
      [...groups.values()].map((g) => g.resolved.target.destination),
    )
    const ids: string[] = []
    for (const { resolved, paths: some } of groups.values()) {
      if (resolved.project) {
        process.stderr.write(`upshot: settings from ${terminalText(resolved.project.file)}\n`)
      }
      ids.push(...(await engine.enqueue(some, resolved.target)))
    }
    const report = await runWithProgress(engine, ids)
    printReport(report, opts.json === true)
    return exitCodeOf(report)
  } finally {
    await engine.close()
  }
}
