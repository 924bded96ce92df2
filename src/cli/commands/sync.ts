import { describePurge } from '../../engine/cdn/purge-queue'
import path from 'node:path'
import type { Command } from 'commander'
import { UpshotError, type JobReport, type OutputReport } from '../../shared/jobs'
import { createEngine, type Engine } from '../../engine'
import { ledgerError } from '../../engine/ledger/health'
import {
  resolvePair,
  runPass,
  SyncStore,
  watchPair,
  type PassContext,
  type PassResult,
} from '../../engine/sync'
import type { KeptReason } from '../../engine/references'
import { createProgressView, type ProgressView } from '../progress'
import {
  addCommonOptions,
  engineOptions,
  EXIT_OK,
  exitCodeOf,
  printReport,
  type CommonOptions,
  warnAboutSetup,
} from '../shared'
import { resolveDestination, resolveMirrors } from '../target'
import { onStopSignals } from '../stop'
import { formatBytes } from '../units'
import { terminalText } from '../../shared/display-text'

interface SyncOptions extends CommonOptions {
  watch?: boolean
  dryRun?: boolean
  delete?: boolean
  include?: string[]
  exclude?: string[]
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
]

export function registerSync(program: Command, setCode: (code: number) => void): void {
  addCommonOptions(
    program
      .command('sync')
      .description(
        'keep a folder and a bucket prefix in step: upload new and changed files, record renames',
      )
      .argument('<dir>', 'the folder to sync (recursively; hidden and temporary files skipped)')
      .option('--watch', 'after the first pass, keep watching the folder until Ctrl-C')
      .option('--dry-run', 'print the plan and send nothing')
      .option('--delete', 'delete objects whose source file is gone (only objects sync uploaded)')
      .option('--include <glob>', 'only sync files matching this glob (repeatable)', collect)
      .option(
        '--exclude <glob>',
        'leave out files and folders matching this glob (repeatable)',
        collect,
      ),
  ).action(async (dir: string, opts: SyncOptions, cmd: Command) => {
    setCode(await syncCommand(dir, opts, cmd))
  })
}

const DESTINATION_FLAGS = [
  'endpoint',
  'region',
  'pathStyle',
  'publicUrl',
  'checksum',
  'private',
  'expires',
] as const

async function syncCommand(dir: string, opts: SyncOptions, cmd: Command): Promise<number> {
  const engine = createEngine(engineOptions(opts))
  try {
    const store = new SyncStore(engine.ledger)
    if (!opts.to) {
      const given = DESTINATION_FLAGS.filter((f) => cmd.getOptionValueSource(f) === 'cli')
      if (given.length > 0)
        throw new UpshotError(
          'CONFIG',
          'Destination options need --to; a folder synced before keeps the destination it was saved with.',
        )
    }
    // A folder never synced goes to the default destination (`upshot dest default`), if any.
    const fresh = store.pairsOfFolder(path.resolve(dir)).length === 0
    const to =
      opts.to ?? (fresh ? (engine.ledger.defaultDestinationName() ?? undefined) : undefined)
    const dest = to
      ? resolveDestination({ ...opts, to }, { dataDir: engine.dataDir, ledger: engine.ledger })
      : undefined
    const { pair, target } = resolvePair(engine, store, {
      folder: dir,
      ...(dest
        ? { destination: { config: dest.config, ...(dest.name ? { name: dest.name } : {}) } }
        : {}),
      ...(cmd.getOptionValueSource('preset') === 'cli' ? { preset: opts.preset } : {}),
      ...(opts.include ? { include: opts.include } : {}),
      ...(opts.exclude ? { exclude: opts.exclude } : {}),
      save: opts.dryRun !== true,
    })
    // A saved destination's mirrors (`dest add --mirror`) get every object of the pass too.
    const mirrors = resolveMirrors(engine.ledger, target.destination, target.destinationName, [])
    if (mirrors.length > 0) target.mirrors = mirrors
    const ctx: PassContext = { engine, store, pair, target }
    warnAboutSetup(engine.dataDir, [target.destination])
    if (opts.watch && !opts.dryRun) return await watchCommand(ctx, opts)
    return await oncePass(ctx, opts)
  } catch (err) {
    // The ledger failed under a pass (disk full, locked for minutes): say which file.
    throw ledgerError(err, engine.ledger.db.name) ?? err
  } finally {
    await engine.close()
  }
}

/** SIGINT/SIGTERM stop the pass: running files give their claims back for the next sync. */
function stopOnSignals(engine: Engine, message: string): { signal: AbortSignal; off(): void } {
  const ctl = new AbortController()
  const stop = onStopSignals(message, () => {
    ctl.abort()
    engine.pause()
  })
  return { signal: ctl.signal, off: stop.off }
}

async function oncePass(ctx: PassContext, opts: SyncOptions): Promise<number> {
  const json = opts.json === true
  const stop = stopOnSignals(
    ctx.engine,
    'Stopping: finished files are recorded; the next `upshot sync` continues the rest.',
  )
  const views = withProgress(ctx.engine)
  try {
    const result = await runPass(ctx, {
      ...(opts.dryRun ? { dryRun: true } : {}),
      ...(opts.delete ? { delete: true } : {}),
      signal: stop.signal,
      onPlan: (plan) => views.start(plan.uploads.length),
    })
    views.stop()
    if (json) {
      // Unchanged files' links come from the ledger: a private destination signs them afresh.
      const dest = ctx.target.destination
      const fresh =
        dest.kind === 's3' && dest.private && !opts.dryRun
          ? await ctx.engine.freshLinks([...result.unchangedJobs()].map((j) => j.id))
          : undefined
      writeJson(result, !opts.dryRun, true, fresh)
    } else printHuman(result)
    return opts.dryRun ? EXIT_OK : exitCodeOf(result.report)
  } finally {
    views.stop()
    stop.off()
  }
}

async function watchCommand(ctx: PassContext, opts: SyncOptions): Promise<number> {
  const json = opts.json === true
  const stop = stopOnSignals(
    ctx.engine,
    'Stopping the watch: finished files are recorded; the next `upshot sync` continues the rest.',
  )
  const views = withProgress(ctx.engine)
  let lastState = ''
  try {
    await watchPair(ctx, {
      ...(opts.delete ? { delete: true } : {}),
      signal: stop.signal,
      onPass(result, first) {
        views.stop()
        // One compact JSON document per line and pass: a watcher never reaches "the end".
        if (json) writeJson(result, first, false)
        else printHuman(result, !first)
      },
      onPlan: (plan) => views.start(plan.uploads.length),
      onState(s) {
        const line =
          s.state === 'watching'
            ? `Watching ${ctx.pair.folder} for changes (Ctrl-C stops).`
            : s.state === 'waiting-for-folder'
              ? `${s.message} Waiting for it to come back.`
              : ''
        if (line && line !== lastState) process.stderr.write(line + '\n')
        if (line) lastState = line
      },
      onError(err) {
        process.stderr.write(`upshot: ${err.message}\n`)
      },
    })
    return EXIT_OK
  } finally {
    views.stop()
    stop.off()
  }
}

/** Progress of each pass's uploads on stderr, as `upload` shows it. */
function withProgress(engine: Engine): { start(total: number): void; stop(): void } {
  let view: ProgressView | null = null
  let off: (() => void) | null = null
  return {
    start(total) {
      if (view) return
      const v = createProgressView(total)
      view = v
      off = engine.on((e) => v.onEvent(e))
    },
    stop() {
      off?.()
      view?.stop()
      off = null
      view = null
    },
  }
}

/**
 * The report of `upload` plus the plan. Unchanged files are streamed from the ledger as they are
 * written, so a folder of 50,000 files does not build its report in memory first.
 */
function writeJson(
  result: PassResult,
  withUnchanged: boolean,
  pretty: boolean,
  freshLinks?: Map<string, OutputReport[]>,
): void {
  const indent = (text: string, by: string): string => text.replace(/\n/g, '\n' + by)
  const pieces: string[] = []
  let pending = 0
  const out = (s: string): void => {
    pieces.push(s)
    pending += s.length
    if (pending >= 64 * 1024) flush()
  }
  const flush = (): void => {
    if (pieces.length > 0) process.stdout.write(pieces.join(''))
    pieces.length = 0
    pending = 0
  }
  const all: Iterable<JobReport> = withUnchanged
    ? concat(result.report.jobs, result.unchangedJobs())
    : result.report.jobs
  const jobs = freshLinks ? withLinks(all, freshLinks) : all
  let first = true
  if (pretty) {
    out('{\n  "jobs": [')
    for (const j of jobs) {
      out((first ? '\n    ' : ',\n    ') + indent(JSON.stringify(j, null, 2), '    '))
      first = false
    }
    out(first ? '],\n' : '\n  ],\n')
    out(`  "summary": ${indent(JSON.stringify(result.report.summary, null, 2), '  ')},\n`)
    out(`  "plan": ${indent(JSON.stringify(result.plan, null, 2), '  ')}\n}\n`)
  } else {
    out('{"jobs":[')
    for (const j of jobs) {
      out((first ? '' : ',') + JSON.stringify(j))
      first = false
    }
    out(
      `],"summary":${JSON.stringify(result.report.summary)},"plan":${JSON.stringify(result.plan)}}\n`,
    )
  }
  flush()
}

function* withLinks(
  jobs: Iterable<JobReport>,
  fresh: Map<string, OutputReport[]>,
): Generator<JobReport> {
  for (const j of jobs) {
    const outputs = fresh.get(j.id)
    yield outputs ? { ...j, outputs } : j
  }
}

function* concat<T>(a: Iterable<T>, b: Iterable<T>): Generator<T> {
  yield* a
  yield* b
}

const KEPT: Record<KeptReason, string> = {
  'used-here': 'another upload still links to it',
  'uploaded-elsewhere': 'uploaded from another data dir or computer, which decides',
  'used-elsewhere': 'used elsewhere: another data dir or computer links to it',
}

function printHuman(result: PassResult, compact = false): void {
  const p = result.plan
  const w = (s: string): boolean => process.stdout.write(s + '\n')
  const changes =
    p.upload.length +
    p.rename.length +
    p.gone.length +
    p.delete.length +
    p.kept.length +
    p.problems.length
  if (compact && changes === 0) return
  // Paths and keys are names from the folder and the bucket: shown, never obeyed.
  const t = terminalText
  if (!compact) w(`${p.dryRun ? 'Plan (dry run)' : 'Sync'}: ${t(p.folder)} -> ${p.destination}`)
  for (const u of p.upload)
    w(`  upload   ${t(u.path)}${u.reason === 'new' ? '' : ` (${u.reason})`}`)
  for (const r of p.rename) w(`  rename   ${t(r.from)} -> ${t(r.to)} (0 bytes: same content)`)
  for (const g of p.gone) w(`  gone     ${t(g)}`)
  for (const d of p.delete) w(`  delete   ${t(d.key)} (${formatBytes(d.bytes)})`)
  for (const k of p.kept) w(`  kept     ${t(k.key)} (${KEPT[k.reason]})`)
  for (const e of p.problems) w(`  problem  ${t(e.path)}: ${t(e.message)}`)
  if (p.gone.length > 0 && p.delete.length === 0 && !p.deleteSkipped)
    w(`  (objects of gone files stay in the bucket; --delete removes them)`)
  if (p.deleteSkipped) w(`  ${p.deleteSkipped}`)
  const purged = p.purge ? describePurge(p.delete.length, p.purge) : null
  if (purged) w(`  ${purged}`)
  if (!compact) w(`  ${p.unchanged} unchanged`)
  if (p.dryRun) {
    w('Dry run: nothing was sent or changed.')
    return
  }
  printReport(result.report, false)
}
