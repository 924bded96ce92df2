// Which paths of a synced folder take part: never hidden or temporary files, then the user's
// --include / --exclude globs. Paths are relative to the folder and '/'-separated.

import { UpshotError } from '../../shared/jobs'

export interface SyncFilters {
  /** When non-empty, a file must match one of these. */
  include: readonly string[]
  /** A file or folder matching one of these is left out (with everything under the folder). */
  exclude: readonly string[]
}

// Files that are still being written or that belong to another program: copies in progress
// (browsers, rsync, Syncthing, Resilio, Office), editor backups and OS litter. One expression,
// since every name of a re-scanned tree is tested.
const IGNORED =
  /^(?:\.|~\$|~syncthing~)|~$|\.(?:tmp|temp|part|partial|crdownload|download|filepart|swp|!sync|!qb)$/i
const OS_FILES = new Set(['thumbs.db', 'desktop.ini', 'icon\r'])
const OS_FILE_LENGTHS = new Set([...OS_FILES].map((n) => n.length))

/** Hidden (dot) files and folders and the temporary files of copies in progress. */
export function isIgnoredName(name: string): boolean {
  if (IGNORED.test(name)) return true
  return OS_FILE_LENGTHS.has(name.length) && OS_FILES.has(name.toLowerCase())
}

/**
 * A glob as a RegExp over a relative path, ignoring case (IMG_1.JPG and img_1.jpg are the same
 * kind of file to a photographer): `*` and `?` stay within one folder, `**` crosses folders,
 * `[a-z]` and `{jpg,png}` as in a shell. A glob without `/` applies to the name at any depth.
 */
export function globToRegExp(glob: string): RegExp {
  const trimmed = glob.trim().replace(/\\/g, '/')
  if (trimmed === '' || /^\/+$/.test(trimmed))
    throw new UpshotError(
      'CONFIG',
      'An empty --include or --exclude glob matches nothing; remove it.',
    )
  const core = trimmed.replace(/\/+$/, '')
  // With a '/' inside, the glob is a path from the folder's top; without, a name at any depth.
  const anchored = core.includes('/')
  let g = core.replace(/^\/+/, '')
  // A trailing '/' means "this folder": everything under it.
  if (trimmed.endsWith('/')) g += '/**'
  let re = ''
  let braces = 0
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!
    if (c === '*') {
      if (g[i + 1] === '*') {
        const atStart = i === 0 || g[i - 1] === '/'
        const atEnd = i + 2 === g.length || g[i + 2] === '/'
        if (atStart && atEnd) {
          if (g[i + 2] === '/') {
            re += '(?:[^/]*(?:/|$))*' // zero or more whole folders
            i += 2
          } else {
            re += '.*'
            i += 1
          }
          continue
        }
        i += 1 // `a**b` is just a wide `*`
      }
      re += '[^/]*'
    } else if (c === '?') {
      re += '[^/]'
    } else if (c === '[') {
      const close = g.indexOf(']', i + 2)
      if (close === -1) {
        re += '\\['
        continue
      }
      let body = g.slice(i + 1, close).replace(/\\/g, '\\\\')
      if (body.startsWith('!')) body = '^' + body.slice(1)
      re += `[${body}]`
      i = close
    } else if (c === '{') {
      braces++
      re += '(?:'
    } else if (c === '}' && braces > 0) {
      braces--
      re += ')'
    } else if (c === ',' && braces > 0) {
      re += '|'
    } else {
      re += c.replace(/[.+^$()|\\]/g, '\\$&')
    }
  }
  if (braces > 0)
    throw new UpshotError('CONFIG', `The glob "${glob}" opens a { without closing it.`)
  return new RegExp(anchored ? `^${re}$` : `(?:^|/)${re}$`, 'iu')
}

export class PathFilter {
  private readonly include: RegExp[]
  private readonly exclude: RegExp[]

  constructor(filters: SyncFilters = { include: [], exclude: [] }) {
    this.include = filters.include.map(globToRegExp)
    this.exclude = filters.exclude.map(globToRegExp)
  }

  /** Whether to look inside this folder (a folder that matches an exclude glob is skipped whole). */
  dir(rel: string): boolean {
    const name = rel.slice(rel.lastIndexOf('/') + 1)
    if (isIgnoredName(name)) return false
    return !this.exclude.some((re) => re.test(rel) || re.test(rel + '/'))
  }

  /** Whether this file takes part, judged by its own name only (its folders were checked on the way). */
  fileHere(rel: string): boolean {
    const name = rel.slice(rel.lastIndexOf('/') + 1)
    if (isIgnoredName(name)) return false
    return this.globsAllow(rel)
  }

  /** The user's globs alone, for a name already known not to be hidden or temporary. */
  globsAllow(rel: string): boolean {
    if (this.exclude.length > 0 && this.exclude.some((re) => re.test(rel))) return false
    return this.include.length === 0 || this.include.some((re) => re.test(rel))
  }

  /** Whether a path taken out of context (a ledger record, a watcher event) takes part. */
  file(rel: string): boolean {
    const parts = rel.split('/')
    for (let i = 1; i < parts.length; i++) {
      if (!this.dir(parts.slice(0, i).join('/'))) return false
    }
    return this.fileHere(rel)
  }
}
