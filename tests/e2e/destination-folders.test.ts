// A local-folder destination's folder, in Chromium on the real core process: chosen with the
// native dialog (the page holds a token, never a path it could make up), tested and saved, and
// uploads land there. What a compromised page could send instead (any folder on disk as the
// place uploads and connection tests write to) is refused FORBIDDEN and writes nothing.

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DestinationInput, UpshotApi } from '../../src/shared/api'
import { CLI } from '../helpers/cli'
import { CORPUS } from '../helpers/fixtures'
import { startTestApp, until, type TestApp } from './helpers/app'
import { openBridgedPage, type BridgedPage } from './helpers/bridge'
import { ensureBuilt, OUT } from './helpers/build'
import { hasChromium, launchChromium, warnIfNoChromium } from './helpers/chromium'
import { serveDirectory, type StaticServer } from './helpers/static-server'

warnIfNoChromium('destination folders test')

const LOCAL: DestinationInput = {
  name: 'Web root',
  kind: 'local',
  bucket: '',
  region: '',
  endpoint: '',
  accountId: '',
  dir: '',
  prefix: 'img',
  publicUrl: 'https://example.com',
  pathStyle: false,
  checksum: 'WHEN_REQUIRED',
}

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}

describe.skipIf(!hasChromium)('a local-folder destination, on the real core process', () => {
  let server: StaticServer
  let browser: Browser
  let app: TestApp
  let bridged: BridgedPage
  let page: Page
  let work: string
  let webRoot: string

  beforeAll(async () => {
    ensureBuilt()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-e2e-destdir-'))
    webRoot = path.join(work, 'www')
    fs.mkdirSync(webRoot)
    app = await startTestApp({ dataDir: path.join(work, 'data') })
    server = await serveDirectory(path.join(OUT, 'renderer'))
    browser = await launchChromium()
    bridged = await openBridgedPage(browser, server.url, app, {
      paths: {},
      viewport: { width: 1100, height: 800 },
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

  /** Calls the page's own API with JSON arguments, as a compromised page could. */
  const codes = async (
    calls: [name: 'saveDestination' | 'testDestination', arg: unknown][],
  ): Promise<string[]> =>
    page.evaluate(async (list) => {
      const upshot = (window as unknown as { upshot: UpshotApi }).upshot
      const out: string[] = []
      for (const [name, arg] of list) {
        const r = await (
          upshot[name] as (a: unknown) => Promise<{ ok: boolean; error?: { code: string } }>
        )(arg)
        out.push(r.ok ? 'ok' : r.error!.code)
      }
      return out
    }, calls)

  const chooseToken = async (
    command: 'chooseDestinationFolder' | 'chooseSyncFolder',
    folder: string,
  ): Promise<string> => {
    app.dialogPaths = [folder]
    return page.evaluate(async (cmd) => {
      const r = await (window as unknown as { upshot: UpshotApi }).upshot[cmd]()
      return r.ok ? r.value!.token : ''
    }, command)
  }

  it('adds a local folder chosen with the folder dialog; uploads land in it', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'Add destination' }).click()
    const form = page.getByRole('form', { name: 'New destination' })
    await form.getByLabel('Name').fill('Web root')
    await form.getByLabel('Type').selectOption('local')
    // No text box to type a path into: only the dialog names the folder.
    expect(await form.getByRole('textbox', { name: 'Folder', exact: true }).count()).toBe(0)
    await form.getByText('No folder chosen').waitFor()
    app.dialogPaths = [webRoot]
    await form.getByRole('button', { name: 'Choose folder…' }).click()
    await form.getByTestId('destination-folder').getByText(webRoot).waitFor()
    await form.getByLabel('Key prefix').fill('img')
    await form.getByRole('button', { name: 'Test connection' }).click()
    await form.getByTestId('connection-report').getByText('Everything works.').waitFor({
      timeout: 30_000,
    })
    await form.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved.').waitFor()
    const saved = (await app.call('getSettings')).destinations
    expect(saved.map((d) => [d.name, d.kind, d.dir])).toEqual([['Web root', 'local', webRoot]])

    // The first destination saved is the default: a photo added now is written into the folder.
    const photo = path.join(work, 'photo.webp')
    fs.copyFileSync(path.join(CORPUS, 'sharp__4.webp'), photo)
    await app.call('addPaths', [photo])
    await until('the upload done', async () =>
      (await app.queue()).jobs.some((j) => j.source === photo && j.state === 'done'),
    )
    const written = filesUnder(webRoot).filter((f) => !f.startsWith('.upshot'))
    expect(written.length).toBeGreaterThan(0)
    expect(written.every((f) => f.startsWith(`img${path.sep}`))).toBe(true)

    // Edited and saved again, the folder unchanged: no need to choose it again.
    await page.getByRole('button', { name: 'Edit Web root' }).click()
    const edit = page.getByRole('form', { name: 'Edit Web root' })
    await edit.getByTestId('destination-folder').getByText(webRoot).waitFor()
    await edit.getByLabel('Key prefix').fill('images')
    await edit.getByRole('button', { name: 'Save' }).click()
    await until('the edit saved', async () =>
      (await app.call('getSettings')).destinations.some((d) => d.prefix === 'images'),
    )
    expect((await app.call('getSettings')).destinations[0]!.dir).toBe(webRoot)
  })

  it('refuses a folder the page names itself, a forged, foreign or spent token, for saving and testing', async () => {
    // What a compromised page could aim at: a folder the user never chose.
    const elsewhere = fs.mkdtempSync(path.join(work, 'elsewhere-'))
    const saved = (await app.call('getSettings')).destinations[0]!
    const before = fs.readFileSync(app.settingsFile, 'utf8')
    const syncToken = await chooseToken('chooseSyncFolder', elsewhere)
    const spent = await chooseToken('chooseDestinationFolder', elsewhere)
    expect(await codes([['saveDestination', { ...LOCAL, name: 'Spender', dir: spent }]])).toEqual([
      'ok',
    ])
    const spender = (await app.call('getSettings')).destinations.find((d) => d.name === 'Spender')!
    await app.call('removeDestination', spender.id)
    const afterSpend = fs.readFileSync(app.settingsFile, 'utf8')
    fs.rmSync(elsewhere, { recursive: true, force: true })
    fs.mkdirSync(elsewhere)

    const forged = [
      { ...LOCAL, name: 'Forged', dir: elsewhere },
      { ...LOCAL, name: 'Forged', dir: `grant_${'A'.repeat(43)}` },
      { ...LOCAL, name: 'Forged', dir: syncToken },
      { ...LOCAL, name: 'Forged', dir: spent },
      // The saved destination pointed elsewhere, and another's folder under its id.
      { ...LOCAL, id: saved.id, name: saved.name, dir: elsewhere },
      { ...LOCAL, id: saved.id, name: saved.name, dir: os.homedir() },
    ]
    const tries: [name: 'saveDestination' | 'testDestination', arg: unknown][] = []
    for (const input of forged) tries.push(['saveDestination', input], ['testDestination', input])
    expect(await codes(tries)).toEqual(tries.map(() => 'FORBIDDEN'))
    // Nothing was written there, nothing saved.
    expect(filesUnder(elsewhere)).toEqual([])
    expect(fs.readFileSync(app.settingsFile, 'utf8')).toBe(afterSpend)
    expect(before).not.toContain(elsewhere)

    // A bucket kind carries no folder, whatever the page sends.
    const bucket = await page.evaluate(
      async (input) => (window as unknown as { upshot: UpshotApi }).upshot.testDestination(input),
      {
        ...LOCAL,
        kind: 's3-compatible',
        bucket: 'some-bucket',
        endpoint: 'http://127.0.0.1:9',
        dir: elsewhere,
      } as DestinationInput,
    )
    expect(bucket.ok).toBe(true)
    expect(filesUnder(elsewhere)).toEqual([])

    // A fresh choice works for a test, and then for the save (the test does not spend it).
    const fresh = await chooseToken('chooseDestinationFolder', elsewhere)
    expect(
      await codes([
        ['testDestination', { ...LOCAL, name: 'Chosen', dir: fresh }],
        ['saveDestination', { ...LOCAL, name: 'Chosen', dir: fresh }],
        ['saveDestination', { ...LOCAL, name: 'Chosen again', dir: fresh }],
      ]),
    ).toEqual(['ok', 'ok', 'FORBIDDEN'])
    const chosen = (await app.call('getSettings')).destinations.find((d) => d.name === 'Chosen')!
    expect(chosen.dir).toBe(elsewhere)
    await app.call('removeDestination', chosen.id)
  })

  it('takes over a folder `upshot dest add` saved, with the folder it was saved with only', async () => {
    const cliDir = path.join(work, 'cli-dir')
    fs.mkdirSync(cliDir)
    execFileSync(process.execPath, [
      CLI,
      'dest',
      'add',
      'From CLI',
      '--provider',
      'local',
      '--dir',
      cliDir,
      '--data-dir',
      app.dataDir,
    ])
    const shared = (await app.call('getSettings')).shared!.find((d) => d.name === 'From CLI')!
    expect(shared.input.dir).toBe(cliDir)
    // Under the CLI destination's name, another folder is still the page's own path.
    expect(
      await codes([
        ['saveDestination', { ...shared.input, dir: os.homedir() }],
        ['saveDestination', shared.input],
      ]),
    ).toEqual(['FORBIDDEN', 'ok'])
    const taken = (await app.call('getSettings')).destinations.find((d) => d.name === 'From CLI')!
    expect(taken.dir).toBe(cliDir)
  })
})
