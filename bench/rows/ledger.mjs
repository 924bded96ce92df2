// Row: the ledger with 100,000 jobs, through the engine's own Ledger class (bundled with esbuild
// from the TypeScript source into node_modules/.cache, so better-sqlite3 resolves as usual).
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'
import { runOk } from '../lib/proc.mjs'
import { fmtSeconds, summarize } from '../lib/stats.mjs'
import { ROOT } from '../lib/upshot.mjs'
import { verdict } from './variants.mjs'

const OUT = path.join(ROOT, 'node_modules/.cache/upshot-bench/ledger-worker.mjs')

export async function ledgerRow(ctx) {
  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  await build({
    entryPoints: [path.join(ROOT, 'bench/ledger-worker.mjs')],
    outfile: OUT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  })
  const jobs = 100_000
  const r = await runOk(process.execPath, [OUT, String(jobs), String(ctx.ledgerRounds)])
  const d = JSON.parse(r.stdout)
  const rate = summarize(d.oneCall.map((s) => jobs / s))
  const batchRate = summarize(d.batches.map((s) => jobs / s))
  const q = (k) => summarize(d.queries[k].times)
  const page = q('mixedUnfinishedFirstPage')
  const worstPage = Math.max(
    q('allQueuedFirstPage').median,
    page.median,
    q('mixedAllFirstPage').median,
  )
  const fmtRate = (s) =>
    `${Math.round(s.median).toLocaleString('en')} jobs/s (${Math.round(s.min).toLocaleString('en')}-${Math.round(s.max).toLocaleString('en')}, ${s.n} runs)`
  const ms = (s) => `${fmtSeconds(s.median)} (${fmtSeconds(s.min)}-${fmtSeconds(s.max)})`
  return {
    id: 'ledger',
    cells: {
      what: 'Ledger: 100,000 jobs (enqueue; queue page = first 200 unfinished jobs)',
      upshot: `enqueue ${fmtRate(rate)}; page ${ms(page)}`,
      peer: '—',
      ratio: '—',
      goal: 'enqueue >= 20,000 jobs/s; page < 20 ms',
      verdict: verdict(rate.median >= 20_000 && worstPage < 0.02, []),
    },
    details: [
      `Enqueue: \`Ledger.enqueue\` with all 100,000 jobs in one call (one transaction, as \`upshot upload\` of a ` +
        `100,000-file folder does): ${fmtRate(rate)}; as 100 drops of 1,000 jobs (a transaction each): ${fmtRate(batchRate)}.`,
      `Queries (median of ${d.queries.allQueuedFirstPage.times.length} calls, min-max), 100,000 jobs in the ledger:`,
      '',
      '| query | all queued | 90% done, 10% waiting |',
      '| --- | --- | --- |',
      `| first 200 unfinished (\`upshot jobs\`, the queue page) | ${ms(q('allQueuedFirstPage'))} | ${ms(page)} |`,
      `| first 200 of all, newest first (\`upshot jobs --all\`) | — | ${ms(q('mixedAllFirstPage'))} |`,
      `| 200 of all at offset 50,000 | — | ${ms(q('mixedAllDeepPage'))} |`,
      `| every unfinished id (\`resume\`), ${d.queries.allQueuedUnfinishedIds.rows.toLocaleString('en')} rows | ${ms(q('allQueuedUnfinishedIds'))} | — |`,
      '',
      `Query plans: unfinished page: \`${d.queries.plans.unfinished}\`; all: \`${d.queries.plans.all}\`.`,
    ],
    raw: d,
  }
}
