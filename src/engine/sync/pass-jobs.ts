// The jobs a pass runs: renames finished at once from the outputs already online, unreadable
// paths as failed jobs, uploads continued from an earlier pass or enqueued afresh.

import { randomUUID } from 'node:crypto'
import type { PlannedUpload, SyncPlan } from './plan'
import type { PassContext } from './reconcile'
import { toAbs, toRel } from './scan'

/** `jobRel`: the jobs to run, by the relative path each uploads; `ids`: every job of the pass. */
export async function startPassJobs(
  ctx: PassContext,
  pairId: string,
  plan: SyncPlan,
  presetFp: string,
  unfinished: ReadonlyMap<string, { jobId: string }>,
): Promise<{ jobRel: Map<string, string>; ids: string[]; uploads: PlannedUpload[] }> {
  const { engine, store, pair, target } = ctx
  const ledger = engine.ledger
  const root = pair.folder
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
  return { jobRel, ids, uploads }
}
