// Work a step does not wait for (staging unlinks off the event loop, aborting a failed job's
// multipart upload). A run and the engine's close wait for it, so a finished run leaves nothing
// behind and the ledger is never closed under it.
export class Background {
  private readonly pending = new Set<Promise<void>>()

  /** Runs `work` on its own; its failure is nobody's (each caller already says what it gives up). */
  add(work: Promise<unknown>): void {
    const p: Promise<void> = work
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => this.pending.delete(p))
    this.pending.add(p)
  }

  /** Everything started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all(this.pending)
  }
}
