// One long-lived run that pulls jobs: the app's core hands it job ids as they are queued, and
// it drives at most `width` of them at once (enough to keep the scheduler's read and upload
// slots busy). A job waiting its turn costs one slot of an array (its id, a string the caller
// already holds); a run per job held a promise chain, an AbortController and a slot waiter each,
// for every job of a 100,000-job queue. Which job may run, and what a step's failure makes of
// it, stay the scheduler's (driveJob): the loop only decides when to ask.

/** How a drive ended: done with the job for now, or to be asked again at `laterAt` (epoch ms). */
export type DriveEnd = void | { laterAt: number }

export interface RunLoopOptions {
  /** Drives one job until it ends, pauses or has to wait (a retry time, another process's claim). */
  drive(id: string): Promise<DriveEnd>
  /** Jobs driven at once. */
  width: number
  /** A drive failed without a verdict (the scheduler reports the ledger's failures itself). */
  onError?(err: unknown): void
  /** The loop has nothing pending, in flight or waiting. */
  onIdle?(): void
}

export class RunLoop {
  /** Waiting jobs, oldest first, from `head` on. */
  private pending: string[] = []
  private head = 0
  private readonly inFlight = new Set<string>()
  /** Jobs asked for again while in flight (resumed right after a pause): driven once more. */
  private readonly again = new Set<string>()
  /** Jobs to ask again later, by when. Few: retries waiting their time, other processes' claims. */
  private readonly later = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  /** Jobs whose later time came: they waited their turn already, so they go first. */
  private due: string[] = []
  private ended = false
  /** Something was added since the loop was last idle (onIdle is told once per busy spell). */
  private busy = false
  private idleWaiters: (() => void)[] = []

  constructor(private readonly o: RunLoopOptions) {}

  /**
   * Queues jobs to drive, after those already waiting. A job given twice is asked twice: the
   * second drive finds it ended (one ledger read) or drives what is left of it.
   */
  add(ids: readonly string[]): void {
    if (this.ended || ids.length === 0) return
    for (const id of ids) this.pending.push(id)
    this.busy = true
    this.pump()
  }

  /** Jobs waiting, in flight or waiting for a later time. */
  get size(): number {
    return this.pending.length - this.head + this.due.length + this.inFlight.size + this.later.size
  }

  get running(): number {
    return this.inFlight.size
  }

  get idle(): boolean {
    return this.size === 0
  }

  /** Resolves when the loop is next idle (at once if it is). */
  whenIdle(): Promise<void> {
    if (this.idle || this.ended) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Stops pulling; drives under way end as the scheduler stops them. */
  async close(): Promise<void> {
    this.ended = true
    clearTimeout(this.timer)
    this.pending = []
    this.head = 0
    this.due = []
    this.later.clear()
    this.again.clear()
    this.settleIdle()
  }

  private next(): string | undefined {
    if (this.due.length > 0) return this.due.shift()
    return this.head < this.pending.length ? this.pending[this.head++] : undefined
  }

  private pump(): void {
    while (!this.ended && this.inFlight.size < this.o.width) {
      const id = this.next()
      if (id === undefined) break
      if (this.inFlight.has(id)) this.again.add(id)
      else if (!this.later.has(id)) this.start(id)
    }
    this.compact()
    this.settleIdle()
  }

  /** Drops the array's consumed front now and then, so a long-lived loop does not grow. */
  private compact(): void {
    if (this.head === this.pending.length) {
      this.pending = []
      this.head = 0
    } else if (this.head > 4096 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head)
      this.head = 0
    }
  }

  private start(id: string): void {
    this.inFlight.add(id)
    this.o.drive(id).then(
      (end) => this.finished(id, end),
      (err: unknown) => {
        if (!this.ended) this.o.onError?.(err)
        this.finished(id, undefined)
      },
    )
  }

  private finished(id: string, end: DriveEnd): void {
    this.inFlight.delete(id)
    if (this.ended) return this.settleIdle()
    if (this.again.delete(id)) {
      this.start(id)
      return
    }
    if (end) this.askLater(id, end.laterAt)
    this.pump()
  }

  private askLater(id: string, at: number): void {
    this.later.set(id, at)
    if (at < this.timerAt) this.arm(at)
  }

  private arm(at: number): void {
    clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => this.wake(), Math.max(0, at - Date.now()))
  }

  private wake(): void {
    this.timerAt = Infinity
    if (this.ended) return
    const now = Date.now()
    const ready: string[] = []
    let next = Infinity
    for (const [id, at] of this.later) {
      if (at <= now) ready.push(id)
      else next = Math.min(next, at)
    }
    for (const id of ready) {
      this.later.delete(id)
      this.due.push(id)
    }
    if (next < Infinity) this.arm(next)
    this.pump()
  }

  private settleIdle(): void {
    if (!this.busy || (!this.idle && !this.ended)) return
    this.busy = false
    const w = this.idleWaiters
    this.idleWaiters = []
    for (const f of w) f()
    this.o.onIdle?.()
  }
}
