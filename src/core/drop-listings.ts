// Drops still being listed: each one holds an AbortController so the user can stop adding (a
// folder much larger than meant) without losing what was already recorded, and the queue says
// "adding" while any runs.

export class DropListings {
  private readonly running = new Set<AbortController>()

  constructor(private readonly changed: (adding: boolean) => void) {}

  start(): AbortController {
    const ctl = new AbortController()
    this.running.add(ctl)
    if (this.running.size === 1) this.changed(true)
    return ctl
  }

  end(ctl: AbortController): void {
    if (!this.running.delete(ctl)) return
    if (this.running.size === 0) this.changed(false)
  }

  /** Stops every listing at its next entry; pages already recorded stay in the queue. */
  stopAll(): void {
    for (const ctl of this.running) ctl.abort()
  }

  get active(): boolean {
    return this.running.size > 0
  }
}
