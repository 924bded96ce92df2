// The sync tables of the ledger (migration 0002): saved pairs, the record of what each path last
// synced to, and the jobs each pair started. Every change is a named statement, in
// store-statements.ts.

import { randomUUID } from 'node:crypto'
import os from 'node:os'
import type { OutputReport } from '../../shared/jobs'
import { outputReportOf, reusedOutput, type JobRow, type Ledger, type OutputRow } from '../ledger'
import type { SyncFilters } from './filters'
import { prepare } from './store-statements'
import {
  pairOf,
  type FileRecord,
  type PairRow,
  type RecordStub,
  type SyncPair,
  type SyncPassSummary,
} from './store-types'

export type { FileRecord, RecordStub, SyncPair, SyncPassSummary } from './store-types'

export class SyncStore {
  private readonly s: ReturnType<typeof prepare>

  constructor(readonly ledger: Ledger) {
    this.s = prepare(ledger)
  }

  // ---- pairs ----

  pairs(): SyncPair[] {
    return (this.s.pairs.all() as PairRow[]).map(pairOf)
  }

  pairsOfFolder(folder: string): SyncPair[] {
    return (this.s.pairsOfFolder.all(folder) as PairRow[]).map(pairOf)
  }

  pair(id: string): SyncPair | undefined {
    const row = this.s.pair.get(id) as PairRow | undefined
    return row && pairOf(row)
  }

  /** Creates the pair for folder + destination, or updates its preset and filters. */
  savePair(p: {
    folder: string
    destinationId: string
    preset: string
    filters: SyncFilters
  }): SyncPair {
    const now = Date.now()
    this.s.upsertPair.run({
      id: randomUUID(),
      folder: p.folder,
      destinationId: p.destinationId,
      preset: p.preset,
      include: JSON.stringify(p.filters.include),
      exclude: JSON.stringify(p.filters.exclude),
      now,
    })
    return pairOf(this.s.pairByKey.get(p.folder, p.destinationId) as PairRow)
  }

  /** Forgets a pair and its records; what it uploaded stays in the bucket and in the job history. */
  removePair(id: string): void {
    this.s.removePair.run(id)
  }

  setPaused(id: string, paused: boolean): void {
    this.s.setPaused.run({ id, paused: paused ? 1 : 0, now: Date.now() })
  }

  recordPass(id: string, summary: SyncPassSummary): void {
    this.s.recordPass.run({ id, result: JSON.stringify(summary), now: Date.now() })
  }

  /** What the app shows for a pair besides its last pass: files online, files still pending. */
  status(id: string): { files: number; pending: number; failedLastPass: number } {
    const pending = (this.s.pendingCount.get(id) as { n: number }).n
    return {
      files: this.recordCount(id),
      pending,
      failedLastPass: this.pair(id)?.lastResult?.failed ?? 0,
    }
  }

  /** The pair's upload history, newest first (the jobs it started, renames included). */
  history(id: string, opts: { limit: number; offset?: number }): JobRow[] {
    return this.s.history.all({ id, limit: opts.limit, offset: opts.offset ?? 0 }) as JobRow[]
  }

  // ---- per-path records ----

  /** Records in path order after `after` (exclusive; '' for the first), before `before` when given. */
  recordsPage(pairId: string, after: string, before: string | null, limit: number): FileRecord[] {
    return (
      before === null
        ? this.s.recordsFrom.all({ pairId, after, limit })
        : this.s.recordsRange.all({ pairId, after, before, limit })
    ) as FileRecord[]
  }

  /** `recordsPage` as stubs, each saying whether it was made with `presetFp`. */
  recordStubsPage(
    pairId: string,
    presetFp: string,
    after: string,
    before: string | null,
    limit: number,
  ): RecordStub[] {
    // Rows as arrays, made into objects here: better-sqlite3 builds named rows far slower than
    // an object literal does, which shows at 50,000 records a re-scan.
    const rows = (
      before === null
        ? this.s.stubsFrom.all({ pairId, presetFp, after, limit })
        : this.s.stubsRange.all({ pairId, presetFp, after, before, limit })
    ) as [string, number, number, string | null, number, number, number | null][]
    return rows.map(([path, size, mtimeMs, jobId, samePreset, objectsGone, dirDev]) => ({
      path,
      size,
      mtime_ms: mtimeMs,
      job_id: jobId,
      same_preset: samePreset,
      objects_gone: objectsGone,
      dir_dev: dirDev,
    }))
  }

  record(pairId: string, path: string): FileRecord | undefined {
    return this.s.record.get(pairId, path) as FileRecord | undefined
  }

  /** Whether the objects the path's record links to were deleted. */
  recordObjectsGone(pairId: string, path: string): boolean {
    return this.s.recordGone.get(pairId, path) !== undefined
  }

  recordCount(pairId: string): number {
    return (this.s.recordCount.get(pairId) as { n: number }).n
  }

  /** The path's current content is online through `jobId`'s outputs. */
  putRecord(pairId: string, r: FileRecord): void {
    this.s.putRecord.run({ pairId, ...r, now: Date.now() })
  }

  /** Same content, new size or mtime (touched, copied back): only the fingerprint moves. */
  refreshRecord(pairId: string, path: string, size: number, mtimeMs: number): void {
    this.s.refreshRecord.run({ pairId, path, size, mtimeMs })
  }

  /** Files seen in a folder on another device number than recorded (a drive renumbered). */
  setRecordDevices(pairId: string, moved: readonly { rel: string; dev: number }[]): void {
    if (moved.length === 0) return
    this.ledger.db
      .transaction(() => {
        for (const m of moved) this.s.setDirDev.run({ pairId, path: m.rel, dev: m.dev })
      })
      .immediate()
  }

  removeRecords(pairId: string, paths: readonly string[]): void {
    this.ledger.db
      .transaction(() => {
        for (const path of paths) this.s.removeRecord.run(pairId, path)
      })
      .immediate()
  }

  // ---- jobs ----

  addPairJobs(pairId: string, jobs: readonly { jobId: string; path: string }[]): void {
    this.ledger.db
      .transaction(() => {
        for (const j of jobs) this.s.addPairJob.run({ pairId, ...j })
      })
      .immediate()
  }

  /** Jobs of this pair that have not ended (an interrupted pass): continued, not started again. */
  unfinishedJobs(pairId: string): { jobId: string; path: string; owner: string | null }[] {
    return (
      this.s.unfinishedJobs.all(pairId) as { job_id: string; path: string; owner: string | null }[]
    ).map((r) => ({ jobId: r.job_id, path: r.path, owner: r.owner }))
  }

  /** The outputs of a finished job when every one of them is still in the bucket, else null. */
  liveOutputs(jobId: string): OutputRow[] | null {
    const job = this.ledger.job(jobId)
    if (!job || job.state !== 'done' || this.s.isDeleted.get(jobId)) return null
    const outs = this.ledger.outputs(jobId)
    if (outs.length === 0) return null
    const live = this.s.liveObject
    for (const o of outs) if (!live.get(job.destination_id, o.key)) return null
    return outs
  }

  /**
   * A job for a file whose content is already online under another job (a rename, detected by
   * hash): it is done at once with those outputs, through the ledger's named transitions, so the
   * history shows the new path with its links and no byte is sent.
   */
  reuseJob(p: {
    pairId: string
    path: string
    source: string
    from: string
    size: number
    mtimeMs: number
    sha256: string
  }): string | null {
    const prev = this.ledger.job(p.from)
    const outs = this.liveOutputs(p.from)
    if (!prev || !outs || prev.sha256 !== p.sha256) return null
    const id = randomUUID()
    // Claimed and finished in one synchronous sequence; should the process die between the
    // steps, the claim belongs to a dead pid and the engine processes the job normally later.
    const owner = `${os.hostname()}/${process.pid}/sync-${id.slice(0, 8)}`
    this.ledger.enqueue([
      {
        id,
        batchId: `sync-${p.pairId}`,
        source: p.source,
        destinationId: prev.destination_id,
        preset: prev.preset,
        presetFp: prev.preset_fp,
      },
    ])
    this.addPairJobs(p.pairId, [{ jobId: id, path: p.path }])
    if (!this.ledger.claim(id, owner, 60_000)) return null
    this.ledger.recordSource(id, owner, {
      size: p.size,
      mtimeMs: p.mtimeMs,
      sha256: p.sha256,
      sourceType: prev.source_type ?? 'unknown',
    })
    this.ledger.markDeduplicated(
      id,
      owner,
      outs.map(reusedOutput),
      outs.map((o) => o.etag),
    )
    return id
  }

  /** The outputs of many jobs in one query (reports of thousands of unchanged files). */
  outputsOfJobs(jobIds: readonly string[]): Map<string, OutputReport[]> {
    const out = new Map<string, OutputReport[]>()
    if (jobIds.length === 0) return out
    for (const o of this.s.outputsOfJobs.all(JSON.stringify(jobIds)) as OutputRow[]) {
      const list = out.get(o.job_id) ?? []
      list.push(outputReportOf(o))
      out.set(o.job_id, list)
    }
    return out
  }

  // ---- remote objects ----

  /**
   * Objects this ledger uploaded that this pair's jobs linked to and that nothing links to any
   * more: no record of any pair, no job outside sync that is not deleted (an `upshot upload`
   * whose links were handed out), no unfinished job. Candidates only: releaseObjects
   * (engine/references) has the last word, with what other data dirs use.
   * `releasedPaths` are records to treat as already gone (for a dry run's forecast).
   */
  orphanObjects(
    pairId: string,
    destinationId: string,
    releasedPaths: readonly string[] = [],
  ): { key: string; bytes: number }[] {
    return this.s.orphans.all({
      pairId,
      destinationId,
      released: JSON.stringify(releasedPaths),
    }) as { key: string; bytes: number }[]
  }

  /**
   * The pair's finished jobs that no record links to any more (files gone, old edits, the old
   * path of a rename): what `sync --delete` deletes as records before offering their objects.
   */
  releasedJobs(pairId: string): string[] {
    return (this.s.releasedJobs.all(pairId) as { job_id: string }[]).map((r) => r.job_id)
  }

  // ---- mount points ----

  /** Folders of the pair seen as mount points (another device than their parent). */
  mounts(pairId: string): string[] {
    return (this.s.mounts.all(pairId) as { path: string }[]).map((r) => r.path)
  }

  addMounts(pairId: string, paths: readonly string[]): void {
    if (paths.length === 0) return
    const now = Date.now()
    this.ledger.db
      .transaction(() => {
        for (const path of paths) this.s.addMount.run({ pairId, path, now })
      })
      .immediate()
  }
}
