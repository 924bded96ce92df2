// The engine's long-lived run (Engine.runLoop): the scheduler's run loop, with what engine.run
// does around a run done once per busy spell instead of once per job: destinations stopped by an
// earlier failure are tried again when jobs are added, the mirror worker copies beside the jobs
// while any run, and the last progress is sent when the loop goes idle.
import type { JobLoop } from './api'
import type { DestinationCache } from './destination-cache'
import type { EngineEvents } from './events'
import type { MirrorWorker } from './mirrors'
import type { Scheduler } from './scheduler'

export function createJobLoop(deps: {
  scheduler: Scheduler
  destinations: DestinationCache
  events: EngineEvents
  mirrorWorker: MirrorWorker
}): JobLoop & { close(): Promise<void> } {
  const { scheduler, destinations, events, mirrorWorker } = deps
  const stop = new AbortController()
  /** Ends the mirror worker's current spell; set while the loop is busy. */
  let endSpell: (() => void) | undefined
  const loop = scheduler.loop({
    onError: (err) => {
      // The scheduler reports the ledger's failures itself; anything else is a bug to see.
      if (!scheduler.closed) console.error('[upshot] a job run ended with an error:', err)
    },
    onIdle: () => {
      events.flush()
      endSpell?.()
      endSpell = undefined
    },
  })
  return {
    add(ids) {
      if (ids.length === 0 || stop.signal.aborted) return
      // As engine.run does: a destination stopped for bad keys is tried again when asked again.
      destinations.clearStops()
      if (!endSpell) {
        const spell = new Promise<void>((resolve) => (endSpell = resolve))
        void mirrorWorker.alongside(spell, stop.signal)
      }
      loop.add(ids)
    },
    get size() {
      return loop.size
    },
    get running() {
      return loop.running
    },
    whenIdle: () => loop.whenIdle(),
    async close() {
      stop.abort()
      await loop.close()
    },
  }
}
