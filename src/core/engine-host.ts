// The app's engine and its run loop. The engine's slots are sized when it is made, so a new
// upload concurrency takes effect by making a new engine; the app decides when (a quiet moment:
// AppService.restartEngineIfNeeded), this swaps it: the listener moves over, pause all carries
// over, the old engine closes (its claims go back to the ledger).
import type { Engine, EngineEvent } from '../engine'

export interface EngineHostOptions {
  /** Makes an engine with this upload concurrency. */
  make(concurrency: number): Engine
  onEvent(e: EngineEvent): void
  /** A new engine could not be made (the ledger locked or the disk full): said once, not thrown. */
  onSwapFailed(err: unknown): void
  /** The run loop has nothing left (a quiet moment for a new engine). */
  onIdle(): void
}

export class EngineHost {
  private current: Engine
  private off: () => void
  private madeFor: number
  /** Waiting for the current loop's busy spell to end (one waiter, however many runs). */
  private watching = false

  constructor(
    private readonly o: EngineHostOptions,
    concurrency: number,
  ) {
    this.madeFor = concurrency
    this.current = o.make(concurrency)
    this.off = this.current.on((e) => o.onEvent(e))
  }

  get engine(): Engine {
    return this.current
  }

  /** The upload concurrency the engine was made with. */
  get concurrency(): number {
    return this.madeFor
  }

  /**
   * Hands jobs to the engine's one long-lived run (engine/scheduler/run-loop.ts): it drives a
   * few at a time, so a queue of 100,000 is 100,000 ids there, not 100,000 runs.
   */
  run(ids: readonly string[]): void {
    const loop = this.current.runLoop()
    loop.add(ids)
    if (this.watching || loop.size === 0) return
    this.watching = true
    void loop.whenIdle().then(() => {
      this.watching = false
      this.o.onIdle()
    })
  }

  /** Nothing waits, runs or waits for a retry time in the run loop. */
  get idle(): boolean {
    return this.current.runLoop().size === 0
  }

  /** A new engine with `concurrency`; the running one stays when it cannot be made. */
  swap(concurrency: number): void {
    let engine: Engine
    try {
      engine = this.o.make(concurrency)
    } catch (err) {
      this.o.onSwapFailed(err)
      return
    }
    this.madeFor = concurrency
    const old = this.current
    this.off()
    this.current = engine
    this.off = engine.on((e) => this.o.onEvent(e))
    if (old.paused) engine.pause()
    void old.close()
    console.log(`[core] uploads at once: ${concurrency} (the engine was made anew)`)
  }

  async close(): Promise<void> {
    this.off()
    await this.current.close()
  }
}
