/**
 * A FIFO byte budget: callers wait until their bytes fit. A destination holds one, so all its
 * uploads together keep at most MAX_IN_FLIGHT_BYTES read into memory and on the wire.
 */
export class ByteBudget {
  private free: number
  private readonly waiters: { bytes: number; resolve: () => void }[] = []

  constructor(private readonly capacity: number) {
    this.free = capacity
  }

  /** Resolves with a release function once `bytes` fit (a request larger than all takes all). */
  async acquire(bytes: number): Promise<() => void> {
    const n = Math.min(bytes, this.capacity)
    if (this.waiters.length === 0 && this.free >= n) {
      this.free -= n
    } else {
      await new Promise<void>((resolve) => this.waiters.push({ bytes: n, resolve }))
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.free += n
      this.drain()
    }
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.free >= this.waiters[0]!.bytes) {
      const w = this.waiters.shift()!
      this.free -= w.bytes
      w.resolve()
    }
  }
}
