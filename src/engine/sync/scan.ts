// Walks a synced folder as a stream, in the same order SQLite sorts the recorded paths
// (byte order of the UTF-8 relative path), so the scan and the ledger can be merged page by page
// without holding either in memory.

import fs from 'node:fs/promises'
import { readdirSync, type Stats } from 'node:fs'
import path from 'node:path'
import { UpshotError, type JobError } from '../../shared/jobs'
import { isIgnoredName, type PathFilter } from './filters'
import { errCode, folderMissing, loopError, statError } from './scan-errors'
import { checkMount, parentDevOf, type MountWatch } from './scan-mounts'
import { comparePaths, toAbs } from './scan-paths'
import { SLOW_READDIR_MS, statAll, type StatMode } from './scan-stat'

export { folderMissing } from './scan-errors'
export type { MountWatch } from './scan-mounts'
export { comparePaths, isWithin, toAbs, toRel } from './scan-paths'

export type ScanEntry =
  /** dirDev: the device of the folder the file is in (a drive mounted over it changes it). */
  | { kind: 'file'; rel: string; size: number; mtimeMs: number; dirDev: number }
  /** One path that cannot be synced (dangling link, link loop, device...): reported, never "gone". */
  | { kind: 'problem'; rel: string; error: JobError }
  /** A folder that could not be listed: what is under it is unknown, so nothing there counts as gone. */
  | { kind: 'unreadable-dir'; rel: string; error: JobError }

interface WalkContext {
  filter: PathFilter
  mode: StatMode
  signal: AbortSignal | undefined
  mounts: MountWatch | undefined
}

interface Child {
  name: string
  /** Sort key: directories sort as `name/`, which keeps whole-path byte order. */
  key: string
  stats: Stats | null
  error: unknown
}

/**
 * Yields every file under `start` (relative to `root`; '' for all of it) that the filter lets
 * through, in byte order of the relative path. A missing `start` yields nothing (its records are
 * gone); a missing `root` throws NOT_FOUND, since an unplugged drive must never look like an
 * empty folder.
 */
export async function* scanTree(
  root: string,
  filter: PathFilter,
  opts: { start?: string; signal?: AbortSignal; mounts?: MountWatch } = {},
): AsyncGenerator<ScanEntry> {
  const start = opts.start ?? ''
  let rootStats: Stats
  try {
    rootStats = await fs.stat(root)
  } catch (err) {
    throw folderMissing(root, err)
  }
  if (!rootStats.isDirectory()) {
    throw new UpshotError('NOT_A_FILE', `${root} is not a folder; give a folder to sync.`)
  }
  const ctx: WalkContext = {
    filter,
    mode: { sync: true },
    signal: opts.signal,
    mounts: opts.mounts,
  }
  const rootMount = opts.mounts
    ? checkMount('', rootStats, await parentDevOf(root), opts.mounts)
    : null
  if (rootMount) {
    yield rootMount
    return
  }
  // Folders on the way down from the root: a link back to one of them is a loop.
  const ancestors = [idOf(rootStats)]
  let dev = rootStats.dev
  const parts = start === '' ? [] : start.split('/')
  for (let i = 1; i < parts.length; i++) {
    const rel = parts.slice(0, i).join('/')
    let st: Stats
    try {
      st = await fs.stat(toAbs(root, rel))
    } catch {
      return // a parent vanished: nothing under it exists
    }
    const unmounted = checkMount(rel, st, dev, opts.mounts)
    if (unmounted) {
      yield unmounted
      return
    }
    ancestors.push(idOf(st))
    dev = st.dev
  }
  if (start === '') {
    yield* walkDir(root, '', rootStats.dev, ancestors, ctx)
    return
  }
  let st: Stats
  try {
    st = await fs.stat(toAbs(root, start))
  } catch (err) {
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // A dangling link is still a path the user has; a missing path is gone.
      if (await isLink(toAbs(root, start)))
        yield { kind: 'problem', rel: start, error: statError(err) }
      return
    }
    yield { kind: 'problem', rel: start, error: statError(err) }
    return
  }
  if (st.isDirectory()) {
    if (!filter.dir(start)) return
    if (ancestors.includes(idOf(st))) {
      yield { kind: 'problem', rel: start, error: loopError() }
      return
    }
    const unmounted = checkMount(start, st, dev, opts.mounts)
    if (unmounted) {
      yield unmounted
      return
    }
    yield* walkDir(toAbs(root, start), start, st.dev, [...ancestors, idOf(st)], ctx)
  } else if (filter.fileHere(start)) {
    yield entryOf(start, st, dev)
  }
}

async function* walkDir(
  abs: string,
  rel: string,
  dev: number,
  ancestors: readonly string[],
  ctx: WalkContext,
): AsyncGenerator<ScanEntry> {
  const { filter, mode, signal } = ctx
  if (signal?.aborted) throw new UpshotError('CANCELED', 'The sync was stopped.')
  let names: string[]
  try {
    // Like the stats: listed synchronously while that is fast (an awaited readdir per folder
    // left the thread idle between folders), asynchronously once the disk has shown it is slow.
    if (mode.sync) {
      const t0 = performance.now()
      names = readdirSync(abs)
      if (performance.now() - t0 > SLOW_READDIR_MS) mode.sync = false
    } else names = await fs.readdir(abs)
  } catch (err) {
    yield {
      kind: 'unreadable-dir',
      rel,
      error: {
        code: 'UNREADABLE',
        message: `The folder could not be read (${errCode(err)}); check its permissions. Nothing under it was synced or removed.`,
      },
    }
    return
  }
  const children: Child[] = []
  // Hidden and temporary names are dropped before any stat; globs wait until file or folder is known.
  const wanted = names.filter((n) => !isIgnoredName(n))
  const stats = await statAll(abs, wanted, mode)
  wanted.forEach((name, j) => {
    const [s, e] = stats[j]!
    children.push({
      name,
      key: s?.isDirectory() ? name + '/' : name,
      stats: s,
      error: e,
    })
  })
  // comparePaths orders by UTF-8 bytes without making a Buffer per name (50,000 of them in a
  // re-scan of a large tree kept the garbage collector busy).
  children.sort((a, b) => comparePaths(a.key, b.key))

  for (const c of children) {
    const childRel = join(rel, c.name)
    const st = c.stats
    if (!st) {
      // Deleted between listing and stat: simply not there. A link that leads nowhere is a problem.
      const vanished = errCode(c.error) === 'ENOENT' && !(await isLink(path.join(abs, c.name)))
      if (!vanished && filter.fileHere(childRel))
        yield { kind: 'problem', rel: childRel, error: statError(c.error) }
      continue
    }
    if (st.isDirectory()) {
      if (!filter.dir(childRel)) continue
      const id = idOf(st)
      if (ancestors.includes(id)) {
        yield { kind: 'problem', rel: childRel, error: loopError() }
        continue
      }
      const unmounted = checkMount(childRel, st, dev, ctx.mounts)
      if (unmounted) {
        yield unmounted
        continue
      }
      yield* walkDir(path.join(abs, c.name), childRel, st.dev, [...ancestors, id], ctx)
    } else if (filter.globsAllow(childRel)) {
      // (hidden and temporary names were dropped before the stat)
      yield st.isFile()
        ? entryOf(childRel, st, dev)
        : {
            kind: 'problem',
            rel: childRel,
            error: {
              code: 'NOT_A_FILE',
              message:
                'This is not a regular file (a device, socket or pipe); only files are synced.',
            },
          }
    }
  }
}

function entryOf(rel: string, st: Stats, dirDev: number): ScanEntry {
  return { kind: 'file', rel, size: st.size, mtimeMs: Math.round(st.mtimeMs), dirDev }
}

function join(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`
}

function idOf(st: Stats): string {
  return `${st.dev}:${st.ino}`
}

async function isLink(abs: string): Promise<boolean> {
  try {
    return (await fs.lstat(abs)).isSymbolicLink()
  } catch {
    return false
  }
}
