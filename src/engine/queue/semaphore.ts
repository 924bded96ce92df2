/** A FIFO counting semaphore: bounds how many jobs process or upload at once. */
export class Semaphore {
  private available: number
  private readonly waiters: (() => void)[] = []

  constructor(size: number) {
    this.available = Math.max(1, Math.floor(size))
  }

  /** A slot now if one is free and nobody is waiting for it; null otherwise. */
  tryAcquire(): (() => void) | null {
    if (this.available === 0 || this.waiters.length > 0) return null
    this.available--
    return this.releaser()
  }

  async acquire(): Promise<() => void> {
    if (this.available > 0) {
      this.available--
    } else {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
    return this.releaser()
  }

  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiters.shift()
      if (next) next()
      else this.available++
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
