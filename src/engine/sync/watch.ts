// Keeps a pair in step while it runs: a whole-folder pass first, then passes over what changed.
// A file is read only once it has stopped changing (copies, camera imports, sync tools), a pass
// starts only after a quiet moment so a move (unlink + add) lands in one pass and is seen as a
// rename, and a folder that disappears is waited for, never taken for an empty one.

import type { FSWatcher } from 'chokidar'
import fs from 'node:fs/promises'
import { UpshotError } from '../../shared/jobs'
import { toJobError } from '..'
import { sleep } from '../queue/semaphore'
import { isIgnoredName, PathFilter } from './filters'
import type { SyncPlan } from './plan'
import { folderId, runPass, type PassContext, type PassResult } from './reconcile'
import { toAbs, toRel } from './scan'

export type WatchState =
  | { state: 'syncing'; scope: 'all' | number }
  | { state: 'watching' }
  | { state: 'waiting-for-folder'; message: string }

export interface WatchOptions {
  /** Delete objects whose source is gone after each complete pass. */
  delete?: boolean
  /** A file must keep its size and mtime this long before it is read; default 1000 ms. */
  settleMs?: number
  /** How often changing files and the folder itself are checked; default 250 ms. */
  pollMs?: number
  /** A file still changing after this long does not hold back the others; default 15 s. */
  maxWaitMs?: number
  signal: AbortSignal
  onPass(result: PassResult, first: boolean): void
  /** Each pass's plan, before it is carried out. */
  onPlan?(plan: SyncPlan): void
  onState?(s: WatchState): void
  /** A pass that failed as a whole (destination refused, folder vanished mid-pass). */
  onError?(err: UpshotError): void
}

interface Pending {
  size: number
  mtimeMs: number
  stableSince: number
  firstSeen: number
}

/** Runs until `signal` aborts; resolves once the watcher is closed and the last pass stopped. */
export async function watchPair(ctx: PassContext, opts: WatchOptions): Promise<void> {
  const settleMs = opts.settleMs ?? 1000
  const pollMs = opts.pollMs ?? 250
  const maxWaitMs = opts.maxWaitMs ?? 15_000
  const root = ctx.pair.folder
  const filter = new PathFilter(ctx.pair.filters)
  const signal = opts.signal
  let first = true

  while (!signal.aborted) {
    let rootId: string
    try {
      rootId = await folderId(root)
    } catch (err) {
      opts.onState?.({ state: 'waiting-for-folder', message: toJobError(err).message })
      await waitForFolder(root, pollMs * 4, signal)
      // Let a re-created folder fill before it is compared with the records.
      await sleep(settleMs, signal)
      continue
    }

    const files = new Map<string, Pending>() // changed files settling
    const others = new Set<string>() // unlinks and folders: no content to wait for
    let lastEvent = 0
    const touch = (abs: string, isFile: boolean): void => {
      const rel = toRel(root, abs)
      if (rel === '' || rel.startsWith('..')) return
      lastEvent = Date.now()
      if (isFile) {
        const prev = files.get(rel)
        files.set(rel, {
          size: -1,
          mtimeMs: -1,
          stableSince: Date.now(),
          firstSeen: prev?.firstSeen ?? Date.now(),
        })
      } else {
        files.delete(rel)
        others.add(rel)
      }
    }

    const watcher = await startWatcher(root, filter, touch, opts.onError)
    try {
      // The first pass runs with the watcher already on, so nothing that changes during it is missed.
      if (!(await pass(ctx, opts, null, first))) continue
      first = false
      opts.onState?.({ state: 'watching' })

      let lastRootCheck = Date.now()
      while (!signal.aborted) {
        await sleep(pollMs, signal)
        if (signal.aborted) break
        const now = Date.now()
        if (now - lastRootCheck >= pollMs * 4) {
          lastRootCheck = now
          const id = await folderId(root).catch(() => null)
          if (id !== rootId) break // removed or replaced: wait for it, then a whole pass
        }
        await settle(root, files, now)
        if (files.size === 0 && others.size === 0) continue
        const quiet = now - lastEvent >= settleMs
        const ready = [...files].filter(([, p]) => p.size >= 0 && now - p.stableSince >= settleMs)
        const stuck = [...files].some(([, p]) => now - p.firstSeen >= maxWaitMs)
        if (!(quiet && ready.length === files.size) && !(stuck && ready.length + others.size > 0))
          continue
        // An unlinked path that came back and is still being written waits with its new content.
        const scope = [
          ...[...others].filter((rel) => !files.has(rel)),
          ...ready.map(([rel]) => rel),
        ]
        for (const rel of scope) others.delete(rel)
        for (const [rel] of ready) files.delete(rel)
        opts.onState?.({ state: 'syncing', scope: scope.length })
        if (!(await pass(ctx, opts, scope, false))) break
        opts.onState?.({ state: 'watching' })
      }
    } finally {
      await watcher.close()
    }
  }
}

/** One pass; false when it could not run because the folder is gone (the caller waits for it). */
async function pass(
  ctx: PassContext,
  opts: WatchOptions,
  scope: string[] | null,
  first: boolean,
): Promise<boolean> {
  opts.onState?.({ state: 'syncing', scope: scope ? scope.length : 'all' })
  try {
    const result = await runPass(ctx, {
      ...(opts.delete ? { delete: true } : {}),
      ...(scope ? { scope } : {}),
      ...(opts.onPlan ? { onPlan: opts.onPlan } : {}),
      signal: opts.signal,
    })
    // Reported even when stopped midway: what finished is recorded and belongs in the report.
    opts.onPass(result, first)
    return !opts.signal.aborted
  } catch (err) {
    if (opts.signal.aborted) return false
    const e =
      err instanceof UpshotError
        ? err
        : new UpshotError(toJobError(err).code, toJobError(err).message)
    if (e.code === 'NOT_FOUND') return false
    // A ledger that cannot be written records no pass: watching on would only fail again.
    if (e.code === 'LEDGER_UNAVAILABLE') throw e
    opts.onError?.(e)
    return true
  }
}

/** Files whose size and mtime held still since the last look are stable; the others start over. */
async function settle(root: string, files: Map<string, Pending>, now: number): Promise<void> {
  await Promise.all(
    [...files].map(async ([rel, p]) => {
      try {
        const st = await fs.stat(toAbs(root, rel))
        const mtimeMs = Math.round(st.mtimeMs)
        if (st.size !== p.size || mtimeMs !== p.mtimeMs) {
          p.size = st.size
          p.mtimeMs = mtimeMs
          p.stableSince = now
        }
      } catch {
        // Gone again (a temp file renamed away): the pass finds out what is there.
        p.size = 0
        p.mtimeMs = 0
      }
    }),
  )
}

async function startWatcher(
  root: string,
  filter: PathFilter,
  touch: (abs: string, isFile: boolean) => void,
  onError: ((err: UpshotError) => void) | undefined,
): Promise<FSWatcher> {
  // Loaded here: a one-off `upshot sync` or upload never pays for it at start-up.
  const { watch: chokidarWatch } = await import('chokidar')
  const watcher = chokidarWatch(root, {
    ignoreInitial: true,
    persistent: true,
    ignored: (abs, stats) => {
      const rel = toRel(root, abs)
      if (rel === '' || rel.startsWith('..')) return false
      if (isIgnoredName(rel.slice(rel.lastIndexOf('/') + 1))) return true
      if (stats?.isDirectory()) return !filter.dir(rel)
      if (stats?.isFile()) return !filter.fileHere(rel)
      return false
    },
  })
  watcher
    .on('add', (p) => touch(p, true))
    .on('change', (p) => touch(p, true))
    .on('unlink', (p) => touch(p, false))
    // A folder moved in needs no event of its own: chokidar reports each file in it as added,
    // and those wait until they stop changing.
    .on('unlinkDir', (p) => touch(p, false))
    .on('error', (err) => {
      // inotify limits and vanished folders land here; the folder check and passes carry on.
      onError?.(new UpshotError('UNREADABLE', `Watching the folder failed (${String(err)}).`))
    })
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()))
  return watcher
}

async function waitForFolder(root: string, every: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      if ((await fs.stat(root)).isDirectory()) return
    } catch {
      // not there yet
    }
    await sleep(every, signal)
  }
}
