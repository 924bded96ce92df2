// One sync pass: plan, then carry it out with the engine (uploads), the ledger (renames, records)
// and the destination (deletes, only when asked and only after a complete scan).

import type { ErrorCode, JobReport, RunReport } from '../../shared/jobs'
import type { Engine, Target } from '..'
import { presetFingerprint } from '../pipeline'
import type { PurgeOutcome } from '../cdn/purge-queue'
import type { KeptReason } from '../references'
import { deleteOrphans, deleteSkipped, DESTINATION_ERRORS, releasedByPlan } from './delete-orphans'
import { PathFilter } from './filters'
import { folderId, stillMounted } from './folder-identity'
import { startPassJobs } from './pass-jobs'
import { emptyJobs, handledPaths, planReport, skippedJobs, wholeFolder } from './pass-report'
import { planSync, type PlannedUpload, type SyncPlan } from './plan'
import { isWithin } from './scan'
import type { SyncPair, SyncPassSummary, SyncStore } from './store'

export { folderId } from './folder-identity'

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
  const { jobRel, ids, uploads } = await startPassJobs(ctx, pairId, plan, presetFp, unfinished)

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
