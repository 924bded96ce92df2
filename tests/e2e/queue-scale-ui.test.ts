// A folder tree chosen with Add folder in a browser tab of `upshot ui`: the page sends the files'
// bytes to the core over HTTP, and the core lists and records them as they arrive. Every file
// becomes exactly one job and one row. The timings are printed as a `[measure]` line for
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

describe.skipIf(!hasChromium)(`${COUNT} files chosen with Add folder in upshot ui`, () => {
  let ui: UiServer
  let browser: Browser
  let page: Page
  let work: string
  let tree: string

  beforeAll(async () => {
    ensureBuilt()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-scale-ui-'))
    tree = path.join(work, 'library')
    writeTree(tree, COUNT)
    ui = await startUi({ dataDir: path.join(work, 'data') })
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 1000, height: 720 } })).newPage()
    await page.goto(ui.link)
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    await ui?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  }, 600_000)

  it(
    'records every file once, and says how long the rows took to show',
    async () => {
      const total = `of ${COUNT.toLocaleString('en-US')} files`
      await watchPage(page, total)
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        page.getByRole('button', { name: 'Add folder' }).first().click(),
      ])
      const chosenAt = Date.now()
      await chooser.setFiles(tree)
      await page
        .getByTestId('overall-count')
        .getByText(total)
        .waitFor({ timeout: BENCH ? 1_800_000 : 300_000 })
      await until('the page to show every row', async () => (await pageMarks(page)).totals > 0)
      const seen = await pageMarks(page)
      const ledger = new Database(path.join(ui.dataDir, 'ledger.sqlite'), { readonly: true })
      let names: string[]
      try {
        await until(
          'every file recorded',
          () =>
            (ledger.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n >= COUNT,
          120_000,
        )
        names = (ledger.prepare('SELECT source FROM jobs').all() as { source: string }[]).map((r) =>
          path.relative(path.join(ui.dataDir, 'incoming'), r.source),
        )
      } finally {
        ledger.close()
      }
      // One job per file, each under the folder it came in (incoming/<drop>/library/album-…).
      expect(names).toHaveLength(COUNT)
      const relative = names.map((n) => n.split(path.sep).slice(1).join('/'))
      expect(new Set(relative).size).toBe(COUNT)
      expect(relative.every((r) => /^library\/album-\d\/day-\d\/note-\d{5}\.txt$/.test(r))).toBe(
        true,
      )
      console.info(
        `[measure] upshot ui, ${COUNT} files chosen with Add folder: first rows ${seen.firstRow - chosenAt} ms ` +
          `after the files were chosen, all rows ${seen.totals - chosenAt} ms after (every file's bytes ` +
          `sent to the core over HTTP first)`,
      )
    },
    BENCH ? 1_800_000 : 300_000,
  )
})
