// Row: re-scan of a synced tree where nothing changed, `upshot sync` against rclone on the same
// tree. Both sync into a local folder: the re-scan is then all local work (walk, stat, compare
// with what was recorded), the strictest comparison for Upshot (rclone against S3 would also
// list the bucket and HEAD objects for their modification times).
//
// The first sync of 50,000 files takes minutes (every file is a job: hashed, staged, copied), so
// the synced tree, Upshot's data dir and rclone's copy are kept in node_modules/.cache and reused
// by later runs; each run checks the re-scan found every file unchanged.
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { cpuText, ratioOf, sideBySide } from '../lib/compare.mjs'
import { awsEnv, RCLONE } from '../lib/machine.mjs'
import { run, runOk } from '../lib/proc.mjs'
import { fmtRatio, fmtSeconds, fmtSummary } from '../lib/stats.mjs'
import { ROOT, UPSHOT_BIN } from '../lib/upshot.mjs'
import { failuresText, verdict } from './variants.mjs'

const CACHE = path.join(ROOT, 'node_modules/.cache/upshot-bench')
const FILES_PER_DIR = 100
// A fixed modification time: the cached tree stays "unchanged" from one run to the next.
const MTIME = new Date('2025-06-01T12:00:00Z')

export async function syncAvailable() {
  const r = await run(process.execPath, [UPSHOT_BIN, 'sync', '--help'])
  return r.code === 0 && /--dry-run/.test(r.stdout)
}

/** `count` small files (100-2,000 bytes of text) in folders of 100. */
function makeTree(dir, count) {
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `album-${String(Math.floor(i / FILES_PER_DIR)).padStart(4, '0')}`)
    if (i % FILES_PER_DIR === 0) fs.mkdirSync(sub, { recursive: true })
    const file = path.join(sub, `note-${String(i).padStart(6, '0')}.txt`)
    fs.writeFileSync(file, `file ${i}\n`.repeat(10 + (i % 190)))
    fs.utimesSync(file, MTIME, MTIME)
  }
}

function upshotSync(c, extra = [], json = true) {
  return run(
    process.execPath,
    [
      UPSHOT_BIN,
      'sync',
      c.tree,
      '--to',
      pathToFileURL(c.upshotDest).href,
      '--data-dir',
      c.data,
      ...(json ? ['--json'] : []),
      ...extra,
    ],
    { env: awsEnv() },
  )
}

function rclone(args) {
  if (!RCLONE) throw new Error('rclone is not installed')
  return runOk(RCLONE, [...args, '--config', path.join(CACHE, 'rclone-none.conf')], {
    env: awsEnv(),
  })
}

function parseSync(r) {
  try {
    return JSON.parse(r.stdout)
  } catch {
    throw new Error(
      `upshot sync printed no JSON (exit ${r.code}): ${r.stderr.trim().split('\n').pop()}`,
    )
  }
}

/** Makes (or reuses) the synced state. Returns seconds spent priming, 0 when reused. */
async function prepare(c, count, log) {
  const stamp = path.join(c.base, 'ready.json')
  if (fs.existsSync(stamp)) {
    // Cheap check that Upshot still sees every file as synced (a changed ledger format would not).
    const d = parseSync(await upshotSync(c))
    if (d.plan?.unchanged === count && (d.summary?.done ?? 0) === 0) return 0
    log('  the cached sync state is stale; priming again')
  }
  fs.rmSync(c.base, { recursive: true, force: true })
  fs.mkdirSync(c.base, { recursive: true })
  log(`  making ${count} files and the first sync (cached for later runs; takes minutes once)...`)
  const t = process.hrtime.bigint()
  makeTree(c.tree, count)
  const first = parseSync(await upshotSync(c))
  if ((first.summary?.failed ?? 1) !== 0)
    throw new Error('the first upshot sync failed for some files')
  await rclone(['sync', c.tree, c.rcloneDest])
  fs.writeFileSync(stamp, JSON.stringify({ count, at: new Date().toISOString() }))
  return Number(process.hrtime.bigint() - t) / 1e9
}

export async function syncRow(ctx) {
  const count = ctx.syncFiles
  const what = `Sync re-scan of ${count.toLocaleString('en')} unchanged files`
  if (!(await syncAvailable())) {
    return {
      id: 'sync',
      cells: {
        what,
        upshot: 'not yet measurable: `upshot sync` is not built',
        peer: 'rclone',
        ratio: '—',
        goal: 'faster than rclone',
        verdict: 'not measured',
      },
      details: [],
      raw: null,
    }
  }
  const base = path.join(CACHE, `sync-${count}`)
  const c = {
    base,
    tree: path.join(base, 'tree'),
    data: path.join(base, 'upshot-data'),
    upshotDest: path.join(base, 'upshot-dest'),
    rcloneDest: path.join(base, 'rclone-dest'),
  }
  const primed = await prepare(c, count, ctx.log)
  const res = await sideBySide(
    [
      {
        // What a scheduled re-scan prints: the plan's counts and a summary line.
        name: 'upshot',
        fn: async () => {
          const r = await upshotSync(c, [], false)
          const unchanged = Number(/^\s*(\d+) unchanged$/m.exec(r.stdout)?.[1] ?? NaN)
          const summary = /^(\d+) done, (\d+) failed, (\d+) skipped/m.exec(r.stdout)
          if (r.code !== 0 || unchanged !== count || summary?.[1] !== '0' || summary[2] !== '0') {
            throw new Error(
              `the re-scan did not find ${count} unchanged files (exit ${r.code}): ${r.stdout.slice(-300)}`,
            )
          }
          return { seconds: r.seconds, cpu: r.cpuSeconds }
        },
      },
      {
        // The same with --json: every unchanged file listed with its links (a 37 MB document).
        name: 'upshotJson',
        fn: async () => {
          const r = await upshotSync(c)
          const d = parseSync(r)
          if (d.plan?.unchanged !== count || (d.summary?.done ?? 0) !== 0) {
            throw new Error(
              `the re-scan did not find ${count} unchanged files (unchanged ${d.plan?.unchanged}, ` +
                `upload ${d.plan?.upload?.length}, problems ${d.plan?.problems?.length}, failed ${d.summary?.failed}; exit ${r.code})`,
            )
          }
          return { seconds: r.seconds, cpu: r.cpuSeconds }
        },
      },
      {
        name: 'rcloneSync',
        fn: async () => {
          const r = await rclone(['sync', c.tree, c.rcloneDest])
          return { seconds: r.seconds, cpu: r.cpuSeconds }
        },
      },
      {
        name: 'rcloneCheck',
        fn: async () => {
          const r = await rclone(['check', c.tree, c.rcloneDest, '--size-only', '-q'])
          return { seconds: r.seconds, cpu: r.cpuSeconds }
        },
      },
    ],
    ctx.syncRounds,
    ctx.log,
  )
  const best =
    res.rcloneSync.time.median <= res.rcloneCheck.time.median ? 'rcloneSync' : 'rcloneCheck'
  const r = ratioOf(res.upshot, res[best])
  return {
    id: 'sync',
    cells: {
      what,
      upshot: `\`upshot sync\`: ${fmtSummary(res.upshot.time)}; with \`--json\`: ${fmtSummary(res.upshotJson.time)}`,
      peer: `\`rclone sync\`: ${fmtSummary(res.rcloneSync.time)}; \`rclone check --size-only\`: ${fmtSummary(res.rcloneCheck.time)}`,
      ratio: `${fmtRatio(r.median)} (rounds ${fmtRatio(r.min)}-${fmtRatio(r.max)})`,
      goal: 'faster than rclone',
      verdict: verdict(r.median < 1, res.failures),
    },
    details: [
      `A tree of ${count.toLocaleString('en')} small text files in folders of ${FILES_PER_DIR}, synced once before ` +
        `(Upshot: \`upshot sync <tree> --to file:///<dir>\`; rclone: \`rclone sync <tree> <dir>\`), then re-scanned ` +
        `with nothing changed by the same commands (and \`rclone check --size-only\`); the ratio is against the faster rclone command. ` +
        `\`upshot sync --json\` also lists every unchanged file with its links (one job each, as the contract says), which costs the difference shown.`,
      primed > 0
        ? `This run made the synced state first (${fmtSeconds(primed)}, not timed; kept in node_modules/.cache/upshot-bench for later runs).`
        : 'The synced state was reused from an earlier run (node_modules/.cache/upshot-bench); the re-scan checked every file is still seen as unchanged.',
      cpuText(res, [
        ['upshot', 'Upshot'],
        [best, best === 'rcloneSync' ? 'rclone sync' : 'rclone check'],
      ]) ?? '',
      ...failuresText(res.failures),
    ],
    raw: res,
  }
}
