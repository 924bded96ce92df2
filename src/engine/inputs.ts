import type { Dirent } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { JobError } from '../shared/jobs'

export interface InputEntry {
  /** Absolute path as the user named it (symlinks not resolved). */
  source: string
  /** Set when the input cannot become a real job (missing, dangling link, unreadable folder...). */
  error: JobError | null
}

/**
 * Turns the paths a user gave into one entry per file: folders recursively (hidden entries
 * skipped, symlinked folders followed once, loops cut), and every path that cannot be read still
 * listed with its error so that nothing the user gave silently disappears.
 */
export async function expandInputs(
  paths: readonly string[],
  cwd = process.cwd(),
): Promise<InputEntry[]> {
  const out: InputEntry[] = []
  const seen = new Set<string>()
  const visitedDirs = new Set<string>()
  const add = (entry: InputEntry): void => {
    if (seen.has(entry.source)) return
    seen.add(entry.source)
    out.push(entry)
  }

  const visit = async (abs: string, explicit: boolean): Promise<void> => {
    let st
    try {
      st = await fs.stat(abs)
    } catch (err) {
      add({ source: abs, error: statError(err, explicit) })
      return
    }
    if (st.isDirectory()) {
      let real: string
      try {
        real = await fs.realpath(abs)
      } catch (err) {
        add({ source: abs, error: statError(err, explicit) })
        return
      }
      if (visitedDirs.has(real)) return // a symlink loop, or the same folder named twice
      visitedDirs.add(real)
      let entries: Dirent[]
      try {
        entries = (await fs.readdir(abs, { withFileTypes: true })).sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
        )
      } catch (err) {
        add({
          source: abs,
          error: {
            code: 'UNREADABLE',
            message: `The folder could not be read (${errCode(err)}); check its permissions.`,
          },
        })
        return
      }
      for (const entry of entries) {
        // hidden files and folders (.DS_Store, .git, sync temp files)
        if (entry.name.startsWith('.')) continue
        const child = path.join(abs, entry.name)
        // A plain file needs no stat of its own here (its snapshot stats it); links, folders and
        // file systems that do not say what an entry is are looked at closely.
        if (entry.isFile()) add({ source: child, error: null })
        else await visit(child, false)
      }
      return
    }
    if (st.isFile()) {
      add({ source: abs, error: null })
      return
    }
    add({
      source: abs,
      error: {
        code: 'NOT_A_FILE',
        message:
          'This is not a regular file (a device, socket or pipe); only files can be uploaded.',
      },
    })
  }

  for (const p of paths) await visit(path.resolve(cwd, p), true)
  return out
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error'
}

function statError(err: unknown, explicit: boolean): JobError {
  const code = errCode(err)
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return {
      code: 'NOT_FOUND',
      message: explicit
        ? 'No file or folder exists at this path; check the spelling.'
        : 'The link points to a file that does not exist.',
    }
  }
  if (code === 'ELOOP')
    return {
      code: 'NOT_FOUND',
      message: 'The link points to itself in a loop and leads to no file.',
    }
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      code: 'UNREADABLE',
      message: 'Permission to read this path was denied; check its permissions.',
    }
  }
  return { code: 'UNREADABLE', message: `The path could not be read (${code}).` }
}
