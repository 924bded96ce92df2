// `upshot md <file|dir...>`: uploads every local image the notes reference and rewrites those
// references to the uploaded URLs. Writes are atomic and skip a note that changed meanwhile;
// `--dry-run` prints a unified diff per note and sends nothing; `--check` only says whether a
// note still references a local image (for a blog's CI). A second run finds only URLs: it
// changes nothing and uploads nothing.

import type { Command } from 'commander'
import path from 'node:path'
import { createEngine, type Engine } from '../../engine'
import { createDestination } from '../../engine/storage'
import { UpshotError, type JobError } from '../../shared/jobs'
import { ProjectSettingsCache, type ProjectSettings } from '../../core/editors/project-settings'
import { unifiedDiff } from '../../core/editors/markdown/diff'
import { listNotes } from '../../core/editors/markdown/notes'
import { readNote, writeNote } from '../../core/editors/markdown/note-file'
import { planNote, type NotePlan, type Source } from '../../core/editors/markdown/plan'
import { predictUpload } from '../../core/editors/markdown/predict'
import { NoteContexts } from '../../core/editors/markdown/resolve'
import {
  applyEdits,
  editFor,
  type Edit,
  type LinkStyle,
  type Uploaded,
} from '../../core/editors/markdown/rewrite'
import { uploadInGroups, type EditorItem } from '../editor-uploads'
import { projectTarget, typedOptions } from '../project-target'
import { createProgressView } from '../progress'
import {
  addCommonOptions,
  engineOptions,
  EXIT_JOB_FAILED,
  EXIT_OK,
  type CommonOptions,
} from '../shared'
import { onStopSignals } from '../stop'
import { printMdReport, type MdNoteReport, type MdReport } from './md-report'

interface MdOptions extends CommonOptions {
  format?: string
  dryRun?: boolean
  check?: boolean
  includeRemote?: boolean
  allowPrivateUrls?: boolean
}

export function registerMd(program: Command, setCode: (code: number) => void): void {
  addCommonOptions(
    program
      .command('md')
      .description(
        'upload the local images Markdown notes reference and rewrite the references to their URLs',
      )
      .argument('<path...>', 'Markdown files and folders (folders recursively)'),
  )
    .option('--format <style>', 'what a reference becomes: url (default) | picture')
    .option('--dry-run', 'print a unified diff per note; upload and write nothing')
    .option('--check', 'exit 1 when a note still references a local image; change nothing')
    .option('--include-remote', 'also fetch http(s) images and re-host them on the destination')
    .option(
      '--allow-private-urls',
      'with --include-remote: fetch from private, loopback and link-local addresses too',
    )
    .action(async (paths: string[], opts: MdOptions, cmd: Command) => {
      setCode(await mdCommand(paths, opts, typedOptions(cmd)))
    })
}

function styleOf(opts: MdOptions, project: ProjectSettings | null): LinkStyle {
  const given = opts.format ?? project?.format
  if (given === undefined) return 'url'
  if (given === 'url' || given === 'picture') return given
  if (opts.format !== undefined) {
    throw new UpshotError('CONFIG', `--format must be "url" or "picture", not "${opts.format}".`)
  }
  // A project's format for editors (markdown, html, a template) means plain URLs here.
  return 'url'
}

async function mdCommand(
  paths: string[],
  opts: MdOptions,
  typed: ReadonlySet<string>,
): Promise<number> {
  if (opts.format !== undefined) styleOf(opts, null)
  const engine = createEngine(engineOptions(opts))
  const ctl = new AbortController()
  const stop = onStopSignals('Stopping: notes not yet rewritten are left as they are.', () => {
    ctl.abort()
    engine.pause()
  })
  try {
    const report = await runMd(engine, paths, opts, typed, ctl.signal)
    printMdReport(report, { json: opts.json === true, dryRun: opts.dryRun === true })
    return report.failed ? EXIT_JOB_FAILED : EXIT_OK
  } finally {
    stop.off()
    await engine.close()
  }
}

async function runMd(
  engine: Engine,
  paths: string[],
  opts: MdOptions,
  typed: ReadonlySet<string>,
  signal: AbortSignal,
): Promise<MdReport> {
  const projects = new ProjectSettingsCache()
  const contexts = new NoteContexts()
  const ownBases = new Map<string, string>()
  const report: MdReport = {
    mode: opts.check ? 'check' : opts.dryRun ? 'dry-run' : 'write',
    notes: [],
    missing: [],
    uploads: { images: 0, uploaded: 0, reused: 0, failed: 0, bytesUploaded: 0 },
    failed: false,
  }
  const { notes, missing } = listNotes(paths)
  report.missing = missing
  if (missing.length > 0) report.failed = true

  // Read and plan every note.
  const plans: { plan: NotePlan; style: LinkStyle; project: ProjectSettings | null }[] = []
  for (const file of notes) {
    const entry = newNoteReport(file.path)
    report.notes.push(entry)
    const read = readNote(file.path)
    if (!read.ok) {
      entry.status = 'skipped'
      entry.reason = `left as it is: ${read.reason}`
      report.failed = true
      continue
    }
    let project: ProjectSettings | null
    let style: LinkStyle
    let ownBase: string
    try {
      project = projects.for(file.path, false)
      style = styleOf(opts, project)
      ownBase = baseUrlOf(engine, opts, typed, project, ownBases)
    } catch (err) {
      entry.status = 'skipped'
      entry.reason = err instanceof Error ? err.message : String(err)
      report.failed = true
      continue
    }
    const ctx = contexts.for(file.path, file.fallbackRoot)
    const plan = planNote(read.note, ctx, {
      includeRemote: opts.includeRemote === true,
      isOwnUrl: (url) => ownBase !== '' && url.startsWith(ownBase),
    })
    entry.references = plan.refs.length
    for (const p of plan.refs) {
      if (p.problem) {
        entry.problems.push({ line: p.ref.line, target: p.ref.target, ...p.problem })
      }
    }
    plans.push({ plan, style, project })
  }

  if (opts.check) {
    for (const { plan } of plans) {
      const entry = report.notes.find((n) => n.path === plan.note.path)!
      const local = plan.refs.filter((p) => p.source || p.problem)
      entry.status = local.length > 0 ? 'needs-upload' : 'unchanged'
      entry.pending = local.map((p) => ({
        line: p.ref.line,
        target: p.ref.target,
        why: p.problem
          ? p.problem.message
          : p.source?.kind === 'url'
            ? 'a remote image not yet re-hosted'
            : 'a local image not yet uploaded',
      }))
      if (local.length > 0) report.failed = true
    }
    return report
  }

  // One upload per image and project, however many notes use it.
  const keyOf = (project: ProjectSettings | null, s: Source): string =>
    `${project?.file ?? ''}\u0000${s.kind === 'path' ? s.path : s.url}`
  const items: (EditorItem & { key: string })[] = []
  const byKey = new Map<string, number>()
  for (const { plan, project } of plans) {
    for (const p of plan.refs) {
      if (!p.source) continue
      const key = keyOf(project, p.source)
      if (byKey.has(key)) continue
      byKey.set(key, items.length)
      items.push({
        key,
        input: p.source.kind === 'path' ? p.source : { kind: 'url', url: p.source.url },
        label: p.source.kind === 'path' ? p.source.path : p.source.url,
        start: plan.note.path,
        startIsDir: false,
      })
    }
  }
  report.uploads.images = items.length
  const uploaded = new Map<string, Uploaded | JobError>()
  if (opts.dryRun) {
    for (const item of items) {
      if (item.input.kind !== 'path') continue
      try {
        const project = projects.for(item.start, false)
        const { target } = projectTarget(opts, typed, project, {
          dataDir: engine.dataDir,
          ledger: engine.ledger,
        })
        uploaded.set(item.key, await predictUpload(engine, item.input.path, target))
      } catch (err) {
        uploaded.set(item.key, { code: 'CONFIG', message: (err as Error).message })
      }
    }
  } else if (items.length > 0) {
    const view = createProgressView(items.length)
    const off = engine.on((e) => view.onEvent(e))
    try {
      const result = await uploadInGroups(engine, items, {
        opts,
        typed,
        allowPrivateUrls: opts.allowPrivateUrls === true,
        signal,
        projects,
      })
      report.uploads.bytesUploaded = result.bytesUploaded
      result.outcomes.forEach((o, i) => {
        const key = items[i]!.key
        if (o.ok) {
          if (o.job.deduplicated) report.uploads.reused++
          else report.uploads.uploaded++
          uploaded.set(key, { name: path.basename(o.job.source), outputs: o.job.outputs })
        } else {
          report.uploads.failed++
          uploaded.set(key, o.error)
        }
      })
    } finally {
      off()
      view.stop()
    }
  }

  // Rewrite each note with what its images became.
  for (const { plan, style, project } of plans) {
    const entry = report.notes.find((n) => n.path === plan.note.path)!
    const edits: Edit[] = []
    for (const p of plan.refs) {
      if (!p.source) continue
      const result = uploaded.get(keyOf(project, p.source))
      if (!result) {
        if (opts.dryRun && p.source.kind === 'url') entry.remoteToFetch.push(p.source.url)
        continue
      }
      if ('code' in result) {
        entry.problems.push({
          line: p.ref.line,
          target: p.ref.target,
          code: result.code,
          message: result.message,
        })
        continue
      }
      const edit = editFor(p.ref, result, style)
      if (edit) edits.push(edit)
    }
    if (entry.problems.length > 0) report.failed = true
    const after = applyEdits(plan.note.text, edits)
    entry.rewritten = edits.length
    if (after === plan.note.text) {
      entry.status = 'unchanged'
      continue
    }
    if (opts.dryRun) {
      entry.status = 'would-change'
      entry.diff = unifiedDiff(labelOf(plan.note.path), plan.note.text, after)
      continue
    }
    const written = writeNote(plan.note, after)
    if (written.ok) entry.status = 'rewritten'
    else {
      entry.status = 'skipped'
      entry.reason = `left as it is: ${written.reason}; run upshot md again`
      report.failed = true
    }
  }
  return report
}

function newNoteReport(file: string): MdNoteReport {
  return {
    path: file,
    status: 'unchanged',
    references: 0,
    rewritten: 0,
    problems: [],
    pending: [],
    remoteToFetch: [],
  }
}

/** Where a note's images end up, as a URL prefix: links already there are not fetched again. */
function baseUrlOf(
  engine: Engine,
  opts: MdOptions,
  typed: ReadonlySet<string>,
  project: ProjectSettings | null,
  cache: Map<string, string>,
): string {
  const key = project?.file ?? ''
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const { target } = projectTarget(opts, typed, project, {
    dataDir: engine.dataDir,
    ledger: engine.ledger,
  })
  const dest = createDestination(target.destination, {})
  const probe = dest.urlFor('upshot-probe')
  dest.close()
  const base = probe.endsWith('upshot-probe') ? probe.slice(0, -'upshot-probe'.length) : ''
  cache.set(key, base)
  return base
}

function labelOf(file: string): string {
  const rel = path.relative(process.cwd(), file)
  const shown = rel.startsWith('..') || path.isAbsolute(rel) ? file : rel
  return shown.split(path.sep).join('/').replace(/^\/+/, '')
}
