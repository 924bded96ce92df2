// Issue 17, in the pipeline itself: files crafted to cost minutes and gigabytes are refused from
// their headers (with their own code and one sentence), SVGs are drawn at a capped size in a
// renderer process that is killed at its limits or on cancel, every sharp pipeline has a time
// limit, and the memory budget admits images by their weight.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UpshotError, type ErrorCode } from '../../src/shared/jobs'
import { makeOutputs, snapshotSource } from '../../src/engine/pipeline'
import { busySvgRenderers } from '../../src/engine/pipeline/svg-render'
import { getPreset, WEB_PRESET } from '../../src/engine/presets'
import type { Preset, StagedOutput } from '../../src/engine/types'
import { PixelBudget } from '../../src/engine/queue/pixel-budget'
import {
  animationBombGif,
  blurCanvasSvg,
  deepSvg,
  embeddedBombSvg,
  jpegClaiming,
  manyPageTiff,
  morphologySvg,
  useBombSvg,
  webpClaiming,
  zeroPng,
} from '../helpers/bombs'
import { CORPUS } from '../helpers/fixtures'

const LIMIT = 268_402_689
let work: string
let n = 0

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-hostile-unit-'))
})
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

function file(name: string, bytes: Buffer | string): string {
  const f = path.join(work, `${++n}-${name}`)
  fs.writeFileSync(f, bytes)
  return f
}

async function run(
  src: string,
  opts: {
    preset?: Preset
    signal?: AbortSignal
    timeLimitSeconds?: number
    svgLimits?: { cpuSeconds?: number; wallSeconds?: number; memoryBytes?: number }
    admit?: (bytes: number) => Promise<() => void>
  } = {},
): Promise<StagedOutput[]> {
  const dir = path.join(work, `job-${++n}`)
  fs.mkdirSync(dir)
  const snap = await snapshotSource(src, { maxFileBytes: 1024 ** 3 })
  return makeOutputs(snap, {
    displayName: path.basename(src),
    preset: opts.preset ?? WEB_PRESET,
    stagingDir: dir,
    limitInputPixels: LIMIT,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeLimitSeconds ? { timeLimitSeconds: opts.timeLimitSeconds } : {}),
    ...(opts.svgLimits ? { svgLimits: opts.svgLimits } : {}),
    ...(opts.admit ? { admit: opts.admit } : {}),
  })
}

async function failure(p: Promise<unknown>, code: ErrorCode): Promise<UpshotError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UpshotError)
  expect((err as UpshotError).code).toBe(code)
  const message = (err as UpshotError).message
  expect(message).toMatch(/^[A-Z][^\n]*[.]$/)
  expect(message).not.toMatch(/vips|glib|\n|at .*\(/i)
  return err as UpshotError
}

/** The pid of the renderer process once one is drawing. */
async function renderer(): Promise<number> {
  for (let i = 0; i < 800; i++) {
    const [pid] = busySvgRenderers()
    if (pid) return pid
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('no SVG renderer started')
}

/** Whether a process is gone (killed and reaped). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0)
    } catch {
      return true
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  return false
}

describe('refused from the header, before any pixel is decoded', () => {
  it('a 30 KB all-zero 16000x16000 PNG is a DECOMPRESSION_BOMB', async () => {
    const err = await failure(run(file('zeros.png', zeroPng())), 'DECOMPRESSION_BOMB')
    expect(err.message).toContain('16000x16000')
  })

  it('a lossless WebP claiming 16383x16383 from a few bytes is a DECOMPRESSION_BOMB', async () => {
    await failure(run(file('flat.webp', await webpClaiming(16_383, 16_383))), 'DECOMPRESSION_BOMB')
  })

  it('a JPEG claiming 65000x65000 is over the PIXEL_LIMIT', async () => {
    await failure(run(file('huge.jpg', await jpegClaiming(65_000, 65_000))), 'PIXEL_LIMIT')
  })

  it('animations over 1000 frames or 100 MP in all are ANIMATION_TOO_LARGE where WebP animates', async () => {
    const frames = file('frames.gif', animationBombGif(64, 64, 1500))
    expect((await failure(run(frames), 'ANIMATION_TOO_LARGE')).message).toContain('1500 frames')
    const canvas = file('canvas.gif', animationBombGif(2000, 2000, 30))
    expect((await failure(run(canvas), 'ANIMATION_TOO_LARGE')).message).toContain('2000x2000')
    // A preset without animated outputs reads the first frame only: a still of 4 MP.
    const still = await run(canvas, { preset: getPreset('jpeg') })
    const full = still.find((o) => o.variant === 'full')!
    expect([full.width, full.height]).toEqual([2000, 2000])
  })

  it('a TIFF of 2000 pages costs its first page', async () => {
    const outs = await run(file('pages.tiff', manyPageTiff(2000)))
    expect(outs.find((o) => o.variant === 'full')).toMatchObject({ width: 8, height: 8 })
  })
})

describe('SVG is drawn at a capped size, in a process that is killed at its limits', () => {
  it('a 16000x16000 canvas with a blur is drawn 2048 px wide, not at its nominal size', async () => {
    const outs = await run(file('blur.svg', blurCanvasSvg()))
    const full = outs.find((o) => o.variant === 'full')!
    expect([full.width, full.height]).toEqual([2048, 2048])
    const { data } = await sharp(full.path).raw().toBuffer({ resolveWithObject: true })
    // Drawn for real: the yellow disc is in the middle.
    const mid = (1024 * 2048 + 1024) * 4
    expect([data[mid], data[mid + 1], data[mid + 2]]).toEqual([255, 204, 0])
  })

  it('a filter past the CPU limit fails with IMAGE_TOO_SLOW and its renderer is killed', async () => {
    const src = file('morph.svg', morphologySvg())
    const outcome = run(src, { svgLimits: { cpuSeconds: 1 } })
    const pid = await renderer()
    const err = await failure(outcome, 'IMAGE_TOO_SLOW')
    expect(err.message).toContain('1 seconds of CPU')
    expect(await gone(pid)).toBe(true)
  })

  it('a cancel stops a drawing at once and kills its renderer', async () => {
    const src = file('morph.svg', morphologySvg())
    const ctl = new AbortController()
    const outcome = run(src, { signal: ctl.signal })
    const pid = await renderer()
    await new Promise((r) => setTimeout(r, 300))
    const stopped = Date.now()
    ctl.abort('cancel')
    await failure(outcome, 'CANCELED')
    // Minutes of work otherwise; a generous bound for a loaded machine.
    expect(Date.now() - stopped).toBeLessThan(2000)
    expect(await gone(pid)).toBe(true)
  })

  it('nesting, <use> bombs and embedded picture bombs fail with SVG_TOO_COMPLEX', async () => {
    await failure(run(file('deep.svg', deepSvg())), 'SVG_TOO_COMPLEX')
    await failure(run(file('uses.svg', useBombSvg())), 'SVG_TOO_COMPLEX')
    const err = await failure(run(file('embed.svg', embeddedBombSvg())), 'SVG_TOO_COMPLEX')
    expect(err.message).toContain('embedded pictures')
  })
})

describe('HEIC decoding', () => {
  it('runs off the main thread, which stays idle while libheif decodes', async () => {
    const heic = path.resolve(import.meta.dirname, '../fixtures/generated/plasma-3000x2000.heic')
    await run(path.join(CORPUS, 'exif-samples__heic_samplefilehub.heif')) // the decoder's first load
    const before = performance.eventLoopUtilization()
    const full = (await run(heic)).find((o) => o.variant === 'full')!
    expect([full.width, full.height]).toEqual([3000, 2000])
    const { utilization } = performance.eventLoopUtilization(before)
    console.log(`6 MP HEIC: event loop busy ${(utilization * 100).toFixed(0)}% of the time`)
    // On the main thread, the WASM decode kept the event loop busy for most of the run.
    expect(utilization).toBeLessThan(0.25)
  })
})

describe('time limits and the memory budget', () => {
  let heavy: string
  beforeAll(async () => {
    // 36 MP of blocky noise: cheap to make, seconds of CPU to encode anywhere.
    heavy = path.join(work, 'noise.jpg')
    const noise = await sharp({
      create: {
        width: 1000,
        height: 1000,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 50 },
      },
    })
      .png()
      .toBuffer()
    await sharp(noise).resize(6000, 6000, { kernel: 'nearest' }).jpeg({ quality: 90 }).toFile(heavy)
  }, 120_000)

  it('a decode + encode past its time limit fails with IMAGE_TOO_SLOW', async () => {
    // 36 MP of noise to WebP takes seconds of CPU anywhere; the limit here is one.
    const err = await failure(run(heavy, { timeLimitSeconds: 1 }), 'IMAGE_TOO_SLOW')
    expect(err.message).toContain('1-second limit')
  })

  it('an AVIF encode, which libvips never times, still fails at its limit; its memory stays held', async () => {
    // libaom reports no progress, so sharp's own timeout cannot stop it: 36 MP takes 7 s here.
    // The limit is 2 s so that the decode before it (a second on a loaded machine) stays inside.
    const budget = new PixelBudget(1024 ** 3)
    let released = false
    const started = performance.now()
    const err = await failure(
      run(heavy, {
        preset: getPreset('web-avif'),
        timeLimitSeconds: 2,
        admit: async (bytes) => {
          const release = await budget.acquire(bytes)
          return () => {
            released = true
            release()
          }
        },
      }),
      'IMAGE_TOO_SLOW',
    )
    const failedAfter = performance.now() - started
    expect(err.message).toContain('2-second limit')
    expect(released).toBe(false)
    expect(budget.inUse).toBeGreaterThan(0)
    for (let i = 0; i < 2400 && !released; i++) await new Promise((r) => setTimeout(r, 25))
    expect(released).toBe(true)
    expect(budget.inUse).toBe(0)
    // The libvips work ran on past the failure: the deadline answered, not the encoder.
    expect(performance.now() - started).toBeGreaterThan(failedAfter)
  })

  it('admits an image by its weight before decoding, and gives it back when libvips is done', async () => {
    const budget = new PixelBudget(1024 ** 3)
    const asked: number[] = []
    let heldAtEnd = -1
    const outs = await run(heavy, {
      admit: async (bytes) => {
        asked.push(bytes)
        const release = await budget.acquire(bytes)
        return () => {
          heldAtEnd = budget.inUse
          release()
        }
      },
    })
    expect(outs).toHaveLength(4)
    // 36 MP: its file plus 12 bytes a pixel.
    expect(asked).toEqual([fs.statSync(heavy).size + 36_000_000 * 12])
    expect(heldAtEnd).toBe(asked[0])
    expect(budget.inUse).toBe(0)
  })

  it('a cancel answers at once, and the memory stays reserved until libvips lets go', async () => {
    const budget = new PixelBudget(1024 ** 3)
    const ctl = new AbortController()
    let released = false
    const outcome = run(heavy, {
      signal: ctl.signal,
      admit: async (bytes) => {
        const release = await budget.acquire(bytes)
        setTimeout(() => ctl.abort('cancel'), 200)
        return () => {
          released = true
          release()
        }
      },
    })
    await failure(outcome, 'CANCELED')
    expect(released).toBe(false)
    expect(budget.inUse).toBeGreaterThan(0)
    for (let i = 0; i < 2400 && !released; i++) await new Promise((r) => setTimeout(r, 25))
    expect(released).toBe(true)
    expect(budget.inUse).toBe(0)
  })
})

describe('PixelBudget', () => {
  it('admits by weight, in order, and lets an image heavier than the budget run alone', async () => {
    const b = new PixelBudget(100)
    const a = await b.acquire(60)
    const order: string[] = []
    const big = b.acquire(500).then((r) => (order.push('big'), r))
    // Fits next to `a`, but waits behind `big`: a stream of small images cannot starve it.
    const small = b.acquire(10).then((r) => (order.push('small'), r))
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual([])
    a()
    const releaseBig = await big
    expect(b.inUse).toBe(100)
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual(['big'])
    releaseBig()
    ;(await small)()
    expect(order).toEqual(['big', 'small'])
    expect(b.inUse).toBe(0)
  })

  it('a cancelled waiter leaves the line with CANCELED and lets the next one in', async () => {
    const b = new PixelBudget(100)
    const a = await b.acquire(80)
    const ctl = new AbortController()
    const waiting = b.acquire(50, ctl.signal)
    const after = b.acquire(20)
    ctl.abort()
    await failure(waiting, 'CANCELED')
    ;(await after)()
    a()
    expect(b.inUse).toBe(0)
  })
})
