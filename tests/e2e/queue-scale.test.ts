// A drop of a 10,000-file folder tree, on the real path: the renderer in Chromium, the real core
// process over its channel (started by the supervisor, as Electron's main process does). The core
// lists, records and shows the drop page by page; nothing is lost or duplicated when the drop is
// stopped halfway or the window closes during the listing. Timings are printed as `[measure]`
// lines for docs/BENCHMARKS.md (`npm run bench -- --only queue-scale` adds the upload and
// 100,000-job runs), never asserted.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, until, type TestApp } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import {
  pageHeapMiB,
  pageMarks,
  recordPatches,
  rssMiB,
  framesText,
  scrollFrames,
  sum,
  traceLines,
  watchPage,
  writeTree,
  type PatchLog,
} from './helpers/queue-measure'
import { serveDirectory, type StaticServer } from './helpers/static-server'

warnIfNoChromium('queue scale test')
const COUNT = 10_000
/** The benchmark's longer runs: 10,000 uploads, and 100,000 jobs for memory. */
const BENCH = process.env.UPSHOT_BENCH_QUEUE === '1'
const VIEWPORT = { width: 1000, height: 720 }
const TRACE = { UPSHOT_TRACE: 'queue' }

describe.skipIf(!hasChromium)('a drop of 10,000 files', () => {
  let browser: Browser
  let server: StaticServer
  let work: string
  let tree: string
  let files: string[]
  const apps: TestApp[] = []

  beforeAll(async () => {
    ensureBuilt()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-scale-'))
    tree = path.join(work, 'library')
    files = writeTree(tree, COUNT)
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    for (const app of apps) await app.close()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  }, 600_000) // the benchmark's 100,000 files take minutes to remove on a shared machine

  async function app(name: string, env: NodeJS.ProcessEnv = TRACE): Promise<TestApp> {
    const a = await startTestApp({ dataDir: path.join(work, name), env })
    apps.push(a)
    return a
  }

  function page(a: TestApp): Promise<BridgedPage> {
    return openBridgedPage(browser, server.url, a, { paths: { library: tree }, viewport: VIEWPORT })
  }

  async function drop(bridged: BridgedPage): Promise<number> {
    await bridged.page.getByRole('heading', { name: 'Drop images here' }).waitFor()
    await watchPage(bridged.page, `of ${COUNT.toLocaleString('en-US')} files`)
    const at = Date.now()
    // A dropped folder: one File whose path is the folder.
    await bridged.page.evaluate(() => {
      const data = new DataTransfer()
      data.items.add(new File([''], 'library'))
      document.body.dispatchEvent(
        new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
      )
    })
    return at
  }

  function ledgerSources(a: TestApp): string[] {
    return (a.ledger().prepare('SELECT source FROM jobs').all() as { source: string }[]).map(
      (r) => r.source,
    )
  }

  it('shows the first rows while the tree is listed, then every row with the totals', async () => {
    const a = await app('held')
    await a.call('pauseAll') // held: this run is about the window, not about sending the files
    const bridged = await page(a)
    const patches = recordPatches(a)
    const dropAt = await drop(bridged)
    // Listing 10,000 files takes seconds idle, a minute or more on a machine the suites share.
    await bridged.page
      .getByText(`0 of ${COUNT.toLocaleString('en-US')} files done`)
      .waitFor({ timeout: 300_000 })
    await until('the listing to end', () => patches.some((p) => !p.adding && p.total === COUNT))
    await until('the page to show it', async () => (await pageMarks(bridged.page)).totals > 0)
    const marks = await pageMarks(bridged.page)

    const sources = ledgerSources(a)
    expect(sources.length).toBe(COUNT)
    expect(new Set(sources).size).toBe(COUNT)
    expect((await a.queue()).jobs.map((j) => j.source)).toEqual(files)
    // The first page was on screen before the listing ended: rows arrive in several patches...
    const withRows = patches.filter((p) => p.rows > 0)
    expect(withRows.length).toBeGreaterThan(1)
    expect(withRows[0]!.adding).toBe(true)
    // ...and patches are coalesced: at most one per 250 ms interval, plus one for new rows.
    const span = patches.at(-1)!.at - patches[0]!.at
    expect(patches.length).toBeLessThanOrEqual(2 * Math.ceil(span / 250) + 2)

    const rows = bridged.page.getByTestId('queue-row')
    expect(await rows.count()).toBeLessThan(40)
    expect(await rows.first().getAttribute('data-name')).toBe('note-00000.txt')
    const frames = await scrollFrames(bridged.page)
    await bridged.page.locator('[data-testid="queue-row"][data-name="note-00099.txt"]').waitFor()
    expect(await rows.count()).toBeLessThan(40)
    const heap = await pageHeapMiB(bridged.page)
    const rss = rssMiB(a.supervisor.pid!)

    const trace = traceLines(a, dropAt)
    const firstPage = trace.find((l) => l.step === 'page')
    const firstPatch = trace.find((l) => l.step === 'patch' && (l.fields.rows ?? 0) > 0)
    console.info(
      `[measure] ${COUNT} files: first rows ${marks.firstRow - dropAt} ms after the drop, ` +
        `all rows ${marks.totals - dropAt} ms after the drop, ${trafficText(patches)}; ` +
        `steps: list ${ms(sum(trace, 'page', 'listMs'))}, record ${ms(sum(trace, 'page', 'recordMs'))}, ` +
        `track+run ${ms(sum(trace, 'page', 'trackMs'))}, patch build ${ms(sum(trace, 'patch', 'ms'))}; ` +
        `first page: recorded +${(firstPage?.at ?? NaN) - dropAt} ms, patch sent +${(firstPatch?.at ?? NaN) - dropAt} ms, ` +
        `host +${withRows[0]!.at - dropAt} ms, page +${marks.delivered[0]! - dropAt} ms, drawn +${marks.firstRow - dropAt} ms; ` +
        `scroll frames ${framesText(frames)}; ` +
        `window heap ${heap.toFixed(1)} MiB (${rowsSentToPage(a)} rows sent to it), core RSS ${rss.toFixed(0)} MiB`,
    )
    bridged.detach()
    await bridged.page.context().close()
  })

  it('shows the right rows when scrolled to the middle of 10,000, sent only the rows it showed', async () => {
    const a = await app('middle', {})
    await a.call('pauseAll')
    await a.call('addPaths', [tree])
    const bridged = await page(a)
    const { page: p } = bridged
    await p
      .getByText(`0 of ${COUNT.toLocaleString('en-US')} files done`)
      .waitFor({ timeout: 60_000 })
    await p.getByTestId('queue-row').first().waitFor()
    // Jump to the middle as a dragged scrollbar does: rows nobody asked for yet.
    await p.evaluate(() => {
      const list = document.querySelector('[data-testid="queue-list"]')!
      list.scrollTop = list.scrollHeight / 2
    })
    await until('the middle rows to arrive', async () => {
      const placeholders = await p.getByTestId('queue-row-placeholder').count()
      const first = await p.locator('.list__item').first().getAttribute('data-index')
      return placeholders === 0 && Number(first) > 4000
    })
    const shown = await p.locator('.list__item').evaluateAll((items) =>
      items.map((item) => ({
        index: Number(item.getAttribute('data-index')),
        name: item.querySelector('[data-testid="queue-row"]')?.getAttribute('data-name'),
        source: item.querySelector('.row__name')?.getAttribute('title'),
      })),
    )
    expect(shown.length).toBeGreaterThan(5)
    for (const row of shown) {
      expect(row.index).toBeGreaterThan(4000)
      expect(row.index).toBeLessThan(6000)
      expect(row.name).toBe(path.basename(files[row.index]!))
      expect(row.source).toBe(files[row.index])
    }
    // The page was sent the rows around what it showed, never the queue.
    expect(rowsSentToPage(a)).toBeLessThan(1000)
    bridged.detach()
    await p.context().close()
  })

  it('copies the links of every finished upload, most of them outside the window', async () => {
    const done = path.join(work, 'finished-notes')
    const n = 300
    const sent = writeTree(done, n, 3)
    const a = await app('finished', {})
    await a.call('addPaths', [done])
    await until(
      'the uploads to finish',
      async () => {
        const { counts } = (await a.queue()).overall
        if (counts.failed > 0) throw new Error(`uploads failed: ${JSON.stringify(counts)}`)
        return counts.done === n
      },
      300_000,
    )
    const bridged = await openBridgedPage(browser, server.url, a, { paths: {}, viewport: VIEWPORT })
    const { page: p } = bridged
    await p.getByRole('tab', { name: /^Results/ }).click()
    await p.getByTestId('result-row').first().waitFor()
    expect(await p.getByTestId('result-row').count()).toBeLessThan(40)
    await p.getByRole('button', { name: 'Select all' }).click()
    await p.getByRole('button', { name: `Copy ${n} links` }).click()
    await until('the links on the clipboard', () => a.clipboard.length > 0)
    const lines = a.clipboard.at(-1)!.split('\n')
    expect(lines).toHaveLength(n)
    // Every upload, in queue order: the first and the last are rows the page never held.
    expect(lines[0]).toContain(path.basename(sent[0]!))
    expect(lines[n - 1]).toContain(path.basename(sent[n - 1]!))
    expect(rowsSentToPage(a)).toBeLessThan(n / 2)
    bridged.detach()
    await p.context().close()
  }, 400_000)

  it('loses and duplicates nothing when the window closes during the listing', async () => {
    const a = await app('closed')
    await a.call('pauseAll')
    const bridged = await page(a)
    const patches = recordPatches(a)
    await drop(bridged)
    await bridged.page.getByTestId('queue-row').first().waitFor()
    bridged.detach()
    await bridged.page.context().close()
    // Closed mid-listing: the core had not finished listing when the window went away.
    const closedAt = Date.now()
    expect(patches.filter((p) => p.at <= closedAt).at(-1)?.adding).toBe(true)

    // The core lists on; a new window finds every file, once.
    await until('the listing to end', () => patches.some((p) => !p.adding && p.total === COUNT))
    const sources = ledgerSources(a)
    expect(sources.length).toBe(COUNT)
    expect(new Set(sources).size).toBe(COUNT)
    expect((await a.queue()).jobs.map((j) => j.source)).toEqual(files)
    const again = await page(a)
    await again.page.getByText(`0 of ${COUNT.toLocaleString('en-US')} files done`).waitFor()
    again.detach()
    await again.page.context().close()
  })

  it('keeps exactly what was listed when the drop is stopped halfway', async () => {
    const a = await app('stopped')
    await a.call('pauseAll')
    const patches = recordPatches(a)
    const adding = a.call('addPaths', [tree])
    await until('the first rows', () => patches.some((p) => p.rows > 0))
    await a.call('stopAdding')
    const { added } = await adding
    expect(added).toBeGreaterThan(0)
    expect(added).toBeLessThan(COUNT)
    await until('the queue to say the listing ended', () => patches.some((p) => !p.adding))

    // Exactly the files listed before the stop, in order, each once: in the ledger, in the queue.
    const sources = ledgerSources(a)
    expect(sources.length).toBe(added)
    expect(new Set(sources)).toEqual(new Set(files.slice(0, added)))
    expect((await a.queue()).jobs.map((j) => j.source)).toEqual(files.slice(0, added))
    // And they run: let go, every one of them is uploaded (and nothing else appears).
    await a.call('resumeAll')
    await until(
      'the stopped drop to upload',
      async () => (await a.queue()).overall.counts.done === added,
      300_000,
    )
    expect(ledgerSources(a).length).toBe(added)
  })

  it.runIf(BENCH)(
    'benchmark: 10,000 small files upload while the window scrolls',
    async () => {
      const a = await app('upload')
      const bridged = await page(a)
      const patches = recordPatches(a)
      const dropAt = await drop(bridged)
      await bridged.page.getByTestId('queue-row').first().waitFor()
      const marks = await pageMarks(bridged.page)
      const frames = await scrollFrames(bridged.page, 240)
      // Traffic over the first 30 s of uploads (all 10,000 take minutes on a shared machine).
      await until('30 s of uploads', () => Date.now() - dropAt > 30_000, 60_000)
      await a.call('pauseAll')
      const window = patches.filter((p) => p.at - dropAt <= 30_000)
      const firstDone = (
        a.ledger().prepare('SELECT MIN(finished_at) AS t FROM jobs').get() as { t: number }
      ).t
      const firstStarted = patches.find((p) => p.started > 0)!.at
      const startedInCore = traceLines(a, dropAt).find((l) => l.step === 'started')?.at ?? NaN
      const done = (await a.queue()).overall.counts.done
      console.info(
        `[measure] ${COUNT} files uploading: first rows ${marks.firstRow - dropAt} ms after the drop, ` +
          `first upload started in the core +${startedInCore - dropAt} ms, ` +
          `seen started in the window +${firstStarted - dropAt} ms, first upload finished ` +
          `+${firstDone - dropAt} ms, ${done} done in 30 s; ${trafficText(window)}; ` +
          `scroll frames while running ${framesText(frames)}`,
      )
      bridged.detach()
      await bridged.page.context().close()
    },
    300_000,
  )

  it.runIf(BENCH)(
    'benchmark: memory with 100,000 jobs in the ledger',
    async () => {
      const big = path.join(work, 'big')
      const n = 100_000
      writeTree(big, n, 20)
      const a = await app('big-data') // not inside the dropped folder
      await a.call('pauseAll')
      const bridged = await openBridgedPage(browser, server.url, a, {
        paths: { library: big },
        viewport: VIEWPORT,
      })
      await bridged.page.getByRole('heading', { name: 'Drop images here' }).waitFor()
      const before = { heap: await pageHeapMiB(bridged.page), rss: rssMiB(a.supervisor.pid!) }
      const patches = recordPatches(a)
      const dropAt = Date.now()
      await a.call('addPaths', [big])
      await until(
        'the listing to end',
        () => patches.some((p) => !p.adding && p.total === n),
        900_000,
      )
      await bridged.page
        .getByText(`0 of ${n.toLocaleString('en-US')} files done`)
        .waitFor({ timeout: 300_000 })
      const shownAt = Date.now()
      const frames = await scrollFrames(bridged.page)
      const heap = await pageHeapMiB(bridged.page)
      const rss = rssMiB(a.supervisor.pid!)
      console.info(
        `[measure] ${n} jobs: all rows ${shownAt - dropAt} ms after the drop, ${trafficText(patches)}; ` +
          `window heap ${before.heap.toFixed(1)} -> ${heap.toFixed(1)} MiB, core RSS ` +
          `${before.rss.toFixed(0)} -> ${rss.toFixed(0)} MiB; scroll frames p95 ${frames.p95.toFixed(1)} ms, ` +
          `max ${frames.max.toFixed(1)} ms`,
      )
      bridged.detach()
      await bridged.page.context().close()
    },
    1_200_000,
  )
})

/** Distinct queue rows sent towards the page (events and command answers). */
function rowsSentToPage(a: TestApp): number {
  return new Set([...a.wire().matchAll(/"id":"([^"]+)","name":/g)].map((m) => m[1])).size
}

function ms(n: number): string {
  return `${Math.round(n)} ms`
}

function trafficText(patches: PatchLog[]): string {
  const span = Math.max(1, patches.at(-1)!.at - patches[0]!.at) / 1000
  const bytes = patches.map((p) => p.bytes)
  const mean = bytes.reduce((a, b) => a + b, 0) / bytes.length / 1024
  const max = Math.max(...bytes) / 1024
  return (
    `${patches.length} patches (${(patches.length / span).toFixed(1)}/s), ` +
    `${mean.toFixed(1)} KiB per patch on average, ${max.toFixed(1)} KiB max`
  )
}
