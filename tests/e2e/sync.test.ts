// The Sync folders view in Chromium, on the real core process and a real S3 server: a folder -> bucket
// pair is added through the folder dialog, its preview names the plan, "Run now" uploads the
// files (the objects are on the server), the pair says it is up to date, and a file written into
// the folder while it is watched is uploaded within seconds. Then its history, pause and forget.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startTestApp, type TestApp, testBucketDestination } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { saveScreenshot } from './helpers/shots'
import { serveDirectory, type StaticServer } from './helpers/static-server'
import { CORPUS } from '../helpers/fixtures'

warnIfNoChromium('sync view test')
const VIEWPORT = { width: 1100, height: 740 }

/** The folder as the user keeps it: photos in two levels, and a draft the filter leaves out. */
const FOLDER: [file: string, as: string][] = [
  ['exif-samples__jpg_mobile_jolla.jpg', 'market.jpg'],
  ['exif-samples__jpg_gps_DSCN0010.jpg', 'castle.jpg'],
  ['sharp__4.webp', 'trips/sketch.webp'],
  ['exif-samples__jpg_orientation_portrait_6.jpg', 'trips/portrait-draft.jpg'],
]
const SYNCED = ['castle.jpg', 'market.jpg', 'trips/sketch.webp']

describe.skipIf(!hasChromium)('the Sync folders view, on the real engine', () => {
  let s3: TestS3
  let server: StaticServer
  let browser: Browser
  let app: TestApp
  let bridged: BridgedPage
  let page: Page
  let work: string
  let album: string

  beforeAll(async () => {
    ensureBuilt()
    s3 = await startTestS3()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-e2e-sync-'))
    album = path.join(work, 'Album')
    for (const [file, as] of FOLDER) {
      fs.mkdirSync(path.dirname(path.join(album, as)), { recursive: true })
      fs.copyFileSync(path.join(CORPUS, file), path.join(album, as))
    }
    app = await startTestApp({ dataDir: path.join(work, 'data'), prefs: { concurrency: 2 } })
    await app.call('saveDestination', testBucketDestination(s3, 'Blog images'))
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
    bridged = await openBridgedPage(browser, server.url, app, { paths: {}, viewport: VIEWPORT })
    page = bridged.page
  })

  afterAll(async () => {
    bridged?.detach()
    await browser?.close()
    await server?.close()
    await app?.close()
    await s3?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  const pairCard = () => page.getByTestId('sync-pair')

  /** Controls a screen reader could not name (the keyboard test of the other views, here). */
  function unnamedControls(): Promise<string[]> {
    return page.evaluate(() =>
      [...document.querySelectorAll('button, input, select')]
        .filter((el) => {
          const label =
            el.getAttribute('aria-label') ??
            (el as HTMLInputElement).labels?.[0]?.textContent ??
            el.textContent
          return !label?.trim()
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    )
  }

  /** Every output of the folder's finished uploads is on the server with the ledger's size. */
  async function expectOnServer(names: readonly string[]): Promise<void> {
    const items = (await app.call('getHistory', { folder: album, limit: 1000 })).items
    const done = items.filter((i) => i.status === 'done')
    expect(
      done.map((i) => path.relative(album, i.source).split(path.sep).join('/')).sort(),
    ).toEqual([...names].sort())
    for (const f of await app.call(
      'getFinished',
      done.map((i) => i.id),
    )) {
      expect(f.outputs.length).toBeGreaterThan(0)
      for (const o of f.outputs) expect((await getObjectInfo(s3, o.key))?.size).toBe(o.bytes)
    }
  }

  it('adds a folder -> destination pair through the folder dialog', async () => {
    await page.getByRole('tab', { name: 'Sync' }).click()
    await page.getByRole('heading', { name: 'No folder is synced yet' }).waitFor()
    await page.getByRole('button', { name: 'Sync a folder' }).click()
    const form = page.getByRole('form', { name: 'New sync pair' })
    app.dialogPaths = [album]
    await form.getByRole('button', { name: 'Choose…' }).click()
    await form.getByTestId('sync-folder').getByText(album).waitFor()
    await form.getByLabel('Destination').selectOption({ label: 'Blog images' })
    await form.getByLabel('Leave out').fill('**/*-draft.*')
    expect(await unnamedControls()).toEqual([])
    await form.getByRole('button', { name: 'Add pair' }).click()

    await pairCard().waitFor()
    expect(await pairCard().getAttribute('data-activity')).toBe('new')
    expect(await pairCard().textContent()).toContain('to Blog images · preset web')
    // Saved in the ledger, where `upshot sync <dir>` finds it.
    const row = app.ledger().prepare('SELECT folder, exclude_globs FROM sync_pairs').all() as {
      folder: string
      exclude_globs: string
    }[]
    expect(row).toEqual([{ folder: album, exclude_globs: '["**/*-draft.*"]' }])
  })

  it('previews the plan before the first run, sending nothing', async () => {
    await pairCard().getByRole('button', { name: 'Preview' }).click()
    const plan = page.getByRole('region', { name: 'Plan for Album' })
    await plan.waitFor()
    expect(await plan.getByTestId('sync-plan-counts').textContent()).toMatch(
      /3 files to upload.*0 files unchanged.*0 remote objects to delete/,
    )
    const listed = await plan.getByTestId('sync-plan-upload').locator('.mono').allTextContents()
    expect(listed.sort()).toEqual(SYNCED)
    expect(await unnamedControls()).toEqual([])
    expect((await app.call('getHistory', { folder: album })).total).toBe(0)
    await saveScreenshot(page, 'sync-plan')
  })

  it('runs now: the files land in the bucket and the pair is up to date', async () => {
    await page
      .getByRole('region', { name: 'Plan for Album' })
      .getByRole('button', { name: 'Run now' })
      .click()
    await page.waitForFunction(
      () => {
        const card = document.querySelector('[data-testid="sync-pair"]')
        return (
          card?.getAttribute('data-up-to-date') === 'true' &&
          card.getAttribute('data-activity') === 'watching'
        )
      },
      undefined,
      { timeout: 90_000 },
    )
    expect(await pairCard().getByText('Up to date').count()).toBe(1)
    // The pass's uploads were rows of the queue as well.
    expect(
      (await app.queue()).jobs
        .filter((j) => j.state === 'done')
        .map((j) => j.name)
        .sort(),
    ).toEqual(['castle.jpg', 'market.jpg', 'sketch.webp'])
    expect(await pairCard().getByTestId('sync-counts').textContent()).toMatch(/^3 files online/)
    await expectOnServer(SYNCED)
  })

  it('uploads a file written into the watched folder within seconds', async () => {
    const started = Date.now()
    fs.copyFileSync(
      path.join(CORPUS, 'bench/exif-samples__jpg_hdr_canon_hdr_NO.jpg'),
      path.join(album, 'trips', 'garden.jpg'),
    )
    await page.waitForFunction(
      () => {
        const card = document.querySelector('[data-testid="sync-pair"]')
        return (
          card?.getAttribute('data-up-to-date') === 'true' &&
          /^4 files online/.test(
            card.querySelector('[data-testid="sync-counts"]')?.textContent ?? '',
          )
        )
      },
      undefined,
      { timeout: 30_000 },
    )
    const seconds = (Date.now() - started) / 1000
    console.log(`[e2e] a new file in the watched folder was online after ${seconds.toFixed(1)} s`)
    expect(seconds).toBeLessThan(15)
    await expectOnServer([...SYNCED, 'trips/garden.jpg'])
    await saveScreenshot(page, 'sync')

    // The window's minimum size: the pair's buttons wrap, nothing scrolls sideways.
    await page.setViewportSize({ width: 560, height: 420 })
    await page.waitForTimeout(100)
    expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBe(0)
    await page.setViewportSize(VIEWPORT)
  })

  it('waits for a folder that goes away, and syncs it when it is back', async () => {
    const aside = path.join(work, 'Album-unplugged')
    fs.renameSync(album, aside)
    await page.locator('[data-testid="sync-pair"][data-activity="waiting"]').waitFor({
      timeout: 15_000,
    })
    expect(await pairCard().getByRole('note').textContent()).toContain(album)
    // Nothing was taken for deleted: every file is still online.
    expect((await app.call('getHistory', { folder: album, status: 'deleted' })).total).toBe(0)
    fs.renameSync(aside, album)
    await page.waitForFunction(
      () => {
        const card = document.querySelector('[data-testid="sync-pair"]')
        return (
          card?.getAttribute('data-activity') === 'watching' &&
          card.getAttribute('data-up-to-date') === 'true'
        )
      },
      undefined,
      { timeout: 30_000 },
    )
    expect(await pairCard().getByTestId('sync-counts').textContent()).toMatch(/^4 files online/)
  })

  it('opens the history of the folder’s uploads', async () => {
    // One upload from elsewhere, which the folder's history must leave out.
    const elsewhere = path.join(work, 'elsewhere.jpg')
    fs.copyFileSync(path.join(CORPUS, 'exif-samples__jpg_orientation_landscape_3.jpg'), elsewhere)
    await app.call('addPaths', [elsewhere])
    await expect
      .poll(
        async () => (await app.call('getHistory', {})).items.some((i) => i.source === elsewhere),
        { timeout: 30_000 },
      )
      .toBe(true)

    await pairCard().getByRole('button', { name: 'History' }).click()
    expect(await page.getByRole('tab', { name: 'History' }).getAttribute('aria-selected')).toBe(
      'true',
    )
    await page.getByTestId('history-folder').waitFor()
    await page.getByText('4 of 4 uploads').waitFor()
    const names = await page.getByTestId('history-row').locator('.history__name').allTextContents()
    expect(names.sort()).toEqual(['castle.jpg', 'garden.jpg', 'market.jpg', 'sketch.webp'])
    await page
      .getByRole('button', { name: `Show uploads from every folder, not only ${album}` })
      .click()
    await page.getByText('5 of 5 uploads').waitFor()
  })

  it('takes a new concurrency between passes, and goes on watching', async () => {
    await page.getByRole('tab', { name: 'Sync' }).click()
    await app.call('savePreferences', { concurrency: 3 })
    // The engine is made anew with the new concurrency between passes, and says so in the log.
    await expect
      .poll(() => app.logs.some((l) => l.includes('uploads at once: 3')), { timeout: 15_000 })
      .toBe(true)
    fs.copyFileSync(
      path.join(CORPUS, 'exif-samples__jpg_mobile_jolla.jpg'),
      path.join(album, 'trips', 'after-restart.jpg'),
    )
    await page.waitForFunction(
      () => {
        const card = document.querySelector('[data-testid="sync-pair"]')
        return (
          card?.getAttribute('data-activity') === 'watching' &&
          /^5 files online/.test(
            card.querySelector('[data-testid="sync-counts"]')?.textContent ?? '',
          )
        )
      },
      undefined,
      { timeout: 30_000 },
    )
  })

  it('pauses and resumes watching, and forgets the pair keeping its uploads', async () => {
    await page.getByRole('tab', { name: 'Sync' }).click()
    await pairCard().getByRole('button', { name: 'Pause' }).click()
    await page.locator('[data-testid="sync-pair"][data-activity="paused"]').waitFor()
    // Paused: a new file is not picked up.
    fs.copyFileSync(
      path.join(CORPUS, 'exif-samples__jpg_orientation_landscape_3.jpg'),
      path.join(album, 'later.jpg'),
    )
    await page.waitForTimeout(2500)
    expect((await app.call('getHistory', { folder: album })).total).toBe(5)
    await pairCard().getByRole('button', { name: 'Resume' }).click()
    await page.waitForFunction(
      () =>
        /^6 files online/.test(
          document.querySelector('[data-testid="sync-counts"]')?.textContent ?? '',
        ),
      undefined,
      { timeout: 30_000 },
    )

    await pairCard()
      .getByRole('button', { name: `Forget ${album}` })
      .click()
    await page
      .getByRole('dialog', { name: 'Forget this sync pair?' })
      .getByRole('button', { name: 'Forget' })
      .click()
    await page.getByRole('heading', { name: 'No folder is synced yet' }).waitFor()
    expect((await app.call('getHistory', { folder: album })).total).toBe(6)
    expect(await bridged.cspViolations()).toEqual([])
  })

  it('syncs only a folder chosen in the dialog: a path, a forged or a spent token is refused', async () => {
    // What a compromised page could try: sync a folder the user never chose (their home, ~/.ssh).
    const secret = fs.mkdtempSync(path.join(work, 'secret-'))
    fs.copyFileSync(path.join(CORPUS, 'sharp__4.webp'), path.join(secret, 'private.webp'))
    const pairs = () =>
      app.ledger().prepare('SELECT folder FROM sync_pairs').all() as {
        folder: string
      }[]
    const codes = async (attempts: unknown[]): Promise<string[]> =>
      page.evaluate(async (list) => {
        const upshot = (window as unknown as { upshot: import('../../src/shared/api').UpshotApi })
          .upshot
        const out: string[] = []
        for (const input of list) {
          const r = await upshot.addSyncPair(input as import('../../src/shared/api').SyncPairInput)
          out.push(r.ok ? 'ok' : r.error.code)
        }
        return out
      }, attempts)
    const pair = { destinationId: null, preset: 'web', include: [], exclude: [] }
    // A watermark image's token is for presets, not for folders.
    app.dialogPaths = [secret]
    const imageToken = await page.evaluate(async () => {
      const r = await (
        window as unknown as { upshot: import('../../src/shared/api').UpshotApi }
      ).upshot.chooseWatermarkImage()
      return r.ok ? r.value!.token : ''
    })
    expect(
      await codes([
        { ...pair, folder: secret },
        { ...pair, folderToken: secret },
        { ...pair, folderToken: `grant_${'A'.repeat(43)}` },
        { ...pair, folderToken: imageToken },
      ]),
    ).toEqual(['BAD_REQUEST', 'BAD_REQUEST', 'FORBIDDEN', 'FORBIDDEN'])
    expect(pairs()).toEqual([])

    // The dialog's token adds the pair once; the same token again grants nothing.
    app.dialogPaths = [secret]
    const chosen = await page.evaluate(async () => {
      const r = await (
        window as unknown as { upshot: import('../../src/shared/api').UpshotApi }
      ).upshot.chooseSyncFolder()
      return r.ok ? r.value : null
    })
    expect(chosen?.path).toBe(secret)
    expect(await codes([{ ...pair, folderToken: chosen!.token }])).toEqual(['ok'])
    expect(await codes([{ ...pair, folderToken: chosen!.token }])).toEqual(['FORBIDDEN'])
    expect(pairs()).toEqual([{ folder: secret }])
    const id = (await app.call('listSyncPairs'))[0]!.id
    await app.call('removeSyncPair', id)
  })
})
