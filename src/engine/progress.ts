/** Bytes done/total per job and overall, with a rate smoothed over the last seconds and an ETA. */
export class ProgressTracker {
  private readonly jobs = new Map<string, { done: number; total: number }>()
  private doneBytes = 0
  private totalBytes = 0
  private samples: { t: number; bytes: number }[] = []
  private readonly windowMs: number

  constructor(windowMs = 5000) {
    this.windowMs = windowMs
  }

  setTotal(jobId: string, total: number): void {
    const j = this.entry(jobId)
    this.totalBytes += total - j.total
    j.total = total
  }

  add(jobId: string, delta: number): void {
    const j = this.entry(jobId)
    j.done += delta
    this.doneBytes += delta
  }

  /** A job ended: its bytes count as done whatever happened (so the overall bar reaches 100%). */
  finish(jobId: string): void {
    const j = this.entry(jobId)
    this.totalBytes -= j.total
    this.doneBytes -= j.done
    j.total = Math.max(j.done, 0)
    this.totalBytes += j.total
    this.doneBytes += j.total
    j.done = j.total
  }

  job(jobId: string): { done: number; total: number } {
    return { ...this.entry(jobId) }
  }

  overall(now = Date.now()): {
    bytesDone: number
    bytesTotal: number
    rate: number
    etaSeconds: number | null
  } {
    this.samples.push({ t: now, bytes: this.doneBytes })
    while (this.samples.length > 2 && now - this.samples[0]!.t > this.windowMs) this.samples.shift()
    const first = this.samples[0]!
    const dt = (now - first.t) / 1000
    const rate = dt > 0.2 ? Math.max(0, (this.doneBytes - first.bytes) / dt) : 0
    const left = Math.max(0, this.totalBytes - this.doneBytes)
    return {
      bytesDone: Math.max(0, this.doneBytes),
      bytesTotal: this.totalBytes,
      rate,
      etaSeconds: rate > 0 ? left / rate : null,
    }
  }

  private entry(jobId: string): { done: number; total: number } {
    let j = this.jobs.get(jobId)
    if (!j) {
      j = { done: 0, total: 0 }
      this.jobs.set(jobId, j)
    }
    return j
  }
}
