// Row: the `web` preset's four WebP variants of real photos into a local folder, Upshot against
// ImageMagick 6 (all cores: one convert per photo, nproc at once; and a plain one-at-a-time loop).
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { cpuText, ratioOf, sideBySide } from '../lib/compare.mjs'
import { commandLine, convertAll, VARIANTS } from '../lib/imagemagick.mjs'
import { fmtBytes, fmtRatio, fmtSummary, summarize } from '../lib/stats.mjs'
import { upshotUpload } from '../lib/upshot.mjs'

/** Bytes of the WebP files per variant name (files end in -<variant>.webp) and in total. */
export function outputBytes(dir) {
  const by = Object.fromEntries(VARIANTS.map((v) => [v, 0]))
  let total = 0
  let files = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const parent = e.parentPath ?? e.path
    // Only the images (older versions also kept .upshot-meta/*.json sidecars in the folder).
    if (!e.isFile() || !e.name.endsWith('.webp') || parent.includes('.upshot-meta')) continue
    const size = fs.statSync(path.join(parent, e.name)).size
    const v = /-([a-z]+)\.webp$/.exec(e.name)?.[1]
    if (v && v in by) by[v] += size
    total += size
    files++
  }
  return { total, files, by }
}

export async function variantsRow(ctx) {
  const files = ctx.photos.map((p) => p.file)
  const expectedFiles = files.length * VARIANTS.length
  let n = 0
  const freshDir = () => path.join(ctx.work, `variants-${n++}`)
  const measureDir = (dir, seconds, extra = {}) => {
    const bytes = outputBytes(dir)
    fs.rmSync(dir, { recursive: true, force: true })
    if (bytes.files !== expectedFiles) {
      throw new Error(`made ${bytes.files} files instead of ${expectedFiles}`)
    }
    return { seconds, bytes: bytes.total, byVariant: bytes.by, ...extra }
  }
  const res = await sideBySide(
    [
      {
        name: 'upshot',
        fn: async () => {
          const dir = freshDir()
          const r = await upshotUpload(files, ['--to', pathToFileURL(dir).href])
          return measureDir(dir, r.seconds, {
            engineSeconds: r.report.summary.seconds,
            cpu: r.cpuSeconds,
          })
        },
      },
      {
        name: 'imParallel',
        fn: async () => {
          const dir = freshDir()
          const t = process.hrtime.bigint()
          const cpu = await convertAll(files, dir, ctx.nproc)
          return measureDir(dir, Number(process.hrtime.bigint() - t) / 1e9, { cpu })
        },
      },
      {
        name: 'imLoop',
        fn: async () => {
          const dir = freshDir()
          const t = process.hrtime.bigint()
          const cpu = await convertAll(files, dir, 1)
          return measureDir(dir, Number(process.hrtime.bigint() - t) / 1e9, { cpu })
        },
      },
    ],
    ctx.rounds,
    ctx.log,
  )
  const up = res.upshot
  const par = res.imParallel
  const loop = res.imLoop
  const upBytes = up.runs[0]?.bytes ?? NaN
  const imBytes = par.runs[0]?.bytes ?? loop.runs[0]?.bytes ?? NaN
  const rPar = ratioOf(up, par)
  const rLoop = ratioOf(up, loop)
  // The goal is judged against ImageMagick at its fastest here.
  const rBest =
    par.time.median <= loop.time.median || !Number.isFinite(loop.time.median) ? rPar : rLoop
  const bytesRatio = upBytes / imBytes
  const timeMet = rBest.median <= 0.2
  const bytesMet = bytesRatio <= 1.0
  const pixels = ctx.photos.reduce((s, p) => s + p.width * p.height, 0)
  const engine = summarize(up.runs.map((r) => r.engineSeconds))
  const perVariant = VARIANTS.map((v) => {
    const a = up.runs[0]?.byVariant[v] ?? NaN
    const b = (par.runs[0] ?? loop.runs[0])?.byVariant[v] ?? NaN
    return `| ${v} | ${fmtBytes(a)} | ${fmtBytes(b)} | ${fmtRatio(a / b)} |`
  })
  return {
    id: 'variants',
    cells: {
      what: `Variants: ${files.length} real photos (${(pixels / 1e6).toFixed(0)} MP in all), 4 WebP variants each, to a local folder`,
      upshot: `${fmtSummary(up.time)}; ${fmtBytes(upBytes)}`,
      peer: `ImageMagick, ${ctx.nproc} at once: ${fmtSummary(par.time)}; ${fmtBytes(imBytes)}. One at a time: ${fmtSummary(loop.time)}`,
      ratio: `time ${fmtRatio(rPar.median)} (rounds ${fmtRatio(rPar.min)}-${fmtRatio(rPar.max)}); vs the loop ${fmtRatio(rLoop.median)}; bytes ${fmtRatio(bytesRatio)}`,
      goal: 'time <= 0.2x, bytes <= 1.0x',
      verdict: verdict(timeMet && bytesMet, res.failures),
    },
    details: [
      `Photos: ${ctx.photos.map((p) => `${path.basename(p.file)} (${p.width}x${p.height})`).join(', ')}.`,
      `Upshot: \`upshot upload <the photos> --to file:///<dir> --json\` with a fresh data dir (default preset \`web\`); ` +
        `the engine's own report says ${fmtSummary(engine)} of the wall time was spent after start-up.`,
      `ImageMagick, per photo: \`${commandLine()}\`; run ${ctx.nproc} at once (like \`xargs -P ${ctx.nproc}\`) ` +
        `and, separately, one after another. The ratio that decides the goal is against the faster of the two.`,
      '',
      '| variant | Upshot bytes | ImageMagick bytes | ratio |',
      '| --- | --- | --- | --- |',
      ...perVariant,
      cpuText(res, [
        ['upshot', 'Upshot'],
        ['imParallel', 'ImageMagick'],
      ]) ?? '',
      ...failuresText(res.failures),
    ],
    raw: res,
  }
}

export function verdict(met, failures) {
  if (failures.length > 0) return `**incomplete** (${failures.length} failed runs)`
  return met ? 'met' : '**missed**'
}

export function failuresText(failures) {
  return failures.length ? ['', 'Failed runs:', ...failures.map((f) => `- ${f}`)] : []
}
