// A pass as reports show it: the plan with relative paths, and the unchanged files as skipped
// jobs, read from the records page by page.

import type { JobReport } from '../../shared/jobs'
import type { PathFilter } from './filters'
import type { SyncPlan } from './plan'
import type { PairSpec, SyncPlanReport } from './reconcile'
import { isWithin, toAbs } from './scan'
import type { SyncStore } from './store'

export function handledPaths(plan: SyncPlan): Set<string> {
  return new Set([
    ...plan.uploads.map((u) => u.rel),
    ...plan.renames.flatMap((r) => [r.from, r.to]),
    ...plan.gone.map((g) => g.rel),
    ...plan.problems.map((p) => p.rel),
  ])
}

export function wholeFolder(plan: SyncPlan): boolean {
  return plan.scope.length === 1 && plan.scope[0] === ''
}

export function planReport(
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

export function* emptyJobs(): Generator<JobReport> {}

export function* skippedJobs(
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
