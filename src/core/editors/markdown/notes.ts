// The notes `upshot md` works on: files named on the command line, and the Markdown files in
// folders (recursively; hidden folders such as .obsidian, .git and .trash, and node_modules,
// skipped).

import fs from 'node:fs'
import path from 'node:path'
import { isFile, realOr } from '../../fs-probe'

export interface NoteFile {
  path: string
  /** What the note's references may reach when no vault, project or git root is above it. */
  fallbackRoot: string
}

const NOTE_EXT = /\.(md|markdown)$/i
const SKIP_DIRS = new Set(['node_modules'])

/** Notes under the given paths, sorted, each once; missing paths are returned separately. */
export function listNotes(given: readonly string[]): { notes: NoteFile[]; missing: string[] } {
  const seen = new Set<string>()
  const notes: NoteFile[] = []
  const missing: string[] = []
  const add = (file: string, root: string): void => {
    const real = realOr(file)
    if (seen.has(real)) return
    seen.add(real)
    notes.push({ path: file, fallbackRoot: root })
  }
  for (const g of given) {
    const abs = path.resolve(g)
    let st: fs.Stats
    try {
      st = fs.statSync(abs)
    } catch {
      missing.push(abs)
      continue
    }
    if (st.isFile()) {
      add(abs, path.dirname(abs))
      continue
    }
    if (!st.isDirectory()) {
      missing.push(abs)
      continue
    }
    const found: string[] = []
    walk(abs, found, new Set())
    for (const f of found.sort()) add(f, abs)
  }
  return { notes, missing }
}

function walk(dir: string, out: string[], visited: Set<string>): void {
  const real = realOr(dir)
  if (visited.has(real)) return
  visited.add(real)
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries) {
    if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue
    const full = path.join(dir, e.name)
    if (e.isDirectory()) walk(full, out, visited)
    else if (NOTE_EXT.test(e.name) && (e.isFile() || isFile(full))) out.push(full)
  }
}
