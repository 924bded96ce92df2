// Messages for the page that must not be lost while it is not listening yet (at start, after a
// reload): "the shortcut is taken", "the engine is restarting". The page subscribes to events
// before it sends its first command (App.tsx), so the first command from a freshly loaded page
// opens the gate and what was held is delivered in order. Free of 'electron'.

export class PageGate<T> {
  private open = false
  private held: T[] = []

  constructor(
    private readonly deliver: (item: T) => void,
    /** Beyond this many held items the oldest go (a page that never loads must not grow it). */
    private readonly max = 20,
  ) {}

  send(item: T): void {
    if (this.open) {
      this.deliver(item)
      return
    }
    this.held.push(item)
    if (this.held.length > this.max) this.held.shift()
  }

  /** The page sent a command: it listens now. */
  opened(): void {
    if (this.open) return
    this.open = true
    for (const item of this.held.splice(0)) this.deliver(item)
  }

  /** The page is (re)loading: hold messages again until it has listened. */
  closed(): void {
    this.open = false
  }
}
