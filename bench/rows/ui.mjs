// Row: the app in a browser (`upshot ui`) against the CLI, on the same small photos to the same
// local S3 sink. In the browser the bytes first travel from the page to the core over loopback
// (POST /api/files), then the same engine runs: this row measures what that costs. Timed from
// the moment Chromium's file chooser is given the files to all rows in the queue ("visible")
// and to all done, as the queue's own header says.
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { chromium } from 'playwright-core'
import sharp from 'sharp'
import { ratioOf, sideBySide } from '../lib/compare.mjs'
import { distinctCopies } from '../lib/fixtures.mjs'
import { awsEnv } from '../lib/machine.mjs'
import { tmpName } from '../lib/proc.mjs'
import { fmtRatio, fmtSummary } from '../lib/stats.mjs'
import { sinkTarget, upshotUpload, UPSHOT_BIN } from '../lib/upshot.mjs'
import { verdict } from './variants.mjs'

const CHROMIUM = process.env.UPSHOT_CHROMIUM ?? '/usr/bin/chromium'

/** count distinct 800x600 JPEGs (one real photo, each copy with its own comment). */
export async function smallPhotos(photos, count, dir) {
  const base = path.join(path.dirname(dir), 'ui-small-base.jpg')
  await sharp(photos[0].file)
    .rotate()
    .resize(800, 600, { fit: 'inside' })
    .jpeg({ quality: 85 })
    .toFile(base)
  return distinctCopies([{ file: base }], count, dir)
}

/** `upshot ui --no-open` with a fresh data dir; resolves once it printed its link. */
async function startUi(dataDir) {
  const child = spawn(process.execPath, [UPSHOT_BIN, 'ui', '--no-open', '--data-dir', dataDir], {
    env: { ...awsEnv(), UPSHOT_NO_KEYCHAIN: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const link = await new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /(http:\/\/\S+\?token=\S+)/.exec(out)
      if (m) {
        clearInterval(timer)
        resolve(m[1])
      }
    }, 50)
    child.once('exit', (code) => {
      clearInterval(timer)
      reject(new Error(`upshot ui exited (${code}): ${out}`))
    })
  })
  return {
    link,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}

/** One request over the page's own WebSocket (the destination is set up before the clock runs). */
function ask(page, cmd, args) {
  return page.evaluate(
    ([c, a]) =>
      new Promise((resolve, reject) => {
        const ws = new globalThis.WebSocket(`ws://${globalThis.location.host}/api/ws`)
        ws.onopen = () => ws.send(JSON.stringify({ t: 'request', id: 1, cmd: c, args: a }))
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data))
          if (m.t !== 'response') return
          ws.close()
          if (m.result.ok) resolve(m.result.value)
          else reject(new Error(JSON.stringify(m.result)))
        }
      }),
    [cmd, args],
  )
}

async function throughBrowser(ctx, files, prefix) {
  const dataDir = tmpName('ui-data')
  const ui = await startUi(dataDir)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 740 } })
    await page.goto(ui.link)
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
    await ask(page, 'saveDestination', [
      {
        name: 'Sink',
        kind: 's3-compatible',
        bucket: 'bench',
        region: 'us-east-1',
        endpoint: ctx.sink.endpoint,
        accountId: '',
        dir: '',
        prefix,
        publicUrl: '',
        pathStyle: true,
        checksum: 'WHEN_REQUIRED',
        credentials: { accessKeyId: 'upshotbench', secretAccessKey: 'upshotbenchsecret' },
      },
    ])
    await page.reload()
    await page.getByRole('heading', { name: 'Drop images here' }).waitFor()
    const total = files.length.toLocaleString('en-US')
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Add files' }).first().click(),
    ])
    const t0 = process.hrtime.bigint()
    const since = () => Number(process.hrtime.bigint() - t0) / 1e9
    await chooser.setFiles(files)
    await page
      .getByText(new RegExp(`^[\\d,]+ of ${total} files done$`))
      .waitFor({ timeout: 600_000 })
    const visible = since()
    await page.getByText(`${total} of ${total} files done`).waitFor({ timeout: 600_000 })
    return { seconds: since(), visible }
  } finally {
    await browser.close()
    await ui.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

export async function uiRow(ctx) {
  const { dir, files } = ctx.ui
  const objects = files.length * 4
  let n = 0
  const res = await sideBySide(
    [
      {
        name: 'upshot',
        fn: async () => {
          await ctx.sink.reset()
          const r = await throughBrowser(ctx, files, `ui${n++}`)
          const s = await ctx.sink.stats()
          if (s.objects !== objects)
            throw new Error(`the sink holds ${s.objects} objects, not ${objects}`)
          return { seconds: r.seconds, visible: r.visible }
        },
      },
      {
        name: 'peer',
        fn: async () => {
          await ctx.sink.reset()
          const r = await upshotUpload([dir], sinkTarget(ctx.sink.endpoint, `cli${n++}`))
          return { seconds: r.seconds }
        },
      },
    ],
    ctx.e2eRounds,
    ctx.log,
  )
  const r = ratioOf(res.upshot, res.peer)
  const visible = res.upshot.runs.map((x) => x.visible)
  return {
    id: 'ui',
    cells: {
      what: `In a browser (\`upshot ui\`): ${files.length} small photos (800x600) chosen with Add files -> all done, local S3 sink`,
      upshot: fmtSummary(res.upshot.time),
      peer: `the same files with \`upshot upload\`: ${fmtSummary(res.peer.time)}`,
      ratio: Number.isFinite(r.median) ? fmtRatio(r.median) : 'n/a',
      goal: 'time <= 1.25x',
      verdict: verdict(r.median <= 1.25, res.failures),
    },
    details: [
      `All ${files.length} rows were in the page's queue ${visible.map((v) => `${v.toFixed(1)} s`).join(', ')} after the file chooser was given the files (the page sends 4 files at once and adds them in parts of 100 or every 250 ms).`,
      `Timed in the harness from \`setFiles\` on Chromium's file chooser to the queue's header reading "N of N files done"; the CLI's time is its whole run. Both with a fresh data dir, ${ctx.e2eRounds} round(s).`,
    ],
  }
}
