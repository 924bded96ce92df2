// The queue's view of mirror copies (docs/ARCHITECTURE.md, "Mirrors"): a job is done for its
// links when the primary holds its objects; its copies on the mirrors are made afterwards by the
// engine's mirror worker, which records each in the ledger. This watches the done jobs that were
// sent with mirrors, reads their copies' state from the ledger and hands it to the queue model
// ("done, mirror pending", "mirror failed: why, retrying") until every copy is made. While copies
// wait and no job runs, it asks the engine for a mirror pass, so a mirror that was down catches
// up when it returns without the user doing anything.

import type { QueueMirror } from '../shared/api'
import type { JobError } from '../shared/jobs'
import type { Engine } from '../engine'

export interface MirrorWatchDeps {
  engine(): Engine
  /** The name the user knows a ledger destination by. */
  nameOf(ledgerId: string): string
  /** Where the status goes (the queue model). */
  show(jobId: string, mirror: QueueMirror): void
  /** Whether jobs are running (their runs copy beside them; no extra pass is needed then). */
  busy(): boolean
  /** How often copies still under way are looked at (default 1 s). */
  intervalMs?: number
}

/** Jobs looked at per tick: a batch of thousands with a mirror down costs a bounded read. */
const PER_TICK = 500

export class MirrorWatch {
  private readonly watched = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private passing: Promise<void> | null = null
  private readonly passAbort = new AbortController()
  private closed = false

  constructor(private readonly deps: MirrorWatchDeps) {}

  /**
   * At the app's start: copies that gave up before get a new round, like `upshot resume`, and
   * the done jobs shown again are watched. Users without mirrors take no write lock for it.
   */
  start(doneJobs: readonly string[]): void {
    try {
      const { mirrors } = this.deps.engine().ledger
      if (!mirrors.anyMirrored()) return
      mirrors.retryNow()
    } catch {
      // The ledger is busy: the copies stay as they are, tried again by the next run's worker.
    }
    for (const id of doneJobs) this.jobDone(id)
  }

  /** A job reached `done` (or was shown again after a restart): watch it if it has mirrors. */
  jobDone(jobId: string): void {
    if (this.closed || this.watched.has(jobId)) return
    try {
      if (this.deps.engine().ledger.mirrors.mirrorsOfJob(jobId).length === 0) return
    } catch {
      return // the ledger is busy or closed: the results still show the mirrors' state
    }
    this.watched.add(jobId)
    this.update(jobId, new Map())
    this.schedule()
  }

  /** The jobs whose copies are not all made yet. */
  get pending(): number {
    return this.watched.size
  }

  close(): void {
    this.closed = true
    this.passAbort.abort()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(): void {
    if (this.timer || this.closed || this.watched.size === 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.tick()
    }, this.deps.intervalMs ?? 1000)
    this.timer.unref()
  }

  private tick(): void {
    const names = new Map<string, string>()
    let waiting = false
    for (const id of [...this.watched].slice(0, PER_TICK)) {
      // Looked at again at the end of the line, so every job gets its turn.
      this.watched.delete(id)
      const state = this.update(id, names)
      if (state !== 'done') this.watched.add(id)
      if (state === 'pending') waiting = true
    }
    if (waiting && !this.passing && !this.deps.busy()) {
      this.passing = this.deps
        .engine()
        .copyMirrors({ signal: this.passAbort.signal })
        .catch(() => undefined) // the worker records each failure on its copy
        .finally(() => {
          this.passing = null
        })
    }
    this.schedule()
  }

  /** Reads one job's copies and shows them; returns their overall state. */
  private update(jobId: string, names: Map<string, string>): QueueMirror['state'] {
    let status: QueueMirror
    try {
      status = mirrorStatusOf(this.deps.engine(), jobId, (id) => {
        if (!names.has(id)) names.set(id, this.deps.nameOf(id))
        return names.get(id)!
      })
    } catch {
      // The ledger is busy (another process writes): the next tick reads it again.
      return 'pending'
    }
    this.deps.show(jobId, status)
    return status.state
  }
}

/** A job's copies on its mirrors, from the ledger; a copy not recorded yet is pending. */
export function mirrorStatusOf(
  engine: Engine,
  jobId: string,
  nameOf: (ledgerId: string) => string,
): QueueMirror {
  const { mirrors } = engine.ledger
  const ids = mirrors.mirrorsOfJob(jobId)
  const counts = mirrors.countsForJobs([jobId])
  let failed = false
  let pending = false
  let error: JobError | null = null
  for (const id of ids) {
    const c = counts.find((x) => x.mirrorId === id)
    if (!c || c.pending > 0) pending = true
    if (c && c.failed > 0) failed = true
    if (c?.lastError && !error) error = c.lastError
  }
  return {
    state: failed ? 'failed' : pending ? 'pending' : 'done',
    mirrors: ids.map(nameOf),
    error: failed || pending ? error : null,
  }
}
