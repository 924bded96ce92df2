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

/** How many entries the first page holds: small, so the first rows show at once. */
export const FIRST_PAGE_SIZE = 100
/** Later pages: large enough that recording a page costs one short transaction per thousand. */
export const PAGE_SIZE = 1000

export interface ListOptions {
  cwd?: string
  /** Stops listing at the next entry; the pages already given stay given. */
  signal?: AbortSignal
  firstPageSize?: number
  pageSize?: number
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
  for await (const page of listInputs(paths, { cwd })) out.push(...page)
  return out
}

/**
 * expandInputs in pages, as the folders are read: a drop of a whole photo library is recorded
 * and shown page by page instead of after the last folder. Each entry comes exactly once, in the
 * same order expandInputs gives them.
 */
export async function* listInputs(
  paths: readonly string[],
  opts: ListOptions = {},
): AsyncGenerator<InputEntry[], void, undefined> {
  const cwd = opts.cwd ?? process.cwd()
  const seen = new Set<string>()
  const visitedDirs = new Set<string>()
  let pageSize = opts.firstPageSize ?? FIRST_PAGE_SIZE
  let page: InputEntry[] = []
  const stopped = (): boolean => opts.signal?.aborted === true
  const add = (entry: InputEntry): void => {
    if (seen.has(entry.source)) return
    seen.add(entry.source)
    page.push(entry)
  }
  // Checked inline before taking (a `yield*` per entry would cost promise turns per file).
  const full = (): boolean => page.length >= pageSize
  const take = (): InputEntry[] => {
    const taken = page
    page = []
    pageSize = opts.pageSize ?? PAGE_SIZE
    return taken
  }

  async function* visit(abs: string, explicit: boolean): AsyncGenerator<InputEntry[]> {
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
        if (stopped()) return
        // hidden files and folders (.DS_Store, .git, sync temp files)
        if (entry.name.startsWith('.')) continue
        const child = path.join(abs, entry.name)
        // A plain file needs no stat of its own here (its snapshot stats it); links, folders and
        // file systems that do not say what an entry is are looked at closely.
        if (entry.isFile()) add({ source: child, error: null })
        else yield* visit(child, false)
        if (full()) {
          yield take()
          await nextTurn()
        }
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

  for (const p of paths) {
    if (stopped()) break
    yield* visit(path.resolve(cwd, p), true)
    if (full()) {
      yield take()
      await nextTurn()
    }
  }
  if (page.length > 0 && !stopped()) yield page
}

/**
 * One turn of the event loop between pages: a flat folder of 10,000 files is one readdir, and
 * without it every page would be recorded before a timer (the queue's patch) or a request (stop
 * adding) got to run.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
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
