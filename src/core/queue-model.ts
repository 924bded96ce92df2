// The queue as the window shows it, kept in the core and sent as patches: the engine emits an
// event per transition and progress tick (tens of thousands for a big batch), the window gets at
// most one patch per interval with only the rows that changed. The first change after a quiet
// interval goes out at once (a drop's first rows show without waiting out the interval); changes
// while patches flow wait for the next interval, so a busy queue costs a few patches a second.
// A patch carries the totals and, for each window watching a range (queue-window.ts), only that
// range's changed rows: the window holds what it shows plus counts, never the whole queue.

import path from 'node:path'
import {
  emptyQueueCounts,
  type Overall,
  type QueueJob,
  type QueueFilter,
  type QueueMirror,
  type QueuePatch,
  type QueueRange,
  type QueueSnapshot,
  type QueueState,
  type QueueWindowSnapshot,
} from '../shared/api'
import { TERMINAL_STATES, type JobError, type JobState } from '../shared/jobs'
import { traceQueue } from './queue-trace'
import { QueueWindows } from './queue-window'

export const PATCH_INTERVAL_MS = 250

/** Per-job speed is smoothed over roughly this long, so it does not jump with every part. */
const RATE_WINDOW_MS = 3000

export interface NewQueueJob {
  id: string
  source: string
  state: JobState
  error: JobError | null
  deduplicated: boolean
  sourceBytes: number | null
  destinationName: string
  createdAt: number
}

interface Tracked extends QueueJob {
  engineState: JobState
  samples: { t: number; bytes: number }[]
}

export function isFinished(state: QueueState): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(state)
}

export class QueueModel {
  private readonly jobs = new Map<string, Tracked>()
  private readonly dirty = new Set<string>()
  private removed: string[] = []
  private added: string[] = []
  /** The ids in queue order, rebuilt after rows were added or removed (not per patch). */
  private order: string[] | null = null
  private readonly windows = new QueueWindows({
    list: (filter) => this.list(filter),
    row: (id) => this.get(id),
  })
  private readonly paused = new Set<string>()
  private engineOverall = {
    bytesDone: 0,
    bytesTotal: 0,
    rate: 0,
    etaSeconds: null as number | null,
  }
  private allPaused = false
  private adding = false
  private overallDirty = false
  private timer: NodeJS.Timeout | null = null
  private timerDueAt = 0
  private lastFlushAt = -Infinity
  /** Rows added since the last patch, and when a patch last carried added rows. */
  private rowsAdded = false
  private lastRowsAt = -Infinity

  constructor(
    private readonly send: (patch: QueuePatch) => void,
    private readonly intervalMs = PATCH_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  add(job: NewQueueJob): void {
    const tracked: Tracked = {
      id: job.id,
      name: path.basename(job.source),
      source: job.source,
      state: job.state,
      engineState: job.state,
      error: job.error,
      deduplicated: job.deduplicated,
      sourceBytes: job.sourceBytes,
      bytesDone: 0,
      bytesTotal: 0,
      rate: 0,
      etaSeconds: null,
      destinationName: job.destinationName,
      createdAt: job.createdAt,
      samples: [],
    }
    if (!this.jobs.has(job.id)) {
      this.added.push(job.id)
      this.order = null
    }
    this.jobs.set(job.id, tracked)
    this.rowsAdded = true
    this.markDirty(job.id)
  }

  has(id: string): boolean {
    return this.jobs.has(id)
  }

  get(id: string): QueueJob | undefined {
    const j = this.jobs.get(id)
    return j && publicJob(j)
  }

  ids(): string[] {
    return [...this.jobs.keys()]
  }

  /** The ids a filter keeps, in queue order (the order rows were added). */
  list(filter: QueueFilter): readonly string[] {
    this.order ??= [...this.jobs.keys()]
    if (filter === 'all') return this.order
    return this.order.filter((id) => this.jobs.get(id)!.state === 'done')
  }

  /** Ids of the jobs in these states, in queue order: what acts on "all failed" acts on. */
  idsIn(states: readonly QueueState[]): string[] {
    const out: string[] = []
    for (const [id, j] of this.jobs) if (states.includes(j.state)) out.push(id)
    return out
  }

  /** A window watches a range: its rows now; patches of that range follow. */
  watch(range: QueueRange): QueueWindowSnapshot {
    return {
      ...range,
      ...this.windows.watch(range),
      overall: this.overall(),
      paused: this.allPaused,
    }
  }

  /** A transition reported by the engine (or the ledger). */
  setState(
    id: string,
    state: JobState,
    error: JobError | null,
    deduplicated: boolean,
    sourceBytes?: number | null,
  ): void {
    const j = this.jobs.get(id)
    if (!j) return
    j.engineState = state
    j.error = state === 'done' ? null : error
    j.deduplicated = deduplicated
    if (sourceBytes !== undefined && sourceBytes !== null) j.sourceBytes = sourceBytes
    if (isFinished(state)) {
      this.paused.delete(id)
      j.rate = 0
      j.etaSeconds = null
      if (state === 'done' && j.bytesTotal > 0) j.bytesDone = j.bytesTotal
    }
    j.state = this.paused.has(id) ? 'paused' : state
    this.markDirty(id)
  }

  setProgress(id: string, bytesDone: number, bytesTotal: number): void {
    const j = this.jobs.get(id)
    if (!j) return
    const t = this.now()
    j.bytesDone = Math.max(0, bytesDone)
    j.bytesTotal = bytesTotal
    j.samples.push({ t, bytes: j.bytesDone })
    while (j.samples.length > 2 && t - j.samples[0]!.t > RATE_WINDOW_MS) j.samples.shift()
    const first = j.samples[0]!
    const dt = (t - first.t) / 1000
    j.rate = dt > 0.2 ? Math.max(0, (j.bytesDone - first.bytes) / dt) : j.rate
    const left = Math.max(0, j.bytesTotal - j.bytesDone)
    j.etaSeconds = j.rate > 0 && !isFinished(j.state) ? left / j.rate : null
    this.markDirty(id)
  }

  setOverall(o: {
    bytesDone: number
    bytesTotal: number
    rate: number
    etaSeconds: number | null
  }): void {
    this.engineOverall = o
    this.overallDirty = true
    this.schedule()
  }

  /** The user held a job back (or let it go again). */
  /** A done job's copies on its mirrors (core/mirror-watch.ts); unchanged values send nothing. */
  setMirror(id: string, mirror: QueueMirror): void {
    const j = this.jobs.get(id)
    if (!j || JSON.stringify(j.mirror) === JSON.stringify(mirror)) return
    j.mirror = mirror
    this.markDirty(id)
  }

  setPaused(id: string, paused: boolean): void {
    const j = this.jobs.get(id)
    if (!j) return
    if (paused && !isFinished(j.engineState)) this.paused.add(id)
    else this.paused.delete(id)
    j.state = this.paused.has(id) ? 'paused' : j.engineState
    if (j.state === 'paused') {
      j.rate = 0
      j.etaSeconds = null
    }
    this.markDirty(id)
  }

  isPaused(id: string): boolean {
    return this.paused.has(id)
  }

  /** A drop is being listed (more rows are coming). */
  setAdding(adding: boolean): void {
    this.adding = adding
    this.overallDirty = true
    this.schedule()
  }

  setAllPaused(paused: boolean): void {
    this.allPaused = paused
    this.overallDirty = true
    this.schedule()
  }

  /** Drops finished rows; returns their ids. */
  removeFinished(): string[] {
    const gone: string[] = []
    for (const [id, j] of this.jobs) {
      if (isFinished(j.state)) {
        this.jobs.delete(id)
        this.dirty.delete(id)
        gone.push(id)
      }
    }
    if (gone.length > 0) this.order = null
    this.removed.push(...gone)
    this.overallDirty = true
    this.schedule()
    return gone
  }

  overall(): Overall {
    const counts = emptyQueueCounts()
    for (const j of this.jobs.values()) counts[j.state]++
    const active = counts.queued + counts.processing + counts.processed + counts.uploading
    return {
      ...this.engineOverall,
      rate: active > 0 && !this.allPaused ? this.engineOverall.rate : 0,
      etaSeconds: active > 0 && !this.allPaused ? this.engineOverall.etaSeconds : null,
      counts,
      idle: active === 0 && !this.adding,
      adding: this.adding,
    }
  }

  snapshot(): QueueSnapshot {
    return {
      jobs: [...this.jobs.values()].map(publicJob),
      overall: this.overall(),
      paused: this.allPaused,
    }
  }

  /** Sends what changed now (also called by the timer). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    if (this.dirty.size === 0 && this.removed.length === 0 && !this.overallDirty) return
    const startedAt = performance.now()
    this.lastFlushAt = this.now()
    if (this.rowsAdded) this.lastRowsAt = this.lastFlushAt
    this.rowsAdded = false
    const windows = this.windows.patches(this.dirty)
    const changed = this.dirty.size
    this.dirty.clear()
    const { added, removed } = this
    this.added = []
    this.removed = []
    this.overallDirty = false
    this.send({ added, removed, overall: this.overall(), paused: this.allPaused, windows })
    traceQueue('patch', {
      rows: changed,
      sent: windows.reduce((n, w) => n + w.rows.length, 0),
      ms: performance.now() - startedAt,
    })
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private markDirty(id: string): void {
    this.dirty.add(id)
    this.schedule()
  }

  private schedule(): void {
    // Leading edge: after a quiet interval the patch goes on the next turn of the loop (so the
    // rest of this turn's changes, a whole listed page, go with it). New rows get their own
    // leading edge: a drop's first page is not held back by the "adding" patch just before it.
    const now = this.now()
    const rowsDue = this.rowsAdded && now - this.lastRowsAt >= this.intervalMs
    const due = rowsDue ? now : Math.max(now, this.lastFlushAt + this.intervalMs)
    if (this.timer) {
      if (this.timerDueAt <= due) return
      clearTimeout(this.timer)
    }
    this.timerDueAt = due
    this.timer = setTimeout(() => {
      this.timer = null
      this.flush()
    }, due - now)
    this.timer.unref?.()
  }
}

function publicJob(j: Tracked): QueueJob {
  const { engineState: _e, samples: _s, ...rest } = j
  return rest
}
