// Measuring a big drop on the real path: the renderer in Chromium, the real core process over
// its channel (through the supervisor), and the core's own step timings (UPSHOT_TRACE=queue, see
// src/core/queue-trace.ts). Wall-clock stamps (Date.now) line the three up: one machine, one
// clock. These are measurements printed for docs/BENCHMARKS.md, not assertions.

import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import type { QueuePatch } from '../../../src/shared/api'
import type { TestApp } from './app'

/** A folder tree of `count` small files: `folders` folders of `folders` subfolders each. */
export function writeTree(root: string, count: number, folders = 10): string[] {
  const leaves: string[] = []
  for (let a = 0; a < folders; a++)
    for (let b = 0; b < folders; b++) leaves.push(path.join(root, `album-${a}`, `day-${b}`))
  const per = Math.ceil(count / leaves.length)
  const files: string[] = []
  for (const dir of leaves) {
    fs.mkdirSync(dir, { recursive: true })
    for (let i = 0; i < per && files.length < count; i++) {
      const file = path.join(dir, `note-${String(i).padStart(5, '0')}.txt`)
      fs.writeFileSync(file, `note ${files.length}\n`)
      files.push(file)
    }
  }
  return files
}

export interface PatchLog {
  at: number
  bytes: number
  rows: number
  /** Jobs past `queued` in this patch (an upload under way or done). */
  started: number
  adding: boolean
  total: number
}

/** Records every queue patch the host gets from the core, with its size on the wire. */
export function recordPatches(app: TestApp): PatchLog[] {
  const log: PatchLog[] = []
  app.listen((name, payload) => {
    if (name !== 'queue') return
    const p = payload as QueuePatch
    log.push({
      at: Date.now(),
      bytes: Buffer.byteLength(JSON.stringify(p)),
      rows: p.added.length,
      started:
        p.overall.counts.processing +
        p.overall.counts.processed +
        p.overall.counts.uploading +
        p.overall.counts.done,
      adding: p.overall.adding,
      total: Object.values(p.overall.counts).reduce((a, b) => a + b, 0),
    })
  })
  return log
}

export interface TraceLine {
  step: string
  at: number
  fields: Record<string, number>
}

/** The core's [trace] lines (stderr) since `since`. */
export function traceLines(app: TestApp, since: number): TraceLine[] {
  const out: TraceLine[] = []
  for (const line of app.logs) {
    const m = /\[trace\] (\w+) at=(\d+) ?(.*)$/.exec(line)
    if (!m || Number(m[2]) < since) continue
    const fields: Record<string, number> = {}
    for (const kv of m[3]!.split(' ').filter(Boolean)) {
      const [k, v] = kv.split('=')
      fields[k!] = Number(v)
    }
    out.push({ step: m[1]!, at: Number(m[2]), fields })
  }
  return out
}

/**
 * Watches the page: when the first queue row is in the DOM, when the header says `totalsText`,
 * and when each queue patch reached the page. Call before the drop.
 */
export async function watchPage(page: Page, totalsText: string): Promise<void> {
  await page.evaluate((text) => {
    const w = window as unknown as {
      __measure: { firstRow: number; totals: number; delivered: number[] }
      __upshotDeliver?(c: string, p: unknown): void
    }
    const m = { firstRow: 0, totals: 0, delivered: [] as number[] }
    w.__measure = m
    // The test bridge's delivery (a browser tab of `upshot ui` has none: no delivery times).
    const deliver = w.__upshotDeliver
    if (deliver)
      w.__upshotDeliver = (c, p) => {
        // Patches carrying rows (the first one may only say a listing began).
        const windows = (p as { windows?: { rows: unknown[] }[] }).windows ?? []
        if (c === 'upshot:event:queue' && windows.some((w) => w.rows.length > 0))
          m.delivered.push(Date.now())
        deliver(c, p)
      }
    const check = (): void => {
      if (!m.firstRow && document.querySelector('[data-testid="queue-row"]'))
        m.firstRow = Date.now()
      const count = document.querySelector('[data-testid="overall-count"]')?.textContent ?? ''
      if (!m.totals && count.includes(text) && !document.querySelector('.badge--adding'))
        m.totals = Date.now()
    }
    new MutationObserver(check).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true,
    })
  }, totalsText)
}

export function pageMarks(
  page: Page,
): Promise<{ firstRow: number; totals: number; delivered: number[] }> {
  return page.evaluate(
    () =>
      (
        window as unknown as {
          __measure: { firstRow: number; totals: number; delivered: number[] }
        }
      ).__measure,
  )
}

/** Frame times while the list is scrolled from top to bottom, one step per animation frame. */
export interface ScrollFrames {
  median: number
  p95: number
  max: number
  /** Where the page's main thread spent the run, per frame (Chromium's own counters). */
  perFrame: { script: number; layout: number; style: number; task: number }
}

/**
 * Scrolls the queue from top to bottom in `steps` jumps, one per frame, and times the frames; the
 * Performance domain's counters say where the time went (script: React and the store; layout and
 * style: the rows' boxes; task: everything the main thread ran).
 */
export async function scrollFrames(page: Page, steps = 120): Promise<ScrollFrames> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const metrics = async (): Promise<Map<string, number>> => {
    const { metrics: m } = (await cdp.send('Performance.getMetrics')) as {
      metrics: { name: string; value: number }[]
    }
    return new Map(m.map((x) => [x.name, x.value]))
  }
  // UPSHOT_PROFILE_SCROLL=1: the functions the page's main thread spent the run in, printed.
  const profiling = process.env.UPSHOT_PROFILE_SCROLL === '1'
  if (profiling) {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 })
    await cdp.send('Profiler.start')
  }
  const before = await metrics()
  const frames = await page.evaluate(async (n) => {
    const list = document.querySelector('[data-testid="queue-list"]')!
    const times: number[] = []
    let last = performance.now()
    for (let i = 0; i < n; i++) {
      list.scrollTop = (list.scrollHeight * i) / (n - 1)
      await new Promise(requestAnimationFrame)
      const now = performance.now()
      times.push(now - last)
      last = now
    }
    times.sort((a, b) => a - b)
    const at = (q: number): number => times[Math.min(n - 1, Math.floor(q * n))]!
    return { median: at(0.5), p95: at(0.95), max: times[n - 1]! }
  }, steps)
  const after = await metrics()
  if (profiling) printProfile(await cdp.send('Profiler.stop'))
  await cdp.detach()
  const per = (name: string): number =>
    (((after.get(name) ?? 0) - (before.get(name) ?? 0)) * 1000) / steps
  return {
    ...frames,
    perFrame: {
      script: per('ScriptDuration'),
      layout: per('LayoutDuration'),
      style: per('RecalcStyleDuration'),
      task: per('TaskDuration'),
    },
  }
}

/** The frame figures as the [measure] lines print them. */
export function framesText(f: ScrollFrames): string {
  const p = f.perFrame
  return (
    `median ${f.median.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms ` +
    `(per frame: script ${p.script.toFixed(1)} ms, layout ${p.layout.toFixed(1)} ms, ` +
    `style ${p.style.toFixed(1)} ms, main thread busy ${p.task.toFixed(1)} ms)`
  )
}

/** The page's JS heap in use (CDP), in MiB. */
export async function pageHeapMiB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('HeapProfiler.collectGarbage')
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }
  await cdp.detach()
  return usedSize / 1024 / 1024
}

/** A process's resident memory, in MiB (Linux). */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
  return kb / 1024
}

export function sum(lines: TraceLine[], step: string, field: string): number {
  return lines.filter((l) => l.step === step).reduce((a, l) => a + (l.fields[field] ?? 0), 0)
}

interface CpuProfile {
  profile: {
    nodes: {
      id: number
      hitCount?: number
      callFrame: { functionName: string; url: string; lineNumber: number }
    }[]
    startTime: number
    endTime: number
  }
}

function printProfile({ profile }: CpuProfile): void {
  const samples = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0)
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, samples)
  const self = new Map<string, number>()
  for (const node of profile.nodes) {
    const f = node.callFrame
    const key = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0) * msPerSample)
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)
  console.info(
    `[profile] scroll, self time:\n${top.map(([k, v]) => `  ${v.toFixed(0)} ms ${k}`).join('\n')}`,
  )
}
