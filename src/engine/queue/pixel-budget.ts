// Memory for decoding and encoding, shared by every job of the engine. The processing slots
// bound how many images are worked on at once; this bounds how much they weigh together: each
// image is admitted by its memory estimate (pixels x bytes per pixel, pipeline/limits.ts), so a
// 50 MP photo takes 25 times the share of a 2 MP one, and two 200 MP panoramas never run side
// by side. An image heavier than the whole budget waits until it is free and then runs alone.
// Waiters are served in order, so a big image is not starved by a stream of small ones.

import os from 'node:os'
import { canceled } from '../pipeline/errors'

/** A quarter of the machine's memory, at least 1 GiB and at most 8 GiB. */
export function defaultImageMemoryBudget(totalmem = os.totalmem()): number {
  return Math.min(8 * 1024 ** 3, Math.max(1024 ** 3, Math.floor(totalmem / 4)))
}

interface Waiter {
  weight: number
  grant(): void
  onAbort: () => void
}

export class PixelBudget {
  private used = 0
  private readonly waiters: Waiter[] = []

  constructor(readonly capacity: number) {}

  /** Bytes admitted now. */
  get inUse(): number {
    return this.used
  }

  /**
   * Waits until `bytes` fit (or, heavier than the whole budget, until nothing else runs); the
   * answer gives them back, once. A signal that aborts while waiting rejects with CANCELED.
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const weight = Math.max(1, Math.min(this.capacity, Math.ceil(bytes)))
    if (signal?.aborted) return Promise.reject(canceled())
    if (this.waiters.length === 0 && this.used + weight <= this.capacity) {
      this.used += weight
      return Promise.resolve(this.releaser(weight))
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        weight,
        grant: () => {
          signal?.removeEventListener('abort', waiter.onAbort)
          resolve(this.releaser(weight))
        },
        onAbort: () => {
          const i = this.waiters.indexOf(waiter)
          if (i >= 0) this.waiters.splice(i, 1)
          reject(canceled())
          this.admit() // the next in line may fit now
        },
      }
      signal?.addEventListener('abort', waiter.onAbort, { once: true })
      this.waiters.push(waiter)
    })
  }

  private releaser(weight: number): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      this.used -= weight
      this.admit()
    }
  }

  private admit(): void {
    for (;;) {
      const next = this.waiters[0]
      if (!next || this.used + next.weight > this.capacity) return
      this.waiters.shift()
      this.used += next.weight
      next.grant()
    }
  }
}
