// Rows: one 256 MiB file, and 400 files of 64 KiB, sent to the local S3 sink by Upshot and by the
// AWS CLI (`aws s3 cp`, default settings). Each run must leave every object, at its full size, in
// the sink, or it does not count.
import path from 'node:path'
import { cpuText, ratioOf, sideBySide } from '../lib/compare.mjs'
import { AWS_CLI, awsEnv } from '../lib/machine.mjs'
import { runOk } from '../lib/proc.mjs'
import { fmtBytes, fmtRatio, fmtSummary } from '../lib/stats.mjs'
import { sinkTarget, upshotUpload } from '../lib/upshot.mjs'
import { failuresText, verdict } from './variants.mjs'

/** Checks the sink holds `objects` objects of `bytes` bytes in all since its last reset. */
export async function expectInSink(sink, objects, bytes) {
  const s = await sink.stats()
  if (s.objects !== objects || s.objectBytes !== bytes) {
    throw new Error(
      `the sink holds ${s.objects} objects / ${s.objectBytes} bytes, expected ${objects} / ${bytes}`,
    )
  }
  return s
}

export async function awsCp(args, endpoint) {
  if (!AWS_CLI) throw new Error('the AWS CLI is not installed')
  return runOk(
    AWS_CLI,
    ['s3', 'cp', ...args, '--endpoint-url', endpoint, '--only-show-errors', '--no-progress'],
    { env: awsEnv() },
  )
}

function contenders(ctx, input, { recursive, objects, bytes }) {
  let n = 0
  return [
    {
      name: 'upshot',
      fn: async () => {
        await ctx.sink.reset()
        const r = await upshotUpload([input], sinkTarget(ctx.sink.endpoint, `u${n++}`))
        const s = await expectInSink(ctx.sink, objects, bytes)
        return {
          seconds: r.seconds,
          cpu: r.cpuSeconds,
          sinkCpu: s.cpuSeconds,
          requests: s.requests,
        }
      },
    },
    {
      name: 'aws',
      fn: async () => {
        await ctx.sink.reset()
        const dest = recursive
          ? `s3://bench/a${n++}/`
          : `s3://bench/a${n++}/${path.basename(input)}`
        const r = await awsCp(
          recursive ? [input, dest, '--recursive'] : [input, dest],
          ctx.sink.endpoint,
        )
        const s = await expectInSink(ctx.sink, objects, bytes)
        return {
          seconds: r.seconds,
          cpu: r.cpuSeconds,
          sinkCpu: s.cpuSeconds,
          requests: s.requests,
        }
      },
    },
  ]
}

function requestsText(res) {
  const up = res.upshot.runs[0]?.requests
  const aws = res.aws.runs[0]?.requests
  const cpu = cpuText(res, [
    ['upshot', 'Upshot'],
    ['aws', 'AWS CLI'],
  ])
  return `HTTP requests per run: Upshot ${up ?? 'n/a'}, AWS CLI ${aws ?? 'n/a'}. ${cpu ?? ''}`
}

export async function bigUploadRow(ctx) {
  const size = ctx.bigSize
  const res = await sideBySide(
    contenders(ctx, ctx.bigFile, { recursive: false, objects: 1, bytes: size }),
    ctx.rounds,
    ctx.log,
  )
  const r = ratioOf(res.upshot, res.aws)
  return {
    id: 'upload-big',
    cells: {
      what: `Upload one ${fmtBytes(size)} file (random bytes) to the local S3 sink`,
      upshot: fmtSummary(res.upshot.time),
      peer: `\`aws s3 cp\`: ${fmtSummary(res.aws.time)}`,
      ratio: `${fmtRatio(r.median)} (rounds ${fmtRatio(r.min)}-${fmtRatio(r.max)})`,
      goal: 'time <= 1.0x',
      verdict: verdict(r.median <= 1.0, res.failures),
    },
    details: [
      `Upshot: \`upshot upload big.bin --to s3://bench/<run> --endpoint <sink> --path-style --json\`, fresh data dir. ` +
        `AWS CLI: \`aws s3 cp big.bin s3://bench/<run>/big.bin --endpoint-url <sink>\`, default settings.`,
      requestsText(res),
      ...failuresText(res.failures),
    ],
    raw: res,
  }
}

export async function smallFilesRow(ctx) {
  const { count, size, dir } = ctx.small
  const res = await sideBySide(
    contenders(ctx, dir, { recursive: true, objects: count, bytes: count * size }),
    ctx.rounds,
    ctx.log,
  )
  const r = ratioOf(res.upshot, res.aws)
  return {
    id: 'upload-small',
    cells: {
      what: `Upload ${count} files of ${fmtBytes(size)} (random bytes) to the local S3 sink`,
      upshot: fmtSummary(res.upshot.time),
      peer: `\`aws s3 cp --recursive\`: ${fmtSummary(res.aws.time)}`,
      ratio: `${fmtRatio(r.median)} (rounds ${fmtRatio(r.min)}-${fmtRatio(r.max)})`,
      goal: 'time <= 0.5x',
      verdict: verdict(r.median <= 0.5, res.failures),
    },
    details: [
      `Upshot: \`upshot upload <dir> --to s3://bench/<run> ...\` (each file: one job, hashed, then sent ` +
        `from the source with its hash checked again; one ListObjectsV2 for the batch's dedup instead of a ` +
        `HEAD per file; one PutObject per file, signed and sent without the SDK). ` +
        `AWS CLI: \`aws s3 cp <dir> s3://bench/<run>/ --recursive\`.`,
      requestsText(res),
      ...failuresText(res.failures),
    ],
    raw: res,
  }
}
