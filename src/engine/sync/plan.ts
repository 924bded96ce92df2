// Decides, per path, what a pass must do: merge the streamed scan with the ledger's records page
// by page (both in the same byte order), then hash only what the fingerprints cannot settle.

import { UpshotError, type JobError } from '../../shared/jobs'
import type { PathFilter } from './filters'
import { hashFile, sameFingerprint } from './fingerprint'
import { DeviceMoves, splitHidden } from './hidden'
import { comparePaths, isWithin, scanTree, toAbs, type MountWatch, type ScanEntry } from './scan'
import type { FileRecord, RecordStub, SyncStore } from './store'

export interface PlannedUpload {
  rel: string
  /**
   * new: no record; changed: other content than recorded, or the recorded objects were deleted;
   * preset: recorded with another preset.
   */
  reason: 'new' | 'changed' | 'preset'
  size: number
  mtimeMs: number
  /** The device of the file's folder, recorded with it (hidden.ts). */
  dirDev: number
}

export interface PlannedRename {
  from: string
  to: string
  size: number
  mtimeMs: number
  sha256: string
  /** The job whose outputs (links) the new path takes over. */
  fromJob: string
  dirDev: number
}

export interface SyncPlan {
  /** Relative paths the pass looked at; [''] is the whole folder. */
  scope: string[]
  uploads: PlannedUpload[]
  renames: PlannedRename[]
  /** Touched or copied back: same content as recorded, only the fingerprint is refreshed. */
  refreshed: { rel: string; size: number; mtimeMs: number }[]
  /** Recorded files that are no longer in the folder (and were not renamed, nor hidden). */
  gone: { rel: string; jobId: string | null }[]
  /** Paths that exist but cannot be synced (dangling links, loops, devices). */
  problems: { rel: string; error: JobError }[]
  /** Folders that could not be listed: nothing under them is known, so nothing may be removed. */
  unreadableDirs: { rel: string; error: JobError }[]
  /** Files whose fingerprint matches their record (refreshed ones not included). */
  unchanged: number
  /** Folders this scan found to be mount points ('' for the folder itself): see MountWatch. */
  mounts: string[]
  /** Records found in a folder on another device than recorded (or none recorded): updated. */
  devices: { rel: string; dev: number }[]
}

export interface PlanInput {
  store: SyncStore
  /** null: a pair that is not saved yet (a preview before the first sync): nothing is recorded. */
  pairId: string | null
  root: string
  filter: PathFilter
  presetFp: string
  /** Paths to look at (relative); default the whole folder. */
  scope?: readonly string[]
  /** Folders earlier passes found to be mount points. */
  mounts?: readonly string[]
  signal?: AbortSignal
}

const PAGE = 1000
const HASH_PARALLEL = 4

export async function planSync(input: PlanInput): Promise<SyncPlan> {
  const scope = normalizeScope(input.scope ?? [''])
  const plan: SyncPlan = {
    scope,
    uploads: [],
    renames: [],
    refreshed: [],
    gone: [],
    problems: [],
    unreadableDirs: [],
    unchanged: 0,
    mounts: [],
    devices: [],
  }
  const gone: { rel: string; jobId: string | null; dirDev: number | null }[] = []
  const moves = new DeviceMoves()
  const expected = new Set(input.mounts ?? [])
  const seen = new Set<string>()
  const mounts: MountWatch = { expected, seen: (rel) => seen.add(rel) }
  /** An expected mount point the scan did not find mounted, or at all, that holds `rel`. */
  const unconfirmedMount = (rel: string): string | undefined => {
    for (const m of expected) if (!seen.has(m) && isWithin(rel, m)) return m
    return undefined
  }
  const missingMounts = new Set<string>()
  const changed: { entry: Extract<ScanEntry, { kind: 'file' }>; record: RecordStub }[] = []
  const added: Extract<ScanEntry, { kind: 'file' }>[] = []

  for (const start of scope) {
    const records = recordCursor(input.store, input.pairId, input.presetFp, start)
    let rec = records.next()
    const unmatched = (r: RecordStub): void => {
      // Under a mount point that is not there any more: unknown, not gone.
      const mount = expected.size > 0 ? unconfirmedMount(r.path) : undefined
      if (mount !== undefined) {
        if (!missingMounts.has(mount)) {
          missingMounts.add(mount)
          plan.unreadableDirs.push({ rel: mount, error: mountMissing() })
        }
        return
      }
      // Left out by today's filters: neither gone nor unchanged, its objects stay.
      if (input.filter.file(r.path)) gone.push({ rel: r.path, jobId: r.job_id, dirDev: r.dir_dev })
    }
    for await (const entry of scanTree(input.root, input.filter, {
      start,
      mounts,
      ...(input.signal ? { signal: input.signal } : {}),
    })) {
      // An unreadable folder sorts as "name/", ahead of everything under it.
      const key = entry.kind === 'unreadable-dir' && entry.rel !== '' ? entry.rel + '/' : entry.rel
      while (rec && comparePaths(rec.path, key) < 0) {
        unmatched(rec)
        rec = records.next()
      }
      if (entry.kind === 'unreadable-dir') {
        plan.unreadableDirs.push({ rel: entry.rel, error: entry.error })
        while (rec && isWithin(rec.path, entry.rel)) rec = records.next()
        continue
      }
      const matched = rec && rec.path === entry.rel ? rec : null
      if (matched) rec = records.next()
      if (entry.kind === 'problem') {
        plan.problems.push({ rel: entry.rel, error: entry.error })
        // A link loop is a folder: whatever was recorded under it is kept, not gone.
        while (rec && isWithin(rec.path, entry.rel)) rec = records.next()
        continue
      }
      if (!matched) {
        added.push(entry)
        continue
      }
      if (matched.dir_dev !== entry.dirDev) {
        if (matched.dir_dev !== null) moves.add(matched.dir_dev, entry.dirDev)
        plan.devices.push({ rel: entry.rel, dev: entry.dirDev })
      }
      if (
        matched.same_preset === 1 &&
        matched.objects_gone === 0 &&
        sameFingerprint(entryFp(entry), recordFp(matched))
      )
        plan.unchanged++
      else changed.push({ entry, record: matched })
    }
    while (rec) {
      unmatched(rec)
      rec = records.next()
    }
  }

  // Not found is not gone when a drive mounted over the folder hides the file.
  const split = await splitHidden(input.root, gone, moves)
  plan.gone = split.gone.map((g) => ({ rel: g.rel, jobId: g.jobId }))
  plan.unreadableDirs.push(...split.hidden)

  // Changed fingerprints: hash, and only a different hash (or preset) means new variants.
  await forEachLimited(changed, HASH_PARALLEL, async ({ entry, record }) => {
    if (record.same_preset !== 1) {
      plan.uploads.push(uploadOf(entry, 'preset'))
      return
    }
    // Its objects were deleted (from the history, or found missing): the links are dead, so the
    // file is uploaded again whatever its content.
    if (record.objects_gone === 1) {
      plan.uploads.push(uploadOf(entry, 'changed'))
      return
    }
    const h = await tryHash(input.root, entry.rel, input.signal)
    const full = input.pairId ? input.store.record(input.pairId, record.path) : undefined
    if (h && full && h.sha256 === full.sha256) {
      plan.refreshed.push({ rel: entry.rel, size: h.size, mtimeMs: h.mtimeMs })
    } else plan.uploads.push(uploadOf(entry, 'changed'))
  })

  // New paths: a rename when the content is that of a recorded file that went away. Only files
  // whose size matches a gone one are read for this.
  const goneBySize = new Map<number, { rel: string; jobId: string | null; record: FileRecord }[]>()
  if (plan.gone.length > 0 && added.length > 0 && input.pairId) {
    for (const g of plan.gone) {
      const r = input.store.record(input.pairId, g.rel)
      if (!r || r.preset_fp !== input.presetFp || !r.job_id) continue
      const list = goneBySize.get(r.size) ?? []
      list.push({ ...g, record: r })
      goneBySize.set(r.size, list)
    }
  }
  const renamedFrom = new Set<string>()
  await forEachLimited(added, HASH_PARALLEL, async (entry) => {
    const candidates = goneBySize.get(entry.size)
    if (candidates) {
      const h = await tryHash(input.root, entry.rel, input.signal)
      const from = h
        ? candidates.find(
            (c) =>
              c.record.sha256 === h.sha256 &&
              !renamedFrom.has(c.rel) &&
              input.store.liveOutputs(c.record.job_id!) !== null,
          )
        : undefined
      if (from && h) {
        renamedFrom.add(from.rel)
        plan.renames.push({
          from: from.rel,
          to: entry.rel,
          size: h.size,
          mtimeMs: h.mtimeMs,
          sha256: h.sha256,
          fromJob: from.record.job_id!,
          dirDev: entry.dirDev,
        })
        return
      }
    }
    plan.uploads.push(uploadOf(entry, 'new'))
  })
  plan.gone = plan.gone.filter((g) => !renamedFrom.has(g.rel))

  // A drive mounted over a folder with synced files is not a mount point to expect: unmounted
  // again, the folder's own files are back, and the drive's are hidden by their device.
  const hiding = (m: string): boolean =>
    !expected.has(m) && split.hidden.some((h) => isWithin(h.rel, m))
  plan.mounts = [...seen].filter((m) => !hiding(m)).sort(comparePaths)
  const byRel = (a: { rel: string }, b: { rel: string }): number => comparePaths(a.rel, b.rel)
  plan.uploads.sort(byRel)
  plan.refreshed.sort(byRel)
  plan.renames.sort((a, b) => comparePaths(a.to, b.to))
  return plan
}

function mountMissing(): JobError {
  return {
    code: 'UNREADABLE',
    message:
      'This folder was a mounted drive and is missing now; nothing under it was synced or removed. Mount it again, or remove the sync pair to start over.',
  }
}

/** Sorted, without paths inside another one of the list ('' covers all). */
export function normalizeScope(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort(comparePaths)
  const out: string[] = []
  for (const p of sorted) {
    if (out.some((q) => isWithin(p, q))) continue
    out.push(p)
  }
  // '' sorts first, so it alone remains when present.
  return out.includes('') ? [''] : out
}

/** The records of one scope entry in path order: the path itself, then everything under it. */
function recordCursor(
  store: SyncStore,
  pairId: string | null,
  presetFp: string,
  start: string,
): { next(): RecordStub | null } {
  if (!pairId) return { next: () => null }
  let page: RecordStub[] = []
  let i = 0
  let after = start === '' ? '' : start + '/'
  // '0' follows '/' in byte order: `start/` up to `start0` is exactly what lies under `start`.
  const before = start === '' ? null : start + '0'
  let done = false
  const own = start === '' ? undefined : store.record(pairId, start)
  let self: RecordStub | null = own
    ? stubOf(own, presetFp, store.recordObjectsGone(pairId, start))
    : null
  return {
    next() {
      if (self) {
        const r = self
        self = null
        return r
      }
      if (i >= page.length) {
        if (done) return null
        page = store.recordStubsPage(pairId, presetFp, after, before, PAGE)
        i = 0
        if (page.length < PAGE) done = true
        if (page.length === 0) return null
        after = page[page.length - 1]!.path
      }
      return page[i++]!
    },
  }
}

function entryFp(e: { size: number; mtimeMs: number }): { size: number; mtimeMs: number } {
  return { size: e.size, mtimeMs: e.mtimeMs }
}

function stubOf(r: FileRecord, presetFp: string, objectsGone: boolean): RecordStub {
  return {
    path: r.path,
    size: r.size,
    mtime_ms: r.mtime_ms,
    job_id: r.job_id,
    same_preset: r.preset_fp === presetFp ? 1 : 0,
    objects_gone: objectsGone ? 1 : 0,
    dir_dev: r.dir_dev,
  }
}

function recordFp(r: RecordStub): { size: number; mtimeMs: number } {
  return { size: r.size, mtimeMs: r.mtime_ms }
}

function uploadOf(
  e: { rel: string; size: number; mtimeMs: number; dirDev: number },
  reason: PlannedUpload['reason'],
): PlannedUpload {
  return { rel: e.rel, reason, size: e.size, mtimeMs: e.mtimeMs, dirDev: e.dirDev }
}

/** A file that cannot be hashed now is uploaded anyway: the engine then reports why, per file. */
async function tryHash(
  root: string,
  rel: string,
  signal: AbortSignal | undefined,
): Promise<{ sha256: string; size: number; mtimeMs: number } | null> {
  try {
    return await hashFile(toAbs(root, rel), signal)
  } catch {
    if (signal?.aborted) throw new UpshotError('CANCELED', 'The sync was stopped.')
    return null
  }
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
