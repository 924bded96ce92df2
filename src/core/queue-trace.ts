// Where the time of a big drop goes, step by step (list, record, track, patch), for the
// queue-scale benchmark: with UPSHOT_TRACE=queue the core writes one line per step to stderr,
// stamped with the wall clock so the host can line them up with what the window saw. Off, it
// costs one boolean test per page and per patch.

const ENABLED = (process.env.UPSHOT_TRACE ?? '').split(',').includes('queue')

export function queueTraceEnabled(): boolean {
  return ENABLED
}

export function traceQueue(step: string, fields: Record<string, number>): void {
  if (!ENABLED) return
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${Math.round(v * 10) / 10}`)
  process.stderr.write(`[trace] ${step} at=${Date.now()} ${parts.join(' ')}\n`)
}
