// The presets editor in Chromium, on the real core process: a custom preset with a text
// watermark is made in the settings, saved (the settings file has it, the core runs it), and its
// preview on one photo shows each variant with the dimensions the pipeline really produced, the
// watermark on the large variant only. The preview's images are data: URLs (the CSP holds).

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { saveScreenshot } from './helpers/shots'
import { serveDirectory, type StaticServer } from './helpers/static-server'
import { CORPUS } from '../helpers/fixtures'

warnIfNoChromium('presets test')
// 2048 x 1536, EXIF orientation 6: upright it is 1536 x 2048.
const PHOTO = path.join(CORPUS, 'bench/exif-samples__jpg_hdr_canon_hdr_NO.jpg')

describe.skipIf(!hasChromium)('the presets editor, on the real core process', () => {
  let server: StaticServer
  let browser: Browser
  let app: TestApp
  let bridged: BridgedPage
  let page: Page
  let work: string

  beforeAll(async () => {
    ensureBuilt()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-e2e-presets-'))
    app = await startTestApp({ dataDir: path.join(work, 'data') })
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
    bridged = await openBridgedPage(browser, server.url, app, {
      paths: {},
      viewport: { width: 1100, height: 740 },
    })
    page = bridged.page
  })

  afterAll(async () => {
    bridged?.detach()
    await browser?.close()
    await server?.close()
    await app?.close()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  it('creates a custom preset with a text watermark', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'New preset' }).click()
    const form = page.getByRole('form', { name: 'New preset' })
    await form.getByLabel('Preset name').fill('Blog marked')
    // The starter variants: thumb (cover 320 x 180) and large (fits in 1600 x 1600); the large
    // one becomes 1280 and gets AVIF as well.
    const large = form.getByRole('group', { name: 'Variant 2' })
    await large.getByLabel('Width').fill('1280')
    await large.getByLabel('Height').fill('1280')
    await large.getByLabel('AVIF').check()
    await form.getByLabel('Add a watermark').check()
    await form.getByLabel('Watermark text').fill('© Upshot test')
    await form.getByTitle('Top right').click()
    expect(await form.getByLabel('Top right').isChecked()).toBe(true)
    // Every control of the editor has a name a screen reader can say.
    const unnamed = await page.evaluate(() =>
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
    expect(unnamed).toEqual([])
    // The 9-grid is reachable from the keyboard: arrows move the mark within the radio group.
    await form.getByLabel('Top right').focus()
    await page.keyboard.press('ArrowDown')
    expect(await form.getByLabel('Left', { exact: true }).isChecked()).toBe(true)
    await page.keyboard.press('ArrowUp')
    expect(await form.getByLabel('Top right').isChecked()).toBe(true)
    await form.getByRole('group', { name: 'Variant 1' }).scrollIntoViewIfNeeded()
    await saveScreenshot(page, 'preset-editor')
    await form.getByRole('button', { name: 'Save preset' }).click()
    await page.getByText('Preset Blog marked saved.').waitFor()

    const card = page.getByTestId('custom-preset')
    await card.getByText('Blog marked').waitFor()
    const saved = JSON.parse(fs.readFileSync(app.settingsFile, 'utf8')) as {
      settings: { presets: { name: string; variants: unknown[]; watermark: unknown }[] }
    }
    expect(saved.settings.presets).toEqual([
      {
        name: 'Blog marked',
        variants: [
          { name: 'thumb', fit: 'cover', width: 320, height: 180, formats: ['webp'], quality: 80 },
          {
            name: 'large',
            fit: 'inside',
            width: 1280,
            height: 1280,
            formats: ['webp', 'avif'],
            quality: 80,
          },
        ],
        watermark: {
          kind: 'text',
          text: '© Upshot test',
          imagePath: '',
          position: 'top-right',
          opacity: 0.7,
          size: 0.25,
          margin: 0.03,
          minWidth: 640,
        },
      },
    ])
    // The core runs it by name from now on.
    const info = (await app.call('getSettings')).presets.find((p) => p.name === 'Blog marked')
    expect(info?.watermark).toMatchObject({ text: '© Upshot test', position: 'top-right' })
  })

  it('previews what one photo becomes: variants with their dimensions, marked where large', async () => {
    app.dialogPaths = [PHOTO]
    await page.getByRole('button', { name: 'Preview Blog marked on a photo' }).click()
    const preview = page.getByRole('region', { name: /^Blog marked on / })
    await preview.waitFor({ timeout: 60_000 })
    const variants = preview.getByTestId('preset-preview-variant')
    expect(await variants.count()).toBe(3)
    const rows = await variants.evaluateAll((els) =>
      els.map((el) => ({
        variant: el.getAttribute('data-variant'),
        text: el.textContent ?? '',
        size: el.querySelector('[data-testid="preset-preview-size"]')?.textContent,
        loaded: (el.querySelector('img') as HTMLImageElement | null)?.naturalWidth ?? 0,
        src: (el.querySelector('img') as HTMLImageElement | null)?.src.slice(0, 22),
      })),
    )
    // Upright 1536 x 2048: cropped to 320 x 180; fitted in 1280 x 1280 -> 960 x 1280.
    expect(rows.map((r) => [r.variant, r.size])).toEqual([
      ['thumb', '320 × 180'],
      ['large', '960 × 1280'],
      ['large', '960 × 1280'],
    ])
    expect(rows.map((r) => r.text.includes('Watermarked'))).toEqual([false, true, true])
    for (const r of rows) {
      expect(r.loaded).toBeGreaterThan(0)
      expect(r.src).toBe('data:image/webp;base64')
    }

    // The pixels of the large preview really carry the mark in the top-right corner: the same
    // photo through the plain preset differs there, and not at the bottom.
    const shown = await preview
      .locator('[data-variant="large"] img')
      .first()
      .evaluate((img) => (img as HTMLImageElement).src)
    const marked = await sharp(Buffer.from(shown.split(',')[1]!, 'base64'))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
    const plainFile = path.join(work, 'plain.webp')
    await sharp(PHOTO)
      .rotate()
      .resize(marked.info.width, marked.info.height, { fit: 'fill' })
      .webp({ quality: 70 })
      .toFile(plainFile)
    const plain = await sharp(plainFile).removeAlpha().raw().toBuffer()
    const meanDiff = (x0: number, y0: number, x1: number, y1: number): number => {
      let sum = 0
      let n = 0
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++)
          for (let c = 0; c < 3; c++) {
            const i = (y * marked.info.width + x) * 3 + c
            sum += Math.abs(marked.data[i]! - plain[i]!)
            n++
          }
      return sum / n
    }
    const w = marked.info.width
    const h = marked.info.height
    const corner = meanDiff(Math.round(w * 0.7), 0, w, Math.round(h * 0.08))
    const bottom = meanDiff(0, Math.round(h * 0.9), Math.round(w * 0.3), h)
    expect(corner).toBeGreaterThan(bottom * 2)

    await preview.scrollIntoViewIfNeeded()
    await saveScreenshot(page, 'presets')
    expect(await bridged.cspViolations()).toEqual([])
  })

  it('says what is wrong with a preset in one sentence, and saves nothing', async () => {
    await page.getByRole('button', { name: 'Edit preset Blog marked' }).click()
    const form = page.getByRole('form', { name: 'Preset Blog marked' })
    await form.getByRole('group', { name: 'Variant 1' }).getByLabel('Height').fill('')
    await form.getByRole('button', { name: 'Save preset' }).click()
    await page
      .getByText(
        'The preset is not valid: variant 1: a cropped variant needs a width and a height.',
      )
      .waitFor()
    await form.getByRole('button', { name: 'Cancel' }).click()
    expect(
      (await app.call('getSettings')).presets.find((p) => p.name === 'Blog marked')?.definition,
    ).toMatchObject({ variants: [{ height: 180 }, { height: 1280 }] })
  })

  it('switches the mark to an image chosen with the file dialog, previewed before saving', async () => {
    // A copy the user later deletes: the preset keeps working from its own copy.
    const logo = path.join(work, 'sharp__with-alpha.png')
    fs.copyFileSync(path.join(CORPUS, 'sharp__with-alpha.png'), logo)
    await page.getByRole('button', { name: 'Edit preset Blog marked' }).click()
    const form = page.getByRole('form', { name: 'Preset Blog marked' })
    await form.getByText('Image', { exact: true }).click()
    app.dialogPaths = [logo]
    await form.getByRole('button', { name: 'Choose image…' }).click()
    await form.getByText(logo).waitFor()
    // The preview runs the preset as edited, not as saved.
    app.dialogPaths = [PHOTO]
    await form.getByRole('button', { name: 'Preview on a photo…' }).click()
    const preview = form.getByRole('region', { name: /^Blog marked on / })
    await preview.waitFor({ timeout: 60_000 })
    expect(
      await preview
        .getByTestId('preset-preview-variant')
        .evaluateAll((els) => els.map((el) => (el.textContent ?? '').includes('Watermarked'))),
    ).toEqual([false, true, true])
    await form.getByRole('button', { name: 'Save preset' }).click()
    await page.getByText('Preset Blog marked saved.').waitFor()
    // The preset refers to the core's copy of the chosen image in the data directory.
    const saved = (await app.call('getSettings')).presets.find((p) => p.custom)!.definition!
      .watermark!
    expect(saved).toMatchObject({ position: 'top-right' })
    expect(path.dirname(path.dirname(saved.imagePath!))).toBe(path.join(app.dataDir, 'watermarks'))
    expect(path.basename(saved.imagePath!)).toBe('sharp__with-alpha.png')
    expect(fs.readFileSync(saved.imagePath!).equals(fs.readFileSync(logo))).toBe(true)

    fs.rmSync(logo)
    app.dialogPaths = [PHOTO]
    const again = await page.evaluate(() =>
      (
        window as unknown as { upshot: import('../../src/shared/api').UpshotApi }
      ).upshot.previewPreset('Blog marked'),
    )
    expect(again.ok && again.value?.variants.map((v) => v.marked)).toEqual([false, true, true])
  })

  it('refuses a watermark image the page names itself, and keeps the one the user chose', async () => {
    // What a compromised page could send: any image on disk as the mark, read into a preview
    // (whose pixels come back) or saved into a preset that every upload would read.
    const elsewhere = path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg')
    const before = fs.readFileSync(app.settingsFile, 'utf8')
    const definition = (await app.call('getSettings')).presets.find(
      (p) => p.name === 'Blog marked',
    )!.definition!
    app.dialogPaths = [PHOTO]
    const results = await page.evaluate(
      async ({ definition, elsewhere }) => {
        const forged = {
          ...definition,
          watermark: { ...definition.watermark!, imagePath: elsewhere },
        }
        const token = {
          ...forged,
          watermark: { ...forged.watermark, imagePath: 'grant_' + 'A'.repeat(43) },
        }
        const upshot = (window as unknown as { upshot: import('../../src/shared/api').UpshotApi })
          .upshot
        return [
          await upshot.savePreset(forged, 'Blog marked'),
          await upshot.savePreset({ ...forged, name: 'Other' }, null),
          await upshot.savePreset(token, 'Blog marked'),
          await upshot.previewPreset(forged),
          // A text mark keeps no path: it cannot smuggle one in for a later image mark.
          await upshot.savePreset(
            {
              ...forged,
              name: 'Texty',
              watermark: { ...forged.watermark, kind: 'text', text: 'x' },
            },
            null,
          ),
          await upshot.savePreset({ ...forged, name: 'Texty' }, 'Texty'),
        ]
      },
      { definition, elsewhere },
    )
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'FORBIDDEN',
      'FORBIDDEN',
      'FORBIDDEN',
      'FORBIDDEN',
      'ok',
      'FORBIDDEN',
    ])
    expect(results[0]).toMatchObject({ error: { message: /must be chosen with "Choose image…"/ } })
    // The preview asked for no photo: it was refused before the dialog.
    expect(app.dialogPaths).toEqual([PHOTO])
    app.dialogPaths = []
    const after = JSON.parse(fs.readFileSync(app.settingsFile, 'utf8')) as {
      settings: { presets: { name: string; watermark: { imagePath: string } | null }[] }
    }
    expect(after.settings.presets.find((p) => p.name === 'Texty')!.watermark!.imagePath).toBe('')
    expect(before).toContain(definition.watermark!.imagePath)
    expect(JSON.stringify(after)).not.toContain(elsewhere)
    await app.call('removePreset', 'Texty')

    // The preset as saved (its own copy) saves again unchanged, and previews with its mark.
    const resaved = await page.evaluate(
      (d) =>
        (
          window as unknown as { upshot: import('../../src/shared/api').UpshotApi }
        ).upshot.savePreset(d, 'Blog marked'),
      definition,
    )
    expect(resaved.ok).toBe(true)

    // Removing the preset removes its copy of the image too.
    const copy = definition.watermark!.imagePath
    expect(fs.existsSync(copy)).toBe(true)
    const removed = await page.evaluate(() =>
      (
        window as unknown as { upshot: import('../../src/shared/api').UpshotApi }
      ).upshot.removePreset('Blog marked'),
    )
    expect(removed.ok).toBe(true)
    expect(fs.existsSync(copy)).toBe(false)
    expect(fs.readdirSync(path.join(app.dataDir, 'watermarks'))).toEqual([])
  })
})
