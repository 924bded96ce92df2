// A token-bucket bandwidth limit shared by every upload of an engine: request bodies take tokens
// for each slice they send, so N uploads together stay under the limit.

export interface Throttle {
  /** Bytes per second; 0 = unlimited. */
  readonly bytesPerSecond: number
  /** Resolves when `bytes` may go out (at once when unlimited); early when the signal aborts. */
  take(bytes: number, signal?: AbortSignal): Promise<void>
  setRate(bytesPerSecond: number): void
}

// A burst of a quarter second (at least one slice) keeps the pace smooth without starving.
const BURST_SECONDS = 0.25
const MIN_BURST = 64 * 1024

export function createThrottle(bytesPerSecond: number): Throttle {
  let rate = Math.max(0, bytesPerSecond)
  let capacity = Math.max(MIN_BURST, rate * BURST_SECONDS)
  let tokens = capacity
  let last = Date.now()

  function refill(): void {
    const now = Date.now()
    tokens = Math.min(capacity, tokens + ((now - last) / 1000) * rate)
    last = now
  }

  return {
    get bytesPerSecond() {
      return rate
    },
    setRate(bps) {
      refill()
      rate = Math.max(0, bps)
      capacity = Math.max(MIN_BURST, rate * BURST_SECONDS)
      tokens = Math.min(tokens, capacity)
    },
    take(bytes, signal) {
      if (rate <= 0 || bytes <= 0) return Promise.resolve()
      refill()
      // Tokens may go negative: that is a reservation, so waiters are served in order.
      tokens -= bytes
      if (tokens >= 0) return Promise.resolve()
      const waitMs = (-tokens / rate) * 1000
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve()
        const done = (): void => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, waitMs)
        signal?.addEventListener('abort', done, { once: true })
      })
    },
  }
}
