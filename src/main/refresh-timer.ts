// A refresh that runs at most once per interval however often it is asked for (the tray's menu
// on queue changes), and never again once stopped: on quit the timer is cleared so nothing
// touches a tray that is being destroyed. Free of 'electron'.

export class RefreshTimer {
  private timer: NodeJS.Timeout | null = null
  private stopped = false

  constructor(
    private readonly run: () => void,
    private readonly intervalMs = 2000,
  ) {}

  schedule(): void {
    if (this.timer || this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = null
      if (!this.stopped) this.run()
    }, this.intervalMs)
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}
