// A folder tree added in a browser tab of `upshot ui`, both ways the page offers:
// - Add folder: the core's chooser lists the computer's folders, the core lists the chosen one
//   itself and records its files in place, as the window does with its dialog's folder;
// - "Send from this browser…" (and drag and drop): the page sends every file's bytes to the core
//   over HTTP, and the core records each copy as it arrives.
// Every file becomes exactly one job and one row. The timings are printed as `[measure]` lines for
// docs/BENCHMARKS.md (the benchmark runs it with 10,000 files: UPSHOT_BENCH_QUEUE=1), never
// asserted.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startUi, type UiServer } from '../helpers/ui-server'
import { until } from '../helpers/until'
import { ensureBuilt } from './helpers/build'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { pageMarks, watchPage, writeTree } from './helpers/queue-measure'

warnIfNoChromium('queue scale through upshot ui test')
const BENCH = process.env.UPSHOT_BENCH_QUEUE === '1'
const COUNT = BENCH ? 10_000 : 400
const WAIT_MS = BENCH ? 1_800_000 : 300_000
const NOTE = /^library\/album-\d\/day-\d\/note-\d{5}\.txt$/

describe.skipIf(!hasChromium)(`${COUNT} files added as a folder in upshot ui`, () => {
  let browser: Browser
  let work: string
  let tree: string
  const servers: UiServer[] = []

  beforeAll(async () => {
    ensureBuilt()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-scale-ui-'))
    tree = path.join(work, 'library')
    writeTree(tree, COUNT)
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    for (const ui of servers) await ui.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  }, 600_000)

  /** A fresh `upshot ui` (its own data dir) and a tab on it, watched for the rows' times. */
  async function openUi(name: string): Promise<{ ui: UiServer; page: Page }> {
    const ui = await startUi({ dataDir: path.join(work, `data-${name}`) })
    servers.push(ui)
    const page = await (
      await browser.newContext({ viewport: { width: 1000, height: 720 } })
    ).newPage()
    await page.goto(ui.link)
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
    await watchPage(page, totalText())
    return { ui, page }
  }

  const totalText = (): string => `of ${COUNT.toLocaleString('en-US')} files`

  /** Waits for every row, then answers the times from `since`. */
  async function rowsShown(page: Page, since: number): Promise<{ first: number; all: number }> {
    await page.getByTestId('overall-count').getByText(totalText()).waitFor({ timeout: WAIT_MS })
    await until('the page to show every row', async () => (await pageMarks(page)).totals > 0)
    const seen = await pageMarks(page)
    return { first: seen.firstRow - since, all: seen.totals - since }
  }

  /** Each job's source, once every file is recorded. */
  async function sources(ui: UiServer): Promise<string[]> {
    const ledger = new Database(path.join(ui.dataDir, 'ledger.sqlite'), { readonly: true })
    try {
      await until(
        'every file recorded',
        () => (ledger.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n >= COUNT,
        120_000,
      )
      return (ledger.prepare('SELECT source FROM jobs').all() as { source: string }[]).map(
        (r) => r.source,
      )
    } finally {
      ledger.close()
    }
  }

  async function openChooserAt(page: Page, folder: string): Promise<void> {
    await page.getByRole('button', { name: 'Add folder' }).first().click()
    const chooser = page.getByTestId('path-chooser')
    await chooser.getByRole('heading', { name: 'Add a folder' }).waitFor()
    await chooser.getByLabel('Path').fill(folder)
    await chooser.getByRole('button', { name: 'Go', exact: true }).click()
    await chooser.getByRole('button', { name: 'album-9' }).waitFor()
  }

  it(
    'Add folder: the core lists the chosen folder, records each file in place, copies nothing',
    async () => {
      const { ui, page } = await openUi('chooser')
      await openChooserAt(page, tree)
      const chosenAt = Date.now()
      await page.getByRole('button', { name: 'Add this folder' }).click()
      const { first, all } = await rowsShown(page, chosenAt)
      const found = await sources(ui)
      expect(found).toHaveLength(COUNT)
      const relative = found.map((s) => path.relative(work, s).split(path.sep).join('/'))
      expect(new Set(relative).size).toBe(COUNT)
      expect(relative.every((r) => NOTE.test(r))).toBe(true)
      // Nothing crossed HTTP: the core keeps no copy of what it read in place.
      const incoming = path.join(ui.dataDir, 'incoming')
      const copies = fs.existsSync(incoming) ? fs.readdirSync(incoming, { recursive: true }) : []
      expect(copies).toEqual([])
      console.info(
        `[measure] upshot ui, ${COUNT} files, Add folder (the core's chooser): first rows ${first} ms ` +
          `after the folder was chosen, all rows ${all} ms after`,
      )
      // Its uploads would run on beside the next measure.
      await page.context().close()
      await ui.stop()
      servers.splice(servers.indexOf(ui), 1)
    },
    WAIT_MS,
  )

  it(
    'sent from the browser: every file once, each under the folder it came in',
    async () => {
      const { ui, page } = await openUi('sent')
      await openChooserAt(page, tree)
      // When the page is handed the files (its picker, never in the document, reads `files` on
      // `change`): the browser lists the folder before that.
      await page.evaluate(() => {
        const w = window as unknown as { __filesAt?: number }
        const files = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'files')!
        Object.defineProperty(HTMLInputElement.prototype, 'files', {
          ...files,
          get(this: HTMLInputElement) {
            w.__filesAt ??= Date.now()
            return files.get!.call(this) as FileList | null
          },
        })
      })
      const [picker] = await Promise.all([
        page.waitForEvent('filechooser'),
        page.getByRole('button', { name: 'Send from this browser…' }).click(),
      ])
      const chosenAt = Date.now()
      await picker.setFiles(tree)
      const { first, all } = await rowsShown(page, chosenAt)
      const filesAt = await page.evaluate(
        () => (window as unknown as { __filesAt?: number }).__filesAt ?? 0,
      )
      expect(filesAt).toBeGreaterThanOrEqual(chosenAt)
      const found = await sources(ui)
      // One job per file, each under the folder it came in (incoming/<drop>/library/album-…).
      expect(found).toHaveLength(COUNT)
      const relative = found.map((s) =>
        path.relative(path.join(ui.dataDir, 'incoming'), s).split(path.sep).slice(1).join('/'),
      )
      expect(new Set(relative).size).toBe(COUNT)
      expect(relative.every((r) => NOTE.test(r))).toBe(true)
      console.info(
        `[measure] upshot ui, ${COUNT} files sent from the browser: first rows ${first} ms ` +
          `after the files were chosen, all rows ${all} ms after (the page was handed the files ` +
          `${filesAt - chosenAt} ms after they were chosen; then every file's bytes are sent to ` +
          `the core over HTTP first)`,
      )
    },
    WAIT_MS,
  )
})
