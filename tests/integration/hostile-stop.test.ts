// SIGTERM must stop `upshot` promptly even while libvips or librsvg is busy on a file (issue
// 17: a crafted SVG ignored SIGTERM for 16 CPU-minutes), give the claim back to the ledger so
// `upshot resume` continues, and leave no renderer process behind.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/engine'
import { imageWorkInFlight } from '../../src/engine/pipeline'
import type { RunReport } from '../../src/shared/jobs'
import { morphologySvg } from '../helpers/bombs'
import { CORPUS, runCliJson, startCli, type CliResult } from '../helpers/cli'
import { until } from '../helpers/until'

/** SIGTERM to exit: the stop path's own deadline is 5 s; this leaves room for a loaded machine. */
const EXIT_BOUND_MS = 8_000

let work: string
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-stop-'))
})
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const waitFor = (what: string, cond: () => boolean, ms = 120_000): Promise<void> =>
  until(what, cond, ms)

interface JobRow {
  id: string
  state: string
  owner: string | null
  sha256: string | null
}

function jobs(dataDir: string): JobRow[] {
  const file = path.join(dataDir, 'ledger.sqlite')
  if (!fs.existsSync(file)) return []
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return db.prepare('SELECT id, state, owner, sha256 FROM jobs').all() as JobRow[]
  } catch {
    return [] // not migrated yet
  } finally {
    db.close()
  }
}

/** Child processes of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(+name)
    } catch {
      // gone meanwhile
    }
  }
  return out
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    const state = /State:\s+(\w)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return state !== 'Z'
  } catch {
    return false
  }
}

async function stopWhenBusy(
  args: string[],
  busy: () => boolean,
): Promise<{ result: CliResult; stopMs: number; renderers: number[] }> {
  const { child, done } = startCli(args)
  let exited = false
  void done.then(() => (exited = true))
  await waitFor('the file to be in the works', () => busy() || exited)
  expect(exited).toBe(false)
  // Well inside the decode or the drawing by now.
  await new Promise((r) => setTimeout(r, 1000))
  const renderers = childrenOf(child.pid!)
  const t0 = Date.now()
  child.kill('SIGTERM')
  const result = await done
  return { result, stopMs: Date.now() - t0, renderers }
}

/** 48 MP of blocky noise: seconds of CPU to turn into WebP on any machine. */
async function bigPhoto(file: string): Promise<string> {
  const noise = await sharp({
    create: {
      width: 800,
      height: 600,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
    },
  })
    .png()
    .toBuffer()
  await sharp(noise).resize(8000, 6000, { kernel: 'nearest' }).jpeg({ quality: 92 }).toFile(file)
  return file
}

describe('stopping on SIGTERM while an image is being worked on', () => {
  it('a decode in libvips: exits within seconds, the claim is given back, resume finishes it', async () => {
    const src = await bigPhoto(path.join(work, 'big.jpg'))
    const dataDir = path.join(work, 'data-raster')
    const out = path.join(work, 'out-raster')
    const args = ['upload', src, '--to', `file://${out}`, '--data-dir', dataDir, '--json']
    // The hash is recorded once the bytes are read: the decode starts right after.
    const { result, stopMs } = await stopWhenBusy(args, () =>
      jobs(dataDir).some((j) => j.state === 'processing' && j.sha256 !== null),
    )
    console.log(`SIGTERM during a 48 MP decode: exited after ${stopMs} ms`)
    expect(stopMs).toBeLessThan(EXIT_BOUND_MS)
    expect(result.stderr).toContain('Stopping')
    expect(result.stderr).not.toMatch(/\n\s+at /)
    // The report was written before the process ended by the signal.
    const report = JSON.parse(result.stdout) as RunReport
    expect(report.jobs[0]!.error?.code).toBe('CANCELED')
    const [row] = jobs(dataDir)
    expect(row).toMatchObject({ state: 'queued', owner: null })

    const resumed = await runCliJson(['resume', '--data-dir', dataDir])
    expect(resumed.result.code).toBe(0)
    expect(resumed.report.jobs.map((j) => j.status)).toEqual(['done'])
    const full = resumed.report.jobs[0]!.outputs.find((o) => o.variant === 'full')!
    expect([full.width, full.height]).toEqual([8000, 6000])
    expect(fs.statSync(path.join(out, full.key)).size).toBe(full.bytes)
  })

  it('a drawing in the SVG renderer: exits within seconds and the renderer is gone', async () => {
    const src = path.join(work, 'morph.svg')
    fs.writeFileSync(src, morphologySvg())
    const dataDir = path.join(work, 'data-svg')
    const args = [
      'upload',
      src,
      '--to',
      `file://${path.join(work, 'out-svg')}`,
      '--data-dir',
      dataDir,
    ]
    let cli = 0
    const { result, stopMs, renderers } = await stopWhenBusy(args, () => {
      const row = jobs(dataDir)[0]
      if (row?.state !== 'processing' || !row.owner) return false
      cli = Number(row.owner.split('/')[1])
      return childrenOf(cli).length > 0
    })
    console.log(`SIGTERM during an SVG drawing: exited after ${stopMs} ms`)
    expect(stopMs).toBeLessThan(EXIT_BOUND_MS)
    expect(renderers.length).toBeGreaterThan(0)
    await waitFor('the renderer to be gone', () => renderers.every((pid) => !alive(pid)), 5_000)
    expect(result.stderr).toContain('Stopping')
    expect(jobs(dataDir)[0]).toMatchObject({ state: 'queued', owner: null })
  })
})

describe('cancelling one job while libvips works on it', () => {
  it('ends the job at once and frees its processing slot for the next file', async () => {
    const big = await bigPhoto(path.join(work, 'cancel-big.jpg'))
    const small = path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg')
    const engine = createEngine({ dataDir: path.join(work, 'data-cancel'), processConcurrency: 1 })
    try {
      const destination = { kind: 'local' as const, dir: path.join(work, 'out-cancel'), prefix: '' }
      const [bigId] = await engine.enqueue([big], { destination, preset: 'web' })
      const running = engine.run([bigId!])
      await waitFor(
        'the big photo to be decoding',
        () => engine.ledger.job(bigId!)!.sha256 !== null && imageWorkInFlight() > 0,
      )
      await new Promise((r) => setTimeout(r, 500))
      const t0 = Date.now()
      await engine.cancel(bigId!)
      const report = await running
      expect(Date.now() - t0).toBeLessThan(3000)
      expect(report.jobs[0]!.status).toBe('canceled')
      // The one processing slot is free while libvips still finishes the abandoned work.
      const [smallId] = await engine.enqueue([small], { destination, preset: 'web' })
      const second = await engine.run([smallId!])
      expect(second.jobs[0]!.status).toBe('done')
      expect(imageWorkInFlight()).toBeGreaterThan(0)
      // Nothing of the cancelled job was published, even once libvips is done with it.
      await waitFor('libvips to let go', () => imageWorkInFlight() === 0)
      expect(engine.ledger.outputs(bigId!)).toEqual([])
      expect(fs.readdirSync(path.join(work, 'out-cancel')).length).toBe(1)
    } finally {
      await engine.close()
    }
  })
})
