// Side-by-side runs: every contender runs once per round, in a rotating order so neither always
// gets the warmer (or noisier) slot; failures are recorded, never hidden.
import { backgroundBusy } from './machine.mjs'
import { summarize } from './stats.mjs'

/**
 * contenders: [{ name, fn(round) -> Promise<{ seconds, ... }> }]
 * Returns { [name]: { runs: [...], time: summary }, failures: [string] }.
 */
export async function sideBySide(contenders, rounds, log) {
  const out = { failures: [], background: [] }
  for (const c of contenders) out[c.name] = { runs: [] }
  for (let round = 0; round < rounds; round++) {
    const busy = await backgroundBusy()
    if (busy !== null) out.background.push(busy)
    const shift = round % contenders.length
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)]
    for (const c of order) {
      try {
        const r = await c.fn(round)
        out[c.name].runs.push(r)
        log(`  round ${round + 1}/${rounds} ${c.name}: ${r.seconds.toFixed(2)} s`)
      } catch (err) {
        const msg = `${c.name}, round ${round + 1}: ${err instanceof Error ? err.message : err}`
        out.failures.push(msg)
        log(`  FAILED ${msg}`)
      }
    }
  }
  for (const c of contenders) {
    out[c.name].time = summarize(out[c.name].runs.map((r) => r.seconds))
    out[c.name].cpu = summarize(out[c.name].runs.map((r) => r.cpu ?? NaN))
  }
  out.busy = summarize(out.background)
  return out
}

/** Ratios of the medians, and of each round (min-max) where both ran in that round. */
export function ratioOf(a, b) {
  const median = a.time.median / b.time.median
  const perRound = []
  const n = Math.min(a.runs.length, b.runs.length)
  for (let i = 0; i < n; i++) perRound.push(a.runs[i].seconds / b.runs[i].seconds)
  return { median, min: Math.min(...perRound), max: Math.max(...perRound) }
}

/** "CPU time (user + system, median): Upshot 1.2 s, ImageMagick 3.4 s; 0.35x." */
export function cpuText(res, names) {
  const have = names.filter(([key]) => res[key]?.cpu?.n > 0)
  if (have.length < 2) return null
  const parts = have.map(([key, label]) => `${label} ${res[key].cpu.median.toFixed(2)} s`)
  const [a, b] = have
  const ratio = res[a[0]].cpu.median / res[b[0]].cpu.median
  return (
    `CPU time (user + system of every process, median): ${parts.join(', ')}; ` +
    `${a[1]} / ${b[1]} ${ratio.toFixed(2)}x. CPU time moves little when other work shares the machine; wall time does.`
  )
}
