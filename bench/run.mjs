// `npm run bench`: Upshot side by side with the tools people would otherwise use (ImageMagick,
// the AWS CLI, rclone), in one run on this machine; writes docs/BENCHMARKS.md. USAGE below is
// what `npm run bench -- --help` prints.
//
// Benchmarks are not tests: nothing in `npm test` depends on them.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import {
  distinctCopies,
  photo50mp,
  randomFile,
  randomFiles,
  selectPhotos,
} from './lib/fixtures.mjs'
import { AWS_CLI, IMAGEMAGICK, backgroundBusy, machineInfo } from './lib/machine.mjs'
import { runOk } from './lib/proc.mjs'
import { readReportRows, writeReport } from './lib/report.mjs'
import { startSinkProcess } from './lib/sinkproc.mjs'
import { ROOT } from './lib/upshot.mjs'
import { e2eRow } from './rows/e2e.mjs'
import { ledgerRow } from './rows/ledger.mjs'
import { bigMemoryRow, photoMemoryRow, unmeasurable } from './rows/memory.mjs'
import { syncRow } from './rows/sync.mjs'
import { bigUploadRow, smallFilesRow } from './rows/upload.mjs'
import { qualityRow } from './rows/quality.mjs'
import { smallPhotos, uiRow } from './rows/ui.mjs'
import { queueScaleRows } from './rows/queue-scale.mjs'
import { queueScaleUiRows } from './rows/queue-scale-ui.mjs'
import { variantsRow } from './rows/variants.mjs'

const MiB = 1024 * 1024
const ROWS = [
  'variants',
  'quality',
  'upload-big',
  'upload-small',
  'e2e',
  'memory-upload',
  'memory-photo',
  'ledger',
  'sync',
  'ui',
  'queue-scale',
  'queue-scale-ui',
]

const USAGE = `Usage: npm run bench [-- options]

  npm run bench                      full run (about 10 minutes on 2 cores, plus the quality
                                     row: its butteraugli scoring takes about as long again);
                                     writes docs/BENCHMARKS.md
  npm run bench -- --quick           fewer runs, a smaller end-to-end set (about 3 minutes)
  npm run bench -- --only variants,upload-big   some rows (report goes to the run's folder)
  npm run bench -- --only quality    bytes / perceived quality / CPU of the presets on held-out
                                     photos (fetched once with apt-get download; see
                                     bench/lib/quality/heldout.mjs); tuning curves:
                                     node bench/quality-curves.mjs
  npm run bench -- --only quality --keep-rows --out docs/BENCHMARKS.md
                                     re-measure some rows, keep the others as the report had them
  npm run bench -- --only queue-scale   a 10,000-file drop on the window (Chromium + the real
                                     core process), six rows, one per goal of issue 19
  npm run bench -- --only queue-scale-ui   the same tree through a browser tab of upshot ui

Options:
  --quick            fewer runs, smaller inputs
  --only <rows>      comma-separated rows: ${ROWS.join(', ')}
  --out <file>       the report (default docs/BENCHMARKS.md; with --only, the run's folder)
  --keep-rows        keep the rows not run now as the report in --out had them
  --no-build         use dist/cli.mjs as it is
  --keep             keep the scratch inputs (in the run's folder)
  --sync-files <n>   files in the sync row (default 50,000; 5,000 with --quick)
  -h, --help         this text

Each run has its own folder in the temp directory (printed at the start): the raw figures
(results.json), the report of a partial run and its figures, and the scratch inputs while it
runs. Runs from several checkouts on one machine never share a file.
`

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'keep-rows': { type: 'boolean', default: false },
    'sync-files': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
const only = args.only ? args.only.split(',').map((s) => s.trim()) : ROWS
for (const r of only) {
  if (!ROWS.includes(r)) {
    console.error(`bench: unknown row "${r}"; rows: ${ROWS.join(', ')}`)
    process.exit(2)
  }
}
const quick = args.quick
const wants = (row) => only.includes(row)
// This run's own folder: several checkouts on one machine run benchmarks at once, and fixed
// names in the temp directory had them overwrite each other's figures.
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-bench-'))
const outFile = path.resolve(
  args.out ??
    (args.only
      ? path.join(runDir, 'BENCHMARKS.partial.md')
      : path.join(ROOT, 'docs/BENCHMARKS.md')),
)

const log = (msg) => process.stderr.write(`${msg}\n`)
const started = process.hrtime.bigint()
const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9

if (!IMAGEMAGICK) log('bench: ImageMagick is missing (apt-get install imagemagick): its rows fail')
if (!AWS_CLI) log('bench: the AWS CLI is missing (apt-get install awscli): its rows fail')

if (!args['no-build']) {
  log('Building the CLI (npm run build:cli)...')
  await runOk(process.execPath, [path.join(ROOT, 'scripts/build-cli.mjs')], { cwd: ROOT })
}

const machine = machineInfo()
// Scratch inputs, removed at the end unless --keep; the run's folder keeps its results.
const work = path.join(runDir, 'scratch')
fs.mkdirSync(work)
// The same photos the tests use, kept in the repository (tests/fixtures/corpus/README.md).
const corpus = path.resolve(ROOT, 'tests/fixtures/corpus')
log(`This run's folder: ${runDir}`)

const ctx = {
  work,
  log,
  nproc: machine.nproc,
  rounds: quick ? 3 : 5,
  e2eRounds: quick ? 1 : 2,
  memoryRounds: 1,
  ledgerRounds: quick ? 1 : 3,
  syncFiles: Number(args['sync-files'] ?? (quick ? 5_000 : 50_000)),
  syncRounds: quick ? 2 : 3,
  qualityRounds: quick ? 1 : 3,
  // Plots and crops go next to the report (docs/quality for a full run).
  figuresDir: path.join(path.dirname(outFile), 'quality'),
  photos: [],
}

/** Reads a file or folder once so every contender starts from the page cache. */
function warm(p) {
  const st = fs.statSync(p)
  if (st.isDirectory()) {
    for (const n of fs.readdirSync(p)) warm(path.join(p, n))
    return
  }
  const fd = fs.openSync(p, 'r')
  const buf = Buffer.allocUnsafe(8 * MiB)
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd)
  }
}

const rows = []
let sink = null
try {
  log('Preparing inputs...')
  ctx.photos = await selectPhotos(corpus)
  if (ctx.photos.length === 0) throw new Error(`no usable photos under ${corpus}`)
  if (wants('upload-big')) {
    ctx.bigSize = 256 * MiB
    ctx.bigFile = randomFile(path.join(work, 'big-256m.bin'), ctx.bigSize)
    warm(ctx.bigFile)
  }
  if (wants('upload-small')) {
    ctx.small = { count: 400, size: 64 * 1024, dir: path.join(work, 'small') }
    randomFiles(ctx.small.dir, ctx.small.count, ctx.small.size)
    warm(ctx.small.dir)
  }
  if (wants('e2e')) {
    const dir = path.join(work, 'e2e-photos')
    ctx.e2e = { dir, files: distinctCopies(ctx.photos, quick ? 50 : 200, dir) }
    warm(dir)
  }
  if (wants('ui')) {
    const dir = path.join(work, 'ui-photos')
    ctx.ui = { dir, files: await smallPhotos(ctx.photos, 1000, dir) }
    warm(dir)
  }
  if (wants('memory-photo')) {
    ctx.photo50 = await photo50mp(ctx.photos, path.join(work, 'photo-50mp.jpg'))
    warm(ctx.photo50.file)
  }
  for (const p of ctx.photos) warm(p.file)
  sink = await startSinkProcess()
  ctx.sink = sink

  const plan = [
    ['variants', variantsRow],
    ['quality', qualityRow],
    ['upload-big', bigUploadRow],
    ['upload-small', smallFilesRow],
    ['e2e', e2eRow],
    ['ui', uiRow],
    [
      'memory-upload',
      async (c) => {
        // Made only now: 2 GiB in the temp folder for as short a time as possible.
        const size = 2048 * MiB
        c.huge = { file: randomFile(path.join(work, 'huge-2g.bin'), size), size }
        try {
          return await bigMemoryRow(c)
        } finally {
          fs.rmSync(c.huge.file, { force: true })
        }
      },
    ],
    ['memory-photo', photoMemoryRow],
    ['ledger', ledgerRow],
    ['sync', syncRow],
    // Six rows, one per goal of the window's queue (issue 19).
    ['queue-scale', queueScaleRows],
    // The same drop through a browser tab of `upshot ui`.
    ['queue-scale-ui', queueScaleUiRows],
  ]
  for (const [id, fn] of plan) {
    if (!wants(id)) continue
    log(`\n== ${id} (${elapsed().toFixed(0)} s into the run)`)
    const busyAtStart = await backgroundBusy(1000)
    let row
    try {
      row = await fn(ctx)
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err)
      log(`  row failed: ${why}`)
      row = unmeasurable(id, id, `the benchmark failed (${why})`)
    }
    for (const r of [row].flat()) rows.push({ ...r, busyAtStart })
  }
} finally {
  await sink?.stop()
  if (!args.keep) fs.rmSync(work, { recursive: true, force: true })
}

// --keep-rows: the rows not run now, as the report being replaced had them, in the usual order.
const kept = args['keep-rows']
  ? readReportRows(outFile).filter((r) => !rows.some((x) => x.id === r.id))
  : []
const order = (r) => ROWS.indexOf(r.id)
await writeReport(outFile, {
  machine,
  mode: quick ? 'quick' : 'full',
  rows: [...rows, ...kept].sort((a, b) => order(a) - order(b)),
  kept,
  command: process.argv.slice(2).join(' '),
  totalSeconds: elapsed(),
  notesFile: path.join(ROOT, 'bench/what-we-tried.md'),
})
const rawFile = path.join(runDir, 'results.json')
fs.writeFileSync(rawFile, JSON.stringify({ machine, quick, rows }, null, 2))

log(`\nDone in ${(elapsed() / 60).toFixed(1)} min. Report: ${outFile} (raw figures: ${rawFile})\n`)
for (const r of rows) {
  log(`${r.cells.verdict.padEnd(14)} ${r.cells.what}\n               Upshot ${r.cells.upshot}`)
  log(`               peer   ${r.cells.peer}\n               ratio  ${r.cells.ratio}`)
}
