import { canceledError } from './errors'

interface Waiter {
  bytes: number
  resolve: () => void
}

/**
 * A FIFO byte budget: callers wait until their bytes fit. A destination holds one, so all its
 * uploads together keep at most MAX_IN_FLIGHT_BYTES read into memory and on the wire, which is
 * also the most a kill can make us send twice.
 */
export class ByteBudget {
  private free: number
  private readonly waiters: Waiter[] = []

  constructor(private readonly capacity: number) {
    this.free = capacity
  }

  /**
   * Resolves with a release function once `bytes` fit (a request larger than the whole budget
   * waits for all of it). Rejects with CANCELED if the signal aborts first, so a paused upload
   * leaves the queue at once instead of waiting for its turn.
   */
  async acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw canceledError()
    const n = Math.min(bytes, this.capacity)
    if (this.waiters.length === 0 && this.free >= n) {
      this.free -= n
    } else {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = this.waiters.indexOf(waiter)
          if (i >= 0) this.waiters.splice(i, 1)
          // Leaving the head of the queue may let the next waiter in.
          this.drain()
          reject(canceledError())
        }
        const waiter: Waiter = {
          bytes: n,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        this.waiters.push(waiter)
      })
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.free += n
      this.drain()
    }
  }

  /** Bytes handed out and not yet released. */
  get inUse(): number {
    return this.capacity - this.free
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.free >= this.waiters[0]!.bytes) {
      const w = this.waiters.shift()!
      this.free -= w.bytes
      w.resolve()
    }
  }
}
