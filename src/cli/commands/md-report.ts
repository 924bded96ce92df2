// What `upshot md` tells: per note, rewritten / unchanged / would change (with its diff) /
// skipped and why, each reference it could not rewrite with its line, and a summary. Diffs go to
// stdout (a dry run's output is a patch); with --json, one JSON document on stdout instead.

import { terminalText } from '../../shared/display-text'
import { formatBytes } from '../units'

export interface MdProblem {
  line: number
  target: string
  code: string
  message: string
}

export interface MdNoteReport {
  path: string
  status: 'rewritten' | 'unchanged' | 'would-change' | 'skipped' | 'needs-upload'
  reason?: string
  /** Image references that lead to a local file (or a remote one with --include-remote). */
  references: number
  /** References rewritten (or that a dry run would rewrite). */
  rewritten: number
  problems: MdProblem[]
  /** --check: the references that still name local images. */
  pending: { line: number; target: string; why: string }[]
  /** --dry-run with --include-remote: images a real run would fetch. */
  remoteToFetch: string[]
  diff?: string
}

export interface MdReport {
  mode: 'write' | 'dry-run' | 'check'
  notes: MdNoteReport[]
  /** Paths given that do not exist. */
  missing: string[]
  uploads: {
    images: number
    uploaded: number
    reused: number
    failed: number
    bytesUploaded: number
  }
  failed: boolean
}

export function printMdReport(report: MdReport, o: { json: boolean; dryRun: boolean }): void {
  if (o.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    return
  }
  const out = (s: string): void => {
    process.stdout.write(s)
  }
  // A dry run's stdout is the patch; everything else goes to stderr then.
  const say = o.dryRun ? (s: string) => process.stderr.write(s) : out
  for (const p of report.missing) say(`missing   ${terminalText(p)}: no such file or folder\n`)
  for (const n of report.notes) {
    const name = terminalText(n.path)
    if (n.diff) out(n.diff)
    switch (n.status) {
      case 'rewritten':
        say(`rewrote   ${name} (${n.rewritten} ${plural(n.rewritten, 'reference')})\n`)
        break
      case 'would-change':
        say(`would rewrite ${name} (${n.rewritten} ${plural(n.rewritten, 'reference')})\n`)
        break
      case 'skipped':
        say(`skipped   ${name}: ${terminalText(n.reason ?? '')}\n`)
        break
      case 'needs-upload':
        for (const p of n.pending) {
          say(`${name}:${p.line}: ${terminalText(p.target)}: ${terminalText(p.why)}\n`)
        }
        continue
      case 'unchanged':
        break
    }
    for (const p of n.problems) {
      say(`${name}:${p.line}: ${terminalText(p.target)}: ${terminalText(p.message)}\n`)
    }
    for (const url of n.remoteToFetch) say(`${name}: would fetch ${terminalText(url)}\n`)
  }
  say(summary(report))
}

function summary(r: MdReport): string {
  const notes = r.notes.length
  if (r.mode === 'check') {
    const pending = r.notes.filter((n) => n.status === 'needs-upload').length
    return pending === 0
      ? `\n${notes} ${plural(notes, 'note')} checked: no local images.\n`
      : `\n${pending} of ${notes} ${plural(notes, 'note')} still reference local images; run upshot md.\n`
  }
  const changed = r.notes.filter((n) => n.status === 'rewritten' || n.status === 'would-change')
  const problems = r.notes.reduce((sum, n) => sum + n.problems.length, 0)
  const skipped = r.notes.filter((n) => n.status === 'skipped').length
  const head =
    r.mode === 'dry-run'
      ? `${changed.length} of ${notes} ${plural(notes, 'note')} would change; nothing was uploaded or written`
      : `${changed.length} of ${notes} ${plural(notes, 'note')} rewritten; ${r.uploads.images} ${plural(r.uploads.images, 'image')} (${r.uploads.uploaded} uploaded, ${r.uploads.reused} already there, ${r.uploads.failed} failed), ${formatBytes(r.uploads.bytesUploaded)} sent`
  const tail = [
    problems > 0 ? `${problems} ${plural(problems, 'reference')} not rewritten` : '',
    skipped > 0 ? `${skipped} ${plural(skipped, 'note')} skipped` : '',
  ].filter(Boolean)
  return `\n${head}${tail.length ? `; ${tail.join(', ')}` : ''}.\n`
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`
}
