// Row: bytes, perceived quality and CPU time of the `web` (WebP) and `web-avif` presets' four
// variants of held-out photos (not in the tuning corpus), side by side in one run with
// ImageMagick (-quality 80), libvips' vipsthumbnail (Q=80) and Upshot as it was before the
// encoder settings were chosen by measured quality. Quality: butteraugli and DSSIM of each
// variant against the same reference (bench/lib/quality/reference.mjs).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { sideBySide } from '../lib/compare.mjs'
import { convertAll, VARIANTS, windowArgs } from '../lib/imagemagick.mjs'
import { IMAGEMAGICK } from '../lib/machine.mjs'
import { pool, runOk } from '../lib/proc.mjs'
import { baselineCli, BASELINE_COMMIT } from '../lib/quality/baseline.mjs'
import { sideBySidePng } from '../lib/quality/crops.mjs'
import { WEB_VARIANTS } from '../lib/quality/encode.mjs'
import { HELD_OUT_PACKAGE, heldOutPhotos } from '../lib/quality/heldout.mjs'
import { butteraugli, dssim, regionsOf } from '../lib/quality/metrics.mjs'
import { vipsCommands, webpImageBytes } from '../lib/quality/peers.mjs'
import { coverWindow, decodeRgb, referenceFor } from '../lib/quality/reference.mjs'
import { lineChart } from '../lib/svgplot.mjs'
import { fmtBytes, fmtRatio, fmtSummary } from '../lib/stats.mjs'
import { upshotUpload } from '../lib/upshot.mjs'
import { failuresText, verdict } from './variants.mjs'

const LABEL = {
  web: 'Upshot web (WebP)',
  before: `Upshot web before (${BASELINE_COMMIT})`,
  avif: 'Upshot web-avif',
  imagemagick: 'ImageMagick -quality 80',
  imsame: 'ImageMagick -quality 80, Upshot’s crop windows',
  vips: 'vipsthumbnail Q=80',
}
const GOALS = { webBytes: 0.85, webCpu: 1.1, avifBytes: 0.7 }
const sum = (xs) => xs.reduce((a, b) => a + b, 0)
const mean = (xs) => sum(xs) / xs.length

/** { [photoFile]: { [variant]: file } } from an `upshot upload --json` report. */
function upshotFiles(report) {
  const by = {}
  for (const job of report.jobs) {
    by[job.source] = Object.fromEntries(job.outputs.map((o) => [o.variant, fileURLToPath(o.url)]))
  }
  return by
}

function peerFiles(files, dir, ext = 'webp') {
  const by = {}
  for (const f of files) {
    const base = path.basename(f).replace(/\.[^.]+$/, '')
    by[f] = Object.fromEntries(VARIANTS.map((v) => [v, path.join(dir, `${base}-${v}.${ext}`)]))
  }
  return by
}

export async function qualityRow(ctx) {
  const photos = await heldOutPhotos(ctx.log)
  // Same names under each contender's folder: the photos all live at .../<Name>/contents/images.
  const named = path.join(ctx.work, 'heldout')
  fs.mkdirSync(named, { recursive: true })
  const inputs = photos.map((p) => {
    const to = path.join(named, `${p.file.split(path.sep).at(-4)}.jpg`)
    fs.copyFileSync(p.file, to)
    return to
  })
  const beforeCli = await baselineCli()
  const kept = {}
  let n = 0
  const dirFor = (name, round) => {
    const dir = path.join(ctx.work, `quality-${name}-${n++}`)
    if (round === 0) kept[name] = { dir }
    return dir
  }
  const finish = (name, round, dir, outputs, r) => {
    if (round === 0) kept[name].files = outputs
    else fs.rmSync(dir, { recursive: true, force: true })
    return r
  }
  const upshot = (name, extra, cli) => ({
    name,
    fn: async (round) => {
      const dir = dirFor(name, round)
      const r = await upshotUpload(inputs, ['--to', pathToFileURL(dir).href, ...extra], { cli })
      return finish(name, round, dir, upshotFiles(r.report), {
        seconds: r.seconds,
        cpu: r.cpuSeconds,
      })
    },
  })
  const contenders = [
    upshot('web', []),
    upshot('before', [], beforeCli),
    upshot('avif', ['--preset', 'web-avif']),
    {
      name: 'imagemagick',
      fn: async (round) => {
        const dir = dirFor('imagemagick', round)
        const t = process.hrtime.bigint()
        const cpu = await convertAll(inputs, dir, ctx.nproc)
        const seconds = Number(process.hrtime.bigint() - t) / 1e9
        return finish('imagemagick', round, dir, peerFiles(inputs, dir), { seconds, cpu })
      },
    },
    {
      name: 'vips',
      fn: async (round) => {
        const dir = dirFor('vips', round)
        fs.mkdirSync(dir, { recursive: true })
        const t = process.hrtime.bigint()
        const cmds = inputs.flatMap((f) => vipsCommands(f, dir))
        const runs = await pool(
          cmds.map(
            ([cmd, args]) =>
              () =>
                runOk(cmd, args),
          ),
          ctx.nproc,
        )
        const seconds = Number(process.hrtime.bigint() - t) / 1e9
        const cpu = sum(runs.map((r) => r.cpuSeconds ?? NaN))
        return finish('vips', round, dir, peerFiles(inputs, dir), { seconds, cpu })
      },
    },
  ]
  const res = await sideBySide(contenders, ctx.qualityRounds ?? ctx.rounds, ctx.log)

  ctx.log('  measuring quality (butteraugli, DSSIM) of the first round’s outputs...')
  // ImageMagick on the windows Upshot's attention crops show: the same pixels, encoded by
  // ImageMagick, so the cover variants compare encoders and not crop choices.
  if (kept.web?.files && kept.imagemagick?.files) {
    const dir = path.join(ctx.work, 'quality-imsame')
    fs.mkdirSync(dir, { recursive: true })
    kept.imsame = { dir, files: {} }
    for (const photo of inputs) {
      const src = await decodeRgb(photo)
      const windows = {}
      for (const v of WEB_VARIANTS.filter((x) => x.fit === 'cover')) {
        const out = await decodeRgb(kept.web.files[photo][v.name])
        const w = await coverWindow(src, out)
        windows[v.name] = { ...w, outWidth: out.width, outHeight: out.height }
      }
      await runOk(IMAGEMAGICK, windowArgs(photo, dir, windows))
      const own = peerFiles([photo], dir)[photo]
      kept.imsame.files[photo] = {
        ...kept.imagemagick.files[photo],
        ...Object.fromEntries(Object.keys(windows).map((v) => [v, own[v]])),
      }
    }
  }
  const names = [...contenders.map((c) => c.name), 'imsame'].filter((k) => kept[k]?.files)
  const rec = [] // { photo, variant, tool, bytes, butteraugli, dssim, out, ref }
  const worst = {}
  for (const [i, photo] of inputs.entries()) {
    const src = await decodeRgb(photo)
    for (const v of WEB_VARIANTS) {
      for (const tool of names) {
        const file = kept[tool].files[photo]?.[v.name]
        if (!file || !fs.existsSync(file)) throw new Error(`${tool} made no ${v.name} of ${photo}`)
        const data = fs.readFileSync(file)
        const out = await decodeRgb(data)
        const ref = await referenceFor(src, out, v.fit)
        const regions = regionsOf(ref)
        const r = {
          photo: path.basename(photo),
          variant: v.name,
          tool,
          bytes: webpImageBytes(data),
          butteraugli: await butteraugli(ref, out, regions),
          dssim: dssim(ref, out, regions),
        }
        rec.push(r)
        if (tool === 'web') {
          const w = worst[v.name]
          if (!w || r.butteraugli > w.score) {
            worst[v.name] = { score: r.butteraugli, photo, regions }
          }
        }
      }
    }
    ctx.log(`  ${i + 1}/${inputs.length} ${path.basename(photo)}`)
  }
  for (const k of Object.keys(kept)) if (!kept[k].files) delete kept[k]

  const figures = ctx.figuresDir
  fs.mkdirSync(figures, { recursive: true })
  const crops = await worstCrops(worst, kept, names, figures)
  for (const k of Object.values(kept)) fs.rmSync(k.dir, { recursive: true, force: true })

  // The goals compare like for like: ImageMagick encoding the same pixels (its own centre crops
  // are listed too, but show other parts of the photos on the cover variants).
  const PEER = kept.imsame ? 'imsame' : 'imagemagick'
  // Per tool and variant: bytes, mean scores, photos scoring worse than the peer.
  const stat = (tool, variant) => {
    const rs = rec.filter((r) => r.tool === tool && (!variant || r.variant === variant))
    const im = rec.filter((r) => r.tool === PEER && (!variant || r.variant === variant))
    const worse = rs.filter((r) => {
      const peer = im.find((x) => x.photo === r.photo && x.variant === r.variant)
      return peer && r.butteraugli > peer.butteraugli
    }).length
    return {
      bytes: sum(rs.map((r) => r.bytes)),
      butteraugli: mean(rs.map((r) => r.butteraugli)),
      dssim: mean(rs.map((r) => r.dssim)),
      worse,
      n: rs.length,
    }
  }
  const total = Object.fromEntries(names.map((t) => [t, stat(t)]))
  const per = Object.fromEntries(
    VARIANTS.map((v) => [v, Object.fromEntries(names.map((t) => [t, stat(t, v)]))]),
  )
  const plots = heldOutPlots(per, names, PEER, figures)
  // The per-photo scores, for plots drawn again later without re-measuring.
  fs.mkdirSync(path.join(figures, 'data'), { recursive: true })
  fs.writeFileSync(
    path.join(figures, 'data/heldout.json'),
    JSON.stringify({ records: rec }, null, 1),
  )
  const webVsIm = total.web.bytes / total[PEER].bytes
  const webVsImAsRun = total.web.bytes / total.imagemagick.bytes
  const qualityOk = (a, b) =>
    VARIANTS.every(
      (v) => per[v][a].butteraugli <= per[v][b].butteraugli && per[v][a].dssim <= per[v][b].dssim,
    )
  const webQualityOk = qualityOk('web', PEER)
  const cpuRatio = res.web.cpu.median / res.before.cpu.median
  const avifVsWeb = total.avif ? total.avif.bytes / total.web.bytes : NaN
  const avifQualityOk = total.avif ? qualityOk('avif', 'web') : false
  const webMet = webVsIm <= GOALS.webBytes && webQualityOk && cpuRatio <= GOALS.webCpu
  const avifMet = avifVsWeb <= GOALS.avifBytes && avifQualityOk
  const pixels = photos.reduce((s, p) => s + p.width * p.height, 0)
  const cpuOf = (k) => (res[k]?.cpu?.n ? `${res[k].cpu.median.toFixed(2)} s` : 'n/a')
  const timed = names.filter((k) => res[k])

  const table = (variant) => {
    const rows = names.map((t) => {
      const s = variant ? per[variant][t] : total[t]
      const im = variant ? per[variant][PEER] : total[PEER]
      return `| ${LABEL[t]} | ${fmtBytes(s.bytes)} | ${fmtRatio(s.bytes / im.bytes)} | ${s.butteraugli.toFixed(2)} | ${s.dssim.toFixed(4)} | ${t === PEER ? '—' : `${s.worse} of ${s.n}`} |`
    })
    return [
      `| ${variant ?? 'all four variants'} | bytes | / ImageMagick (same pixels) | butteraugli (mean) | DSSIM (mean) | photos scoring worse than ImageMagick on the same pixels (butteraugli) |`,
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ]
  }
  return {
    id: 'quality',
    cells: {
      what: `Quality: ${photos.length} held-out photos (${(pixels / 1e6).toFixed(0)} MP), \`web\` and \`web-avif\` presets' 4 variants, bytes at measured quality`,
      upshot: `web: ${fmtBytes(total.web.bytes)}, butteraugli ${total.web.butteraugli.toFixed(2)}, CPU ${cpuOf('web')}; web-avif: ${total.avif ? fmtBytes(total.avif.bytes) : 'n/a'}, butteraugli ${total.avif?.butteraugli.toFixed(2) ?? 'n/a'}, CPU ${cpuOf('avif')}`,
      peer: `ImageMagick q80 on the same pixels: ${fmtBytes(total[PEER].bytes)}, butteraugli ${total[PEER].butteraugli.toFixed(2)}; as run (centre crops): ${fmtBytes(total.imagemagick.bytes)}, CPU ${cpuOf('imagemagick')}; vipsthumbnail Q=80: ${total.vips ? fmtBytes(total.vips.bytes) : 'n/a'}, CPU ${cpuOf('vips')}; Upshot before: ${fmtBytes(total.before.bytes)}, CPU ${cpuOf('before')}`,
      ratio: `web bytes ${fmtRatio(webVsIm)} of ImageMagick's on the same pixels (${fmtRatio(webVsImAsRun)} of its centre-crop run), quality ${webQualityOk ? 'equal or better on every variant' : 'worse on some variant'}; web CPU ${fmtRatio(cpuRatio)} of before; web-avif bytes ${fmtRatio(avifVsWeb)} of web's (quality ${avifQualityOk ? 'equal or better' : 'worse'})`,
      goal: `web <= ${GOALS.webBytes}x ImageMagick's bytes at equal or better quality, CPU <= ${GOALS.webCpu}x before; web-avif <= ${GOALS.avifBytes}x web's bytes at equal quality`,
      verdict: `web ${verdict(webMet, res.failures)}; web-avif ${verdict(avifMet, res.failures)}`,
    },
    details: [
      `Photos: ${photos.map((p) => `${p.file.split(path.sep).at(-4)} (${p.author}, ${p.width}x${p.height})`).join(', ')}; from Debian's \`${HELD_OUT_PACKAGE}\` (fetched by the benchmark with \`apt-get download\`, LGPL-3 per each wallpaper's metadata). None of them is in the tuning corpus the settings were chosen on.`,
      `Upshot: \`upshot upload <the photos> --to file:///<dir> --json\` (preset \`web\`, and \`--preset web-avif\`), fresh data dir; "before" is the same command built from commit ${BASELINE_COMMIT}, the last one before the settings below. ImageMagick: the \`variants\` row's command, ${ctx.nproc} photos at once. vipsthumbnail: \`vipsthumbnail IN --size 320x180 --smartcrop attention -o OUT.webp[Q=80,strip]\` (and 640x360, \`1280x720>\`; the full size with \`vips autorot\`), ${ctx.nproc} commands at once; libvips 8.14's WebP writer keeps EXIF/XMP despite \`strip\`, so its metadata chunks are not counted.`,
      'ImageMagick on the same pixels: for the two cropped variants, ImageMagick is also run on the windows Upshot’s attention crop chose (`-resize WxH! -crop 320x180+X+Y`, same quality), so bytes and scores compare encoders on the same picture; its own centre crops show other parts of the photo (attention picks the detailed part, which costs more bytes at any quality). The goals are judged against this like-for-like run; the centre-crop run is listed too.',
      'Reference for every variant: the source decoded in full (no shrink-on-load), upright, sRGB; resized with lanczos3 to the variant’s size; for the cropped variants, the window of that resize the variant shows (found by matching, so attention and centre crops are each judged on their own region). Upshot’s own resize starts from a JPEG shrink-on-load decode and ImageMagick’s from a full decode, so if the reference favours anyone it is ImageMagick. Butteraugli: max-norm, worst of three 512 x 512 regions for pictures over 0.3 MP (the whole picture below), < 1 means no visible difference; DSSIM: 1/SSIM - 1 on luma over the same regions.',
      '',
      ...table(null),
      '',
      ...VARIANTS.flatMap((v) => [...table(v), '']),
      `CPU time (user + system of every process, median of ${res.web.cpu.n} runs): ${timed.map((k) => `${LABEL[k]} ${cpuOf(k)}`).join(', ')}. Wall time: ${timed.map((k) => `${LABEL[k]} ${fmtSummary(res[k].time)}`).join('; ')}.`,
      `Plots (held-out photos): ${plots.map((f) => `[${path.basename(f, '.svg')}](quality/${path.basename(f)})`).join(', ')}. Tuning curves: [docs/quality/](quality/). Worst case per variant (the photo where Upshot's WebP variant scores worst), reference and each tool side by side, 2x: ${crops.map((c) => `[${c.variant}](quality/${path.basename(c.file)}) (${c.photo})`).join(', ')}.`,
      ...failuresText(res.failures),
    ],
    raw: { ...res, records: rec },
  }
}

async function worstCrops(worst, kept, names, dir) {
  const out = []
  for (const v of WEB_VARIANTS) {
    const w = worst[v.name]
    if (!w) continue
    const src = await decodeRgb(w.photo)
    const panels = []
    const webOut = await decodeRgb(kept.web.files[w.photo][v.name])
    panels.push({ label: 'reference', img: await referenceFor(src, webOut, v.fit) })
    // ImageMagick's centre crop shows another window: its run on Upshot's window instead.
    const im = v.fit === 'cover' ? 'imsame' : 'imagemagick'
    for (const t of [im, 'before', 'web', 'avif'].filter((x) => names.includes(x))) {
      const img = await decodeRgb(kept[t].files[w.photo][v.name])
      if (img.width !== webOut.width || img.height !== webOut.height) continue
      panels.push({ label: t === 'imsame' ? 'ImageMagick q80' : LABEL[t], img })
    }
    // The region where the WebP variant scored worst: the most detailed one for big pictures.
    const region = w.regions[0]
    const file = path.join(dir, `heldout-worst-${v.name}.png`)
    await sideBySidePng(file, panels, region)
    out.push({ variant: v.name, file, photo: path.basename(w.photo) })
  }
  return out
}

/**
 * Per variant, one point per tool: bytes (as a share of ImageMagick's on the same pixels)
 * against the mean butteraugli and the mean DSSIM. per: { [variant]: { [tool]: { bytes,
 * butteraugli, dssim } } }; peer: the tool the shares are of.
 */
export function heldOutPlots(per, names, peer, dir) {
  const files = []
  for (const v of VARIANTS) {
    for (const [metric, label] of [
      ['butteraugli', 'butteraugli (mean)'],
      ['dssim', 'DSSIM (mean)'],
    ]) {
      const series = names.map((t) => ({
        name: LABEL[t],
        line: false,
        marker: t === peer || t === 'imagemagick' ? 'square' : t === 'vips' ? 'diamond' : 'star',
        points: [[per[v][t].bytes / per[v][peer].bytes, per[v][t][metric]]],
      }))
      const file = path.join(dir, `heldout-${v}-${metric}.svg`)
      fs.writeFileSync(
        file,
        lineChart({
          title: `${v}: held-out photos, bytes against ${metric === 'dssim' ? 'DSSIM' : 'butteraugli'}`,
          subtitle:
            'one point per tool, all photos; x: bytes as a share of ImageMagick q80 on the same pixels',
          xLabel: 'bytes / ImageMagick q80 bytes (same pixels)',
          yLabel: label,
          lowerIsBetter: true,
          series,
          width: 920,
        }),
      )
      files.push(file)
    }
  }
  return files
}
