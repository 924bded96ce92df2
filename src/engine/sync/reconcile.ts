// One sync pass: plan, then carry it out with the engine (uploads), the ledger (renames, records)
// and the destination (deletes, only when asked and only after a complete scan).

import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { ErrorCode, JobReport, RunReport } from '../../shared/jobs'
import type { Engine, Target } from '..'
import { presetFingerprint } from '../pipeline'
import type { PurgeOutcome } from '../cdn/purge-queue'
import { markJobsDeleted, releaseObjects, type KeptReason } from '../references'
import { createDestination } from '../storage'
import { localMetaDirFor } from '../paths'
import { PathFilter } from './filters'
import { planSync, type PlannedUpload, type SyncPlan } from './plan'
import { folderMissing, isWithin, toAbs, toRel } from './scan'
import type { SyncPair, SyncPassSummary, SyncStore } from './store'

/** A pair as a pass needs it; `id` is null for a preview of a pair not saved yet. */
export type PairSpec = Pick<SyncPair, 'folder' | 'destinationId' | 'preset' | 'filters'> & {
  id: string | null
}

/** The plan as reports show it: paths relative to the folder. */
export interface SyncPlanReport {
  folder: string
  destination: string
  dryRun: boolean
  upload: { path: string; reason: PlannedUpload['reason'] }[]
  rename: { from: string; to: string }[]
  unchanged: number
  /** Files synced before that are no longer in the folder. */
  gone: string[]
  /** Objects deleted from the bucket (or, in a dry run, that would be). Only with --delete. */
  delete: { key: string; bytes: number }[]
  /**
   * Objects of gone files that --delete left in the bucket because something else uses them:
   * another upload here, another data dir or another computer. Empty in a dry run.
   */
  kept: { key: string; reason: KeptReason }[]
  /** Why --delete deleted nothing although objects may be orphaned; null otherwise. */
  deleteSkipped: string | null
  /** The CDN purge of the deleted objects (with --delete on a destination with CDN settings). */
  purge?: PurgeOutcome
  /** Paths that could not be synced or read, with the reason. */
  problems: { path: string; code: ErrorCode; message: string }[]
}

export interface PassOptions {
  dryRun?: boolean
  /** Delete objects whose source is gone (never by default). */
  delete?: boolean
  /** Relative paths to look at (the watcher's changes); default the whole folder. */
  scope?: readonly string[]
  signal?: AbortSignal
  /** Called once the plan is made, before anything is carried out (progress views size themselves). */
  onPlan?(plan: SyncPlan): void
}

export interface PassResult {
  plan: SyncPlanReport
  /** The jobs of this pass (uploads, renames, failures); unchanged files count as skipped. */
  report: RunReport
  /** Every path seen and nothing stopped the pass early: the only state in which records are removed. */
  complete: boolean
  /** Unchanged files as skipped jobs, read from the ledger page by page (whole-folder passes). */
  unchangedJobs(): Generator<JobReport>
}

export interface PassContext {
  engine: Engine
  store: SyncStore
  pair: PairSpec
  target: Target
}

export async function runPass(ctx: PassContext, opts: PassOptions = {}): Promise<PassResult> {
  const started = Date.now()
  const { engine, store, pair, target } = ctx
  const ledger = engine.ledger
  const root = pair.folder
  const filter = new PathFilter(pair.filters)
  const presetFp = presetFingerprint(engine.preset(pair.preset))
  const rootId = await folderId(root)

  const plan = await planSync({
    store,
    pairId: pair.id,
    root,
    filter,
    presetFp,
    mounts: pair.id ? store.mounts(pair.id) : [],
    ...(opts.scope ? { scope: opts.scope } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
  opts.onPlan?.(plan)
  // A whole folder that comes back empty while files were synced from it is far more often an
  // unmounted drive or a vanished share than a deliberate clean-out: nothing is taken for gone.
  const seen =
    plan.unchanged +
    plan.refreshed.length +
    plan.uploads.length +
    plan.renames.length +
    plan.problems.length
  const looksUnmounted = wholeFolder(plan) && seen === 0 && plan.gone.length > 0
  const scanComplete = plan.unreadableDirs.length === 0 && !looksUnmounted
  const incomplete = looksUnmounted
    ? `The folder is empty although ${plan.gone.length} files were synced from it (an unmounted drive?), so nothing was removed or deleted; to really empty the bucket, remove this sync pair.`
    : 'Some folders could not be read (or the folder went away), so nothing was deleted from the bucket.'
  const handled = handledPaths(plan)
  const unknownDirs = plan.unreadableDirs.map((d) => d.rel)
  const unchangedJobs = (): Generator<JobReport> =>
    wholeFolder(plan) && pair.id
      ? skippedJobs(store, pair.id, root, filter, handled, unknownDirs)
      : emptyJobs()

  if (opts.dryRun || !pair.id) {
    const deletes =
      opts.delete && scanComplete && pair.id
        ? store.orphanObjects(pair.id, pair.destinationId, releasedByPlan(plan))
        : []
    return {
      plan: planReport(
        pair,
        plan,
        true,
        deletes,
        looksUnmounted ? incomplete : deleteSkipped(opts, scanComplete ? null : incomplete, false),
      ),
      // Nothing ran: the plan is the whole answer, its counts included.
      report: {
        jobs: [],
        summary: {
          done: 0,
          failed: 0,
          skipped: 0,
          canceled: 0,
          bytesUploaded: 0,
          seconds: (Date.now() - started) / 1000,
        },
      },
      complete: scanComplete,
      unchangedJobs,
    }
  }
  const pairId = pair.id
  store.addMounts(pairId, plan.mounts)

  // Jobs an earlier pass left unfinished are continued, not started again; the others (their
  // file changed back, or went away) are canceled so they cannot upload stale content.
  const unfinished = new Map(store.unfinishedJobs(pairId).map((j) => [j.path, j]))
  const toUpload = new Set(plan.uploads.map((u) => u.rel))
  for (const [rel, j] of unfinished) {
    const inScope = plan.scope.some((dir) => isWithin(rel, dir))
    if (inScope && !toUpload.has(rel) && j.owner === null) await engine.cancel(j.jobId)
  }

  for (const r of plan.refreshed) store.refreshRecord(pairId, r.rel, r.size, r.mtimeMs)
  store.setRecordDevices(pairId, plan.devices)

  const jobRel = new Map<string, string>()
  const ids: string[] = []
  const uploads: PlannedUpload[] = []
  for (const r of plan.renames) {
    const id = store.reuseJob({
      pairId,
      path: r.to,
      source: toAbs(root, r.to),
      from: r.fromJob,
      size: r.size,
      mtimeMs: r.mtimeMs,
      sha256: r.sha256,
    })
    if (id) {
      store.putRecord(pairId, {
        path: r.to,
        size: r.size,
        mtime_ms: r.mtimeMs,
        sha256: r.sha256,
        preset_fp: presetFp,
        job_id: id,
        dir_dev: r.dirDev,
      })
      ids.push(id)
    } else {
      uploads.push({
        rel: r.to,
        reason: 'new',
        size: r.size,
        mtimeMs: r.mtimeMs,
        dirDev: r.dirDev,
      })
    }
  }
  uploads.push(...plan.uploads)

  // Problems become failed jobs, as `upload` reports unreadable inputs: one job per path.
  const base = {
    batchId: `sync-${pairId}`,
    destinationId: pair.destinationId,
    preset: pair.preset,
    presetFp,
  }
  const problemJobs: { jobId: string; path: string }[] = []
  for (const p of [...plan.problems, ...plan.unreadableDirs]) {
    const id = randomUUID()
    ledger.enqueueFailed({ id, source: toAbs(root, p.rel), ...base }, p.error)
    ids.push(id)
    problemJobs.push({ jobId: id, path: p.rel })
  }
  store.addPairJobs(pairId, problemJobs) // so the pair's history shows them

  const fresh = uploads.filter((u) => !unfinished.has(u.rel))
  for (const u of uploads) {
    const j = unfinished.get(u.rel)
    if (j) {
      jobRel.set(j.jobId, u.rel)
      ids.push(j.jobId)
    }
  }
  if (fresh.length > 0) {
    const newIds = await engine.enqueue(
      fresh.map((u) => toAbs(root, u.rel)),
      target,
    )
    const pairJobs: { jobId: string; path: string }[] = []
    for (const id of newIds) {
      const row = ledger.job(id)
      if (!row) continue
      const rel = toRel(root, row.source)
      jobRel.set(id, rel)
      pairJobs.push({ jobId: id, path: rel })
      ids.push(id)
    }
    store.addPairJobs(pairId, pairJobs)
  }

  // Record each file the moment its job is done, so an interrupted pass keeps what finished.
  const dirDevs = new Map(uploads.map((u) => [u.rel, u.dirDev]))
  const recordDone = (id: string): void => {
    const rel = jobRel.get(id)
    const row = ledger.job(id)
    if (!rel || !row || row.state !== 'done' || !row.sha256) return
    store.putRecord(pairId, {
      path: rel,
      size: row.size ?? 0,
      mtime_ms: row.mtime_ms ?? 0,
      sha256: row.sha256,
      preset_fp: row.preset_fp,
      job_id: id,
      dir_dev: dirDevs.get(rel) ?? null,
    })
  }
  const off = engine.on((e) => {
    if (e.type === 'job' && e.state === 'done') recordDone(e.id)
  })
  let interrupted = false
  try {
    const runIds = [...jobRel.keys()]
    if (runIds.length > 0) await engine.run(runIds, opts.signal ? { signal: opts.signal } : {})
    interrupted = opts.signal?.aborted === true
  } finally {
    off()
  }
  for (const id of jobRel.keys()) recordDone(id)

  // The folder itself must still be the one scanned: a drive unplugged mid-pass must not look
  // like every file deleted.
  const sameRoot =
    (await folderId(root).catch(() => null)) === rootId && (await stillMounted(root, plan.mounts))
  const complete = scanComplete && sameRoot && !interrupted
  if (complete) {
    store.removeRecords(pairId, [
      ...plan.gone.map((g) => g.rel),
      ...plan.renames.map((r) => r.from),
    ])
  }

  let deleted: { key: string; bytes: number }[] = []
  let kept: { key: string; reason: KeptReason }[] = []
  let purge: PurgeOutcome | undefined
  const deleteErrors: { path: string; code: ErrorCode; message: string }[] = []
  const destinationFailed = engine
    .report(ids, 0)
    .jobs.some((j) => j.error && DESTINATION_ERRORS.includes(j.error.code))
  if (opts.delete && complete && !destinationFailed) {
    ;({ deleted, kept, purge } = await deleteOrphans(ctx, pairId, deleteErrors, opts.signal))
  }

  const report = engine.report(ids, (Date.now() - started) / 1000)
  if (target.destination.kind === 's3' && target.destination.private) {
    // Links of a private destination are presigned when handed out, not read from the ledger.
    const links = await engine.freshLinks(
      report.jobs.filter((j) => j.status === 'done').map((j) => j.id),
    )
    for (const j of report.jobs) j.outputs = links.get(j.id) ?? j.outputs
  }
  // Unchanged files are not jobs of this pass; they count as skipped, as upload reports them.
  report.summary.skipped += plan.unchanged + plan.refreshed.length
  const planOut = planReport(
    pair,
    plan,
    false,
    deleted,
    looksUnmounted
      ? incomplete
      : deleteSkipped(
          opts,
          !sameRoot
            ? 'The folder, or a drive mounted in it, went away during the pass, so nothing was deleted from the bucket.'
            : scanComplete
              ? null
              : incomplete,
          interrupted || destinationFailed,
        ),
  )
  planOut.kept = kept
  if (purge?.cdn || purge?.pending.length) planOut.purge = purge
  planOut.problems.push(...deleteErrors)
  store.recordPass(pairId, {
    uploaded: report.jobs.filter((j) => j.status === 'done' && !j.deduplicated).length,
    renamed: plan.renames.length,
    unchanged: plan.unchanged + plan.refreshed.length,
    gone: plan.gone.length,
    deleted: deleted.length,
    failed: report.summary.failed,
    error: null,
  } satisfies SyncPassSummary)
  return { plan: planOut, report, complete, unchangedJobs }
}

const DESTINATION_ERRORS: readonly ErrorCode[] = [
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'NO_SUCH_BUCKET',
  'CLOCK_SKEW',
  'CONFIG',
  'NETWORK',
]

/**
 * --delete: the pair's records of gone files (and old edits) are deleted as records, then the
 * objects only they linked to are offered to releaseObjects, which keeps whatever something
 * else uses (engine/references).
 */
async function deleteOrphans(
  ctx: PassContext,
  pairId: string,
  errors: { path: string; code: ErrorCode; message: string }[],
  signal: AbortSignal | undefined,
): Promise<{
  deleted: { key: string; bytes: number }[]
  kept: { key: string; reason: KeptReason }[]
  purge?: PurgeOutcome
}> {
  const ledger = ctx.engine.ledger
  const orphans = ctx.store.orphanObjects(pairId, ctx.pair.destinationId)
  markJobsDeleted(ledger, ctx.store.releasedJobs(pairId))
  if (orphans.length === 0) return { deleted: [], kept: [] }
  const bytes = new Map(orphans.map((o) => [o.key, o.bytes]))
  const dest = createDestination(ctx.target.destination, {
    metaDir: localMetaDirFor(ctx.engine.dataDir),
  })
  try {
    const result = await releaseObjects({
      ledger,
      destination: dest,
      destinationId: ctx.pair.destinationId,
      keys: orphans.map((o) => o.key),
      ...(signal ? { signal } : {}),
    })
    for (const f of result.failed) errors.push({ path: f.key, ...f.error })
    const byKey = (a: { key: string }, b: { key: string }): number =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : 0
    return {
      deleted: result.deleted.map((key) => ({ key, bytes: bytes.get(key) ?? 0 })).sort(byKey),
      kept: result.kept.sort(byKey),
      purge: result.purge,
    }
  } finally {
    dest.close()
  }
}

/** Records the plan lets go of: their objects are orphans in a dry run's forecast. */
function releasedByPlan(plan: SyncPlan): string[] {
  return [
    ...plan.gone.map((g) => g.rel),
    ...plan.uploads.filter((u) => u.reason !== 'new').map((u) => u.rel),
  ]
}

function deleteSkipped(
  opts: PassOptions,
  incomplete: string | null,
  stopped: boolean,
): string | null {
  if (!opts.delete) return null
  if (incomplete) return incomplete
  if (stopped)
    return 'The pass stopped early or the destination failed, so nothing was deleted from the bucket.'
  return null
}

function handledPaths(plan: SyncPlan): Set<string> {
  return new Set([
    ...plan.uploads.map((u) => u.rel),
    ...plan.renames.flatMap((r) => [r.from, r.to]),
    ...plan.gone.map((g) => g.rel),
    ...plan.problems.map((p) => p.rel),
  ])
}

function wholeFolder(plan: SyncPlan): boolean {
  return plan.scope.length === 1 && plan.scope[0] === ''
}

function planReport(
  pair: PairSpec,
  plan: SyncPlan,
  dryRun: boolean,
  deletes: { key: string; bytes: number }[],
  skipped: string | null,
): SyncPlanReport {
  return {
    folder: pair.folder,
    destination: pair.destinationId,
    dryRun,
    upload: plan.uploads.map((u) => ({ path: u.rel, reason: u.reason })),
    rename: plan.renames.map((r) => ({ from: r.from, to: r.to })),
    unchanged: plan.unchanged + plan.refreshed.length,
    gone: plan.gone.map((g) => g.rel),
    delete: deletes,
    kept: [],
    deleteSkipped: skipped,
    problems: [...plan.unreadableDirs, ...plan.problems].map((p) => ({
      path: p.rel,
      code: p.error.code,
      message: p.error.message,
    })),
  }
}

function* emptyJobs(): Generator<JobReport> {}

function* skippedJobs(
  store: SyncStore,
  pairId: string,
  root: string,
  filter: PathFilter,
  handled: ReadonlySet<string>,
  unknownDirs: readonly string[],
): Generator<JobReport> {
  let after = ''
  for (;;) {
    const records = store.recordsPage(pairId, after, null, 500)
    if (records.length === 0) return
    after = records[records.length - 1]!.path
    const page = records.filter(
      (r) =>
        !handled.has(r.path) &&
        filter.file(r.path) &&
        !unknownDirs.some((d) => isWithin(r.path, d)),
    )
    const outputs = store.outputsOfJobs(page.flatMap((r) => (r.job_id ? [r.job_id] : [])))
    for (const r of page) {
      yield {
        id: r.job_id ?? '',
        source: toAbs(root, r.path),
        status: 'skipped',
        sha256: r.sha256,
        deduplicated: false,
        error: null,
        outputs: (r.job_id && outputs.get(r.job_id)) || [],
      }
    }
  }
}

/** Whether each mount point the scan passed through is still one (not unmounted mid-pass). */
async function stillMounted(root: string, mounts: readonly string[]): Promise<boolean> {
  for (const rel of mounts) {
    const abs = toAbs(root, rel)
    try {
      const [st, up] = await Promise.all([fs.stat(abs), fs.stat(path.dirname(abs))])
      if (st.dev === up.dev) return false
    } catch {
      return false
    }
  }
  return true
}

/** Identity of the folder itself (device + inode); throws NOT_FOUND when it is not there. */
export async function folderId(root: string): Promise<string> {
  let st
  try {
    st = await fs.stat(root)
  } catch (err) {
    throw folderMissing(root, err)
  }
  if (!st.isDirectory()) throw folderMissing(root, { code: 'ENOTDIR' })
  return `${st.dev}:${st.ino}`
}
