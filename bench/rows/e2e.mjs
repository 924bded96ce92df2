// Row: end to end, photos -> variants -> local S3 sink. Upshot does it in one command (processing
// and uploads overlap); the peer does "convert everything, then upload everything": ImageMagick
// (nproc converts at once) into a folder, then `aws s3 cp --recursive`.
import fs from 'node:fs'
import path from 'node:path'
import { cpuText, ratioOf, sideBySide } from '../lib/compare.mjs'
import { convertAll, VARIANTS } from '../lib/imagemagick.mjs'
import { fmtRatio, fmtSummary } from '../lib/stats.mjs'
import { sinkTarget, upshotUpload } from '../lib/upshot.mjs'
import { awsCp } from './upload.mjs'
import { failuresText, verdict } from './variants.mjs'

async function expectObjects(sink, objects) {
  const s = await sink.stats()
  if (s.objects !== objects) throw new Error(`the sink holds ${s.objects} objects, not ${objects}`)
  return s
}

export async function e2eRow(ctx) {
  const { dir, files } = ctx.e2e
  const objects = files.length * VARIANTS.length
  let n = 0
  const res = await sideBySide(
    [
      {
        name: 'upshot',
        fn: async () => {
          await ctx.sink.reset()
          const r = await upshotUpload([dir], sinkTarget(ctx.sink.endpoint, `e${n++}`))
          const s = await expectObjects(ctx.sink, objects)
          return { seconds: r.seconds, cpu: r.cpuSeconds, bytes: s.objectBytes }
        },
      },
      {
        name: 'peer',
        fn: async () => {
          await ctx.sink.reset()
          const out = path.join(ctx.work, `e2e-im-${n}`)
          const t = process.hrtime.bigint()
          const convertCpu = await convertAll(files, out, ctx.nproc)
          const convertSeconds = Number(process.hrtime.bigint() - t) / 1e9
          const up = await awsCp([out, `s3://bench/p${n++}/`, '--recursive'], ctx.sink.endpoint)
          const seconds = Number(process.hrtime.bigint() - t) / 1e9
          fs.rmSync(out, { recursive: true, force: true })
          const s = await expectObjects(ctx.sink, objects)
          return {
            seconds,
            convertSeconds,
            cpu: convertCpu + (up.cpuSeconds ?? NaN),
            bytes: s.objectBytes,
          }
        },
      },
    ],
    ctx.e2eRounds,
    ctx.log,
  )
  const r = ratioOf(res.upshot, res.peer)
  const convert = res.peer.runs.map((x) => x.convertSeconds)
  return {
    id: 'e2e',
    cells: {
      what: `End to end: ${files.length} photos -> 4 variants each -> local S3 sink (${objects} objects)`,
      upshot: fmtSummary(res.upshot.time),
      peer: `ImageMagick (${ctx.nproc} at once) then \`aws s3 cp --recursive\`: ${fmtSummary(res.peer.time)}`,
      ratio: Number.isFinite(r.median)
        ? `${fmtRatio(r.median)}${res.upshot.runs.length > 1 ? ` (rounds ${fmtRatio(r.min)}-${fmtRatio(r.max)})` : ''}`
        : 'n/a',
      goal: 'time <= 0.25x',
      verdict: verdict(r.median <= 0.25, res.failures),
    },
    details: [
      `Inputs: ${files.length} copies of the ${ctx.photos.length} variant-row photos under distinct names, ` +
        `each with a unique JPEG comment so its content hash differs (Upshot would otherwise rightly ` +
        `upload each photo once); ${ctx.e2eRounds} round(s), this row being the longest.`,
      `Of the peer's time, ImageMagick took ${convert.map((c) => `${c.toFixed(1)} s`).join(', ')}; the rest is the AWS CLI.`,
      cpuText(res, [
        ['upshot', 'Upshot'],
        ['peer', 'ImageMagick + AWS CLI'],
      ]) ?? '',
      ...failuresText(res.failures),
    ],
    raw: res,
  }
}
