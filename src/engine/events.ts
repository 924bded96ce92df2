// What the engine tells its listeners (the CLI's progress bar, the app's queue, sync's records):
// each job's state as it changes, the bytes moved, and the ledger's health. The scheduler and the
// steps feed it; nothing here decides anything about a job.
import { EventEmitter } from 'node:events'
import type { ErrorCode } from '../shared/jobs'
import type { EngineEvent } from './api'
import type { JobRow } from './ledger'
import { ProgressTracker } from './progress'
import type { SeenJob } from './run-report'

/** How often changed progress is announced (one event for every job that moved meanwhile). */
const PROGRESS_EVERY_MS = 200

/** One job's bytes, as its steps report them. */
export interface JobProgress {
  /** The job's bytes to send in all (its outputs). */
  total(bytes: number): void
  /** Bytes that reached the destination (negative when a retried request's bytes are discarded). */
  add(delta: number): void
  /** Bytes counted so far. */
  done(): number
  /** The job ended, however: its bytes count as done, so the overall bar reaches its end. */
  finish(): void
}

export class EngineEvents {
  private readonly emitter = new EventEmitter()
  private readonly tracker = new ProgressTracker()
  private readonly changed = new Set<string>()
  // The state each job last had in our events: a job another process (the app, a CLI) finishes
  // is announced when this engine finds it finished, so a window's queue does not wait forever;
  // and a run whose ledger cannot be read reports what was seen here.
  private readonly seen = new Map<string, SeenJob>()
  private readonly timer: NodeJS.Timeout

  /** `listenerFailed` hears what a listener threw (one that writes to a busy ledger). */
  constructor(private readonly listenerFailed: (err: unknown) => void) {
    this.timer = setInterval(() => this.flush(), PROGRESS_EVERY_MS)
    this.timer.unref()
  }

  emit(e: EngineEvent): void {
    this.emitter.emit('event', e)
  }

  /** The job as this row has it. */
  job(row: JobRow): void {
    const seen: SeenJob = {
      state: row.state,
      source: row.source,
      error: row.error_code
        ? { code: row.error_code as ErrorCode, message: row.error_message ?? '' }
        : null,
      deduplicated: row.deduplicated === 1,
    }
    this.seen.set(row.id, seen)
    this.emit({ type: 'job', id: row.id, ...seen })
  }

  /** The state last announced for a job. */
  lastSeen(id: string): SeenJob | undefined {
    return this.seen.get(id)
  }

  /** Every job as last announced. */
  get seenJobs(): ReadonlyMap<string, SeenJob> {
    return this.seen
  }

  progressOf(id: string): JobProgress {
    return {
      total: (bytes) => {
        this.tracker.setTotal(id, bytes)
        this.changed.add(id)
      },
      add: (delta) => {
        this.tracker.add(id, delta)
        this.changed.add(id)
      },
      done: () => this.tracker.job(id).done,
      finish: () => this.finish(id),
    }
  }

  finish(id: string): void {
    this.tracker.finish(id)
    this.changed.add(id)
  }

  /** Announces the progress of every job that moved since the last time. */
  flush(): void {
    if (this.changed.size === 0) return
    const jobs = [...this.changed].map((id) => {
      const p = this.tracker.job(id)
      return { id, bytesDone: p.done, bytesTotal: p.total }
    })
    this.changed.clear()
    this.emit({ type: 'progress', jobs, overall: this.tracker.overall() })
  }

  on(listener: (e: EngineEvent) => void): () => void {
    // A listener that throws must not break a job's step.
    const safe = (e: EngineEvent): void => {
      try {
        listener(e)
      } catch (err) {
        this.listenerFailed(err)
      }
    }
    this.emitter.on('event', safe)
    return () => this.emitter.off('event', safe)
  }

  close(): void {
    clearInterval(this.timer)
  }
}
