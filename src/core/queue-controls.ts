// What the user does to jobs in the queue: pause and resume all or one, cancel, retry one or
// every failed one, clear the finished. The engine and the ledger are told first; the queue the
// window shows follows.

import { UpshotError } from '../shared/jobs'
import type { Engine } from '../engine'
import { retryJob } from '../engine/history'
import { isFinished, type QueueModel } from './queue-model'
import type { Thumbnails } from './thumbnails'

export interface QueueControlsDeps {
  engine(): Engine
  queue: QueueModel
  thumbnails: Thumbnails
  /** Hands jobs that may run to the run loop. */
  run(ids: readonly string[]): void
  /** Shows a job of the ledger in the queue. */
  track(id: string): void
}

export class QueueControls {
  constructor(private readonly o: QueueControlsDeps) {}

  pauseAll(): void {
    this.o.engine().pause()
    this.o.queue.setAllPaused(true)
  }

  resumeAll(): void {
    this.o.engine().resume()
    this.o.queue.setAllPaused(false)
  }

  /** One job held back in the engine and the ledger; the others carry on undisturbed. */
  pauseJob(id: string): void {
    const job = this.o.queue.get(id)
    if (!job || isFinished(job.state) || job.state === 'paused') return
    this.o.engine().pauseJob(id)
    this.o.queue.setPaused(id, true)
  }

  resumeJob(id: string): void {
    if (!this.o.queue.isPaused(id)) return
    this.o.engine().resumeJob(id)
    this.o.queue.setPaused(id, false)
    this.o.run([id])
  }

  /** A job waiting its turn in the run loop is passed over when it comes (the ledger says canceled). */
  async cancelJob(id: string): Promise<void> {
    this.o.queue.setPaused(id, false)
    await this.o.engine().cancel(id)
  }

  retryJob(id: string): void {
    if (!retryJob(this.o.engine().ledger, id)) {
      throw new UpshotError('CONFIG', 'Only a failed or canceled file can be tried again.')
    }
    this.o.thumbnails.forget(id)
    if (!this.o.queue.has(id)) this.o.track(id)
    else this.o.queue.setState(id, 'queued', null, false)
    this.o.queue.setProgress(id, 0, 0)
    this.o.run([id])
  }

  clearFinished(): void {
    this.o.queue.removeFinished()
  }

  /** Every failed or canceled job of the queue, whichever rows a window holds. */
  retryFailed(): { retried: number } {
    let retried = 0
    for (const id of this.o.queue.idsIn(['failed', 'canceled'])) {
      try {
        this.retryJob(id)
        retried++
      } catch (err) {
        if (!(err instanceof UpshotError)) throw err // its record changed meanwhile: left as is
      }
    }
    return { retried }
  }
}
