// Walks a synced folder as a stream, in the same order SQLite sorts the recorded paths
// (byte order of the UTF-8 relative path), so the scan and the ledger can be merged page by page
// without holding either in memory.

import fs from 'node:fs/promises'
import { readdirSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'
import { UpshotError, type JobError } from '../../shared/jobs'
import { isIgnoredName, type PathFilter } from './filters'

export type ScanEntry =
  /** dirDev: the device of the folder the file is in (a drive mounted over it changes it). */
  | { kind: 'file'; rel: string; size: number; mtimeMs: number; dirDev: number }
  /** One path that cannot be synced (dangling link, link loop, device...): reported, never "gone". */
  | { kind: 'problem'; rel: string; error: JobError }
  /** A folder that could not be listed: what is under it is unknown, so nothing there counts as gone. */
  | { kind: 'unreadable-dir'; rel: string; error: JobError }

/** Stat calls in flight per folder: enough to hide disk latency, few enough for a 2-core laptop. */
const STAT_PARALLEL = 32

/**
 * On a local disk a stat answered from the kernel's cache takes a few microseconds, and the
 * thread-pool round trip of an asynchronous one costs several times that: a re-scan of 50,000
 * unchanged files spent most of its time there. So stats run synchronously, a folder at a
 * time, until a folder's stats average more than this (a network share, a spun-down disk);
 * from then on the scan goes asynchronous and parallel, so the event loop is never held long.
 */
const SLOW_STAT_MS = 0.5
/** A folder listing slower than this (a network share) sends the scan asynchronous too. */
const SLOW_READDIR_MS = 20

interface StatMode {
  sync: boolean
}

type StatResult = [Stats | null, unknown]

function statAllSync(abs: string, names: readonly string[]): StatResult[] {
  return names.map((name): StatResult => {
    try {
      return [statSync(path.join(abs, name)), null]
    } catch (err) {
      return [null, err]
    }
  })
}

async function statAllAsync(abs: string, names: readonly string[]): Promise<StatResult[]> {
  const out: StatResult[] = []
  for (let i = 0; i < names.length; i += STAT_PARALLEL) {
    const batch = names.slice(i, i + STAT_PARALLEL)
    out.push(
      ...(await Promise.all(
        batch.map((name) =>
          fs.stat(path.join(abs, name)).then(
            (s): StatResult => [s, null],
            (e: unknown): StatResult => [null, e],
          ),
        ),
      )),
    )
  }
  return out
}

/** Sync stats in chunks of this many, the event loop served in between (huge folders). */
const SYNC_CHUNK = 1000

async function statAll(
  abs: string,
  names: readonly string[],
  mode: StatMode,
): Promise<StatResult[]> {
  const out: StatResult[] = []
  for (let i = 0; i < names.length; i += SYNC_CHUNK) {
    const chunk = names.slice(i, i + SYNC_CHUNK)
    if (!mode.sync) {
      out.push(...(await statAllAsync(abs, chunk)))
      continue
    }
    if (i > 0) await new Promise((r) => setImmediate(r))
    const t0 = performance.now()
    out.push(...statAllSync(abs, chunk))
    if ((performance.now() - t0) / chunk.length > SLOW_STAT_MS) mode.sync = false
  }
  return out
}

// UTF-16 order and UTF-8 byte order agree except where surrogates meet U+E000..U+FFFF.
const BEYOND_SURROGATES = /[\ud800-\uffff]/

/** SQLite's BINARY collation compares UTF-8 bytes; JS compares UTF-16 units. Order by the bytes. */
export function comparePaths(a: string, b: string): number {
  if (!BEYOND_SURROGATES.test(a) && !BEYOND_SURROGATES.test(b)) return a < b ? -1 : a > b ? 1 : 0
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** `a/b` is under `a` (or is `a`); '' is the folder itself and contains everything. */
export function isWithin(rel: string, dir: string): boolean {
  return dir === '' || rel === dir || rel.startsWith(dir + '/')
}

export function toRel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/')
}

export function toAbs(root: string, rel: string): string {
  return rel === '' ? root : path.join(root, ...rel.split('/'))
}

/**
 * Mount points under the folder: a folder on another device than the folder above it (a NAS, a
 * second disk, the folder itself when it is a mounted drive). Unmounted, such a folder is an
 * empty folder on its parent's device, and everything synced from it would look deleted; so
 * folders seen as mount points before (`expected`) that are not one now are reported as
 * unreadable, and nothing under them counts as gone.
 */
export interface MountWatch {
  /** Relative paths seen as mount points by earlier passes ('' for the folder itself). */
  expected: ReadonlySet<string>
  /** Called for each mount point this scan passes through. */
  seen(rel: string): void
}

interface WalkContext {
  filter: PathFilter
  mode: StatMode
  signal: AbortSignal | undefined
  mounts: MountWatch | undefined
}

function notMounted(rel: string): ScanEntry {
  return {
    kind: 'unreadable-dir',
    rel,
    error: {
      code: 'UNREADABLE',
      message:
        'This folder was a mounted drive and is not mounted now (it is on the same device as the folder above it); nothing under it was synced or removed. Mount it again, or remove the sync pair to start over.',
    },
  }
}

/**
 * Whether the folder at `rel` is a mount point now: reports it, or answers with the entry that
 * stands for an expected one that is not mounted (then nothing under it may be walked).
 */
function checkMount(
  rel: string,
  st: Stats,
  parentDev: number | null,
  mounts: MountWatch | undefined,
): ScanEntry | null {
  if (!mounts || parentDev === null) return null
  if (st.dev !== parentDev) {
    mounts.seen(rel)
    return null
  }
  return mounts.expected.has(rel) ? notMounted(rel) : null
}

async function parentDevOf(abs: string): Promise<number | null> {
  const up = path.dirname(abs)
  if (up === abs) return null
  try {
    return (await fs.stat(up)).dev
  } catch {
    return null
  }
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

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? 'error'
}

function loopError(): JobError {
  return {
    code: 'NOT_FOUND',
    message: 'This link leads back into a folder above it (a loop); it was not followed.',
  }
}

export function folderMissing(root: string, err: unknown): UpshotError {
  const code = errCode(err)
  return code === 'ENOENT' || code === 'ENOTDIR'
    ? new UpshotError(
        'NOT_FOUND',
        `The folder ${root} does not exist (or its drive is not mounted).`,
      )
    : new UpshotError(
        'UNREADABLE',
        `The folder ${root} could not be read (${code}); check its permissions.`,
      )
}

function statError(err: unknown): JobError {
  const code = errCode(err)
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return { code: 'NOT_FOUND', message: 'The link points to a file that does not exist.' }
  if (code === 'ELOOP')
    return {
      code: 'NOT_FOUND',
      message: 'The link points to itself in a loop and leads to no file.',
    }
  if (code === 'EACCES' || code === 'EPERM')
    return {
      code: 'UNREADABLE',
      message: 'Permission to read this path was denied; check its permissions.',
    }
  return { code: 'UNREADABLE', message: `The path could not be read (${code}).` }
}
