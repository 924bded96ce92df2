// Rows: peak resident memory (GNU time's maximum RSS) of `upshot upload` for a 2 GiB file sent to
// the S3 sink, and for one 50 MP photo through the default preset.
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { AWS_CLI, awsEnv } from '../lib/machine.mjs'
import { hasGnuTime, runOk } from '../lib/proc.mjs'
import { fmtBytes, fmtMB, fmtSeconds, summarize } from '../lib/stats.mjs'
import { sinkTarget, upshotUpload } from '../lib/upshot.mjs'
import { expectInSink } from './upload.mjs'
import { verdict } from './variants.mjs'

const MB = 1e6

async function measure(rounds, fn, log, label) {
  const runs = []
  const failures = []
  for (let i = 0; i < rounds; i++) {
    try {
      const r = await fn(i)
      runs.push(r)
      log(`  ${label} ${i + 1}/${rounds}: ${fmtMB(r.rss)} peak, ${r.seconds.toFixed(2)} s`)
    } catch (err) {
      failures.push(`${label}, run ${i + 1}: ${err instanceof Error ? err.message : err}`)
      log(`  FAILED ${failures[failures.length - 1]}`)
    }
  }
  return {
    runs,
    failures,
    rss: summarize(runs.map((r) => r.rss)),
    time: summarize(runs.map((r) => r.seconds)),
  }
}

function rssText(m) {
  if (m.rss.n === 0) return 'n/a'
  const spread =
    m.rss.n > 1 ? ` (${fmtMB(m.rss.min)}-${fmtMB(m.rss.max)}, ${m.rss.n} runs)` : ' (1 run)'
  return `${fmtMB(m.rss.median)} peak RSS${spread}; ${fmtSeconds(m.time.median)}`
}

export async function bigMemoryRow(ctx) {
  if (!hasGnuTime)
    return unmeasurable('memory-upload', 'Memory: upload a 2 GiB file', '/usr/bin/time is missing')
  const { file, size } = ctx.huge
  let n = 0
  const up = await measure(
    ctx.memoryRounds,
    async () => {
      await ctx.sink.reset()
      const r = await upshotUpload([file], sinkTarget(ctx.sink.endpoint, `m${n++}`), { rss: true })
      await expectInSink(ctx.sink, 1, size)
      return { seconds: r.seconds, rss: r.maxRssBytes }
    },
    ctx.log,
    'upshot',
  )
  // For reference only (no goal): the AWS CLI's own peak for the same file.
  const aws = AWS_CLI
    ? await measure(
        1,
        async () => {
          await ctx.sink.reset()
          const r = await runOk(
            AWS_CLI,
            [
              's3',
              'cp',
              file,
              `s3://bench/m${n++}/${path.basename(file)}`,
              '--endpoint-url',
              ctx.sink.endpoint,
              '--only-show-errors',
            ],
            { env: awsEnv(), rss: true },
          )
          await expectInSink(ctx.sink, 1, size)
          return { seconds: r.seconds, rss: r.maxRssBytes }
        },
        ctx.log,
        'aws',
      )
    : null
  return {
    id: 'memory-upload',
    cells: {
      what: `Memory: upload one ${fmtBytes(size)} file to the S3 sink`,
      upshot: rssText(up),
      peer: aws ? `(reference, no goal) \`aws s3 cp\`: ${rssText(aws)}` : '—',
      ratio: '—',
      goal: 'peak RSS <= 250 MB',
      verdict: verdict(up.rss.median <= 250 * MB, up.failures),
    },
    details: up.failures.map((f) => `- failed: ${f}`),
    raw: { up, aws },
  }
}

export async function photoMemoryRow(ctx) {
  if (!hasGnuTime)
    return unmeasurable('memory-photo', 'Memory: one 50 MP photo', '/usr/bin/time is missing')
  const { file, width, height, source } = ctx.photo50
  let n = 0
  const up = await measure(
    ctx.memoryRounds,
    async () => {
      const dir = path.join(ctx.work, `mem50-${n++}`)
      const r = await upshotUpload([file], ['--to', pathToFileURL(dir).href], { rss: true })
      fs.rmSync(dir, { recursive: true, force: true })
      return { seconds: r.seconds, rss: r.maxRssBytes }
    },
    ctx.log,
    'upshot',
  )
  return {
    id: 'memory-photo',
    cells: {
      what: `Memory: one ${((width * height) / 1e6).toFixed(0)} MP photo (${width}x${height} JPEG, ${fmtBytes(fs.statSync(file).size)}) through the default preset to a local folder`,
      upshot: rssText(up),
      peer: '—',
      ratio: '—',
      goal: 'peak RSS <= 600 MB',
      verdict: verdict(up.rss.median <= 600 * MB, up.failures),
    },
    details: [
      `The 50 MP photo is ${source} upscaled with lanczos3 and sharpened (real texture, not a flat colour), JPEG quality 92.`,
      ...up.failures.map((f) => `- failed: ${f}`),
    ],
    raw: { up },
  }
}

export function unmeasurable(id, what, why) {
  return {
    id,
    cells: {
      what,
      upshot: `not measured: ${why}`,
      peer: '—',
      ratio: '—',
      goal: '—',
      verdict: 'not measured',
    },
    details: [],
    raw: null,
  }
}
