// SVGs are drawn by librsvg in a child process. librsvg cannot be interrupted: sharp's timeout is
// checked between tiles, and one tile of a crafted filter (feMorphology with a big radius) runs
// for minutes; neither process.exit nor a worker thread stops it. A process can be killed. The
// child draws one SVG at a time and reports its CPU time and memory every 50 ms; it is killed
// past its limits, when its job is cancelled, and when it has been idle for a while, and it
// kills itself if its parent goes away.

import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { UpshotError } from '../../shared/jobs'
import { canceled, decodeError } from './errors'
import { svgRendererBytes } from './limits'

export interface SvgRenderLimits {
  /** CPU time of the child (all its threads) for one drawing. */
  cpuSeconds: number
  /** Wall clock, for a machine too busy to give the child its CPU time. */
  wallSeconds: number
  /** Resident memory of the child. */
  memoryBytes: number
}

/**
 * A 2048 px drawing of an ordinary illustration takes well under a second of CPU; a full-canvas
 * feTurbulence of 8 octaves about 10 s. Past these limits an SVG is not worth drawing. The memory
 * limit follows the raster's size (limits.ts, svgRendererBytes).
 */
export const SVG_CPU_SECONDS = 10
export const SVG_WALL_SECONDS = 60

export interface SvgTarget {
  /** The raster's longest side, whatever the SVG's nominal size. */
  longestSide: number
  /** Hard cap on the raster's pixels (for very long, thin drawings). */
  maxPixels: number
}

export interface SvgRaster {
  /** RGBA, 8 bits per channel, sRGB. */
  data: Buffer
  width: number
  height: number
}

// Plain CommonJS run with `node -e`: nothing to bundle or ship beside the engine. sharp's path
// comes in the environment. The raster is scaled through the density (librsvg draws vectors at
// any size), so the drawing is never made at the nominal size and shrunk afterwards.
const CHILD_SOURCE = `
const sharp = require(process.env.UPSHOT_SHARP_PATH)
sharp.cache(false)
let job = null
const send = (m) => { try { process.send(m) } catch {} }
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'))
setInterval(() => {
  if (!job || job.reported) return
  const u = process.cpuUsage(job.cpu0)
  const cpu = (u.user + u.system) / 1e6
  const rss = process.memoryUsage.rss()
  if (cpu > job.limits.cpuSeconds) { job.reported = true; send({ id: job.id, over: 'cpu' }) }
  else if (rss > job.limits.memoryBytes) { job.reported = true; send({ id: job.id, over: 'memory' }) }
}, 50)
process.on('message', async (m) => {
  job = { id: m.id, limits: m.limits, cpu0: process.cpuUsage(), reported: false }
  try {
    const input = Buffer.from(m.svg, 'utf8')
    const meta = await sharp(input, { limitInputPixels: false }).metadata()
    const w = meta.width, h = meta.height
    if (!w || !h) throw new Error('no dimensions')
    const scale = Math.min(m.target.longestSide / Math.max(w, h), Math.sqrt(m.target.maxPixels / (w * h)))
    const density = 72 * scale
    if (density < 1) { send({ id: m.id, ok: false, tooBig: [w, h] }); return }
    const out = await sharp(input, { density: Math.min(100000, density), limitInputPixels: Math.ceil(m.target.maxPixels * 1.01) + 4096, failOn: 'error' })
      .toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true })
    send({ id: m.id, ok: true, data: out.data, width: out.info.width, height: out.info.height })
  } catch (err) {
    send({ id: m.id, ok: false, message: String(err && err.message || err) })
  } finally {
    job = null
  }
})
`

interface Reply {
  id: number
  ok?: boolean
  over?: 'cpu' | 'memory'
  tooBig?: [number, number]
  message?: string
  data?: Uint8Array
  width?: number
  height?: number
}

/** Idle children are kept this long for the next SVG (starting one costs ~0.2 s of CPU). */
const IDLE_MS = 20_000
const MAX_IDLE = 2

interface Renderer {
  child: ChildProcess
  idleTimer: NodeJS.Timeout | null
}

const idle: Renderer[] = []
const busy = new Set<Renderer>()
let nextId = 1

function sharpPath(): string {
  return createRequire(import.meta.url).resolve('sharp')
}

function start(): Renderer {
  const child = spawn(process.execPath, ['-e', CHILD_SOURCE], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    serialization: 'advanced',
    // Electron's binary acts as plain Node with this; Node ignores it.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', UPSHOT_SHARP_PATH: sharpPath() },
    windowsHide: true,
  })
  // A failed spawn is reported to the drawing waiting on it; never as an unhandled event.
  child.on('error', () => undefined)
  return { child, idleTimer: null }
}

function setRef(r: Renderer, on: boolean): void {
  // An idle child must not keep the process alive; a busy one is awaited anyway.
  const channel = r.child.channel as { ref(): void; unref(): void } | null | undefined
  if (on) {
    r.child.ref()
    channel?.ref()
  } else {
    r.child.unref()
    channel?.unref()
  }
}

function exited(r: Renderer): boolean {
  return r.child.exitCode !== null || r.child.signalCode !== null
}

function take(): Renderer {
  let r = idle.pop()
  // One killed from outside while idle is dropped here.
  while (r && exited(r)) {
    if (r.idleTimer) clearTimeout(r.idleTimer)
    r = idle.pop()
  }
  r ??= start()
  if (r.idleTimer) clearTimeout(r.idleTimer)
  r.idleTimer = null
  setRef(r, true)
  busy.add(r)
  return r
}

function giveBack(r: Renderer): void {
  busy.delete(r)
  if (exited(r) || idle.length >= MAX_IDLE) {
    kill(r)
    return
  }
  setRef(r, false)
  r.idleTimer = setTimeout(() => {
    const i = idle.indexOf(r)
    if (i >= 0) idle.splice(i, 1)
    kill(r)
  }, IDLE_MS)
  r.idleTimer.unref()
  idle.push(r)
}

/** A drawing in progress on `r` learns of it from the child's exit. */
function kill(r: Renderer): void {
  busy.delete(r)
  if (r.idleTimer) clearTimeout(r.idleTimer)
  if (!exited(r)) r.child.kill('SIGKILL')
}

/** Process ids of the renderers drawing now. */
export function busySvgRenderers(): number[] {
  return [...busy].flatMap((r) => (r.child.pid ? [r.child.pid] : []))
}

/** Kills every renderer at once (a stopping process). */
export function stopSvgRenderers(): void {
  for (const r of [...busy, ...idle]) kill(r)
  idle.length = 0
}

function slowSvg(limits: SvgRenderLimits, wall: boolean): UpshotError {
  return new UpshotError(
    'IMAGE_TOO_SLOW',
    wall
      ? `Drawing this SVG ran past its ${limits.wallSeconds}-second limit; simplify it (fewer filters or shapes) or export it as PNG.`
      : `Drawing this SVG took more than ${limits.cpuSeconds} seconds of CPU time (heavy filters or too many shapes); simplify it or export it as PNG.`,
  )
}

/** Draws sanitised SVG text (see svg.ts) to RGBA pixels in a child process, within limits. */
export function renderSvg(
  svg: string,
  target: SvgTarget,
  opts: { signal?: AbortSignal; limits?: Partial<SvgRenderLimits> } = {},
): Promise<SvgRaster> {
  const limits: SvgRenderLimits = {
    cpuSeconds: SVG_CPU_SECONDS,
    wallSeconds: SVG_WALL_SECONDS,
    memoryBytes: svgRendererBytes(Math.min(target.maxPixels, target.longestSide ** 2)),
    ...opts.limits,
  }
  const signal = opts.signal
  if (signal?.aborted) return Promise.reject(canceled())
  const r = take()
  const id = nextId++
  return new Promise<SvgRaster>((resolve, reject) => {
    let settled = false
    // `keep`: the child answered and is fine for the next drawing.
    const finish = (keep: boolean, err?: UpshotError, value?: SvgRaster): void => {
      if (settled) return
      settled = true
      clearTimeout(wallTimer)
      signal?.removeEventListener('abort', onAbort)
      r.child.off('message', onMessage)
      r.child.off('exit', onExit)
      r.child.off('error', onError)
      if (keep) giveBack(r)
      else kill(r)
      if (err) reject(err)
      else resolve(value!)
    }
    const onAbort = (): void => finish(false, canceled())
    const onExit = (code: number | null, sig: NodeJS.Signals | null): void =>
      finish(
        false,
        new UpshotError(
          'SVG_TOO_COMPLEX',
          `The SVG renderer stopped while drawing this SVG (${sig ?? `exit code ${code}`}); simplify it or export it as PNG.`,
        ),
      )
    const onError = (err: Error): void =>
      finish(
        false,
        new UpshotError(
          'INTERNAL',
          `Upshot could not start its SVG renderer (${err.message}); try again.`,
          { cause: err, retryable: true },
        ),
      )
    const onMessage = (m: Reply): void => {
      if (m.id !== id) return
      if (m.over === 'cpu') return finish(false, slowSvg(limits, false))
      if (m.over === 'memory')
        return finish(
          false,
          new UpshotError(
            'SVG_TOO_COMPLEX',
            `Drawing this SVG needed more than ${Math.round(limits.memoryBytes / 1024 ** 2)} MB of memory; simplify it or export it as PNG.`,
          ),
        )
      if (m.tooBig)
        return finish(
          true,
          new UpshotError(
            'PIXEL_LIMIT',
            `This SVG declares a ${m.tooBig[0]}x${m.tooBig[1]} canvas, too large to draw even scaled down; give it a smaller width and height.`,
          ),
        )
      if (!m.ok) return finish(true, decodeError(new Error(m.message ?? 'unknown'), 'SVG'))
      const u8 = m.data!
      finish(true, undefined, {
        data: Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength),
        width: m.width!,
        height: m.height!,
      })
    }
    const wallTimer = setTimeout(
      () => finish(false, slowSvg(limits, true)),
      limits.wallSeconds * 1000,
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    r.child.on('message', onMessage)
    r.child.once('exit', onExit)
    r.child.once('error', onError)
    try {
      r.child.send({ id, svg, target, limits }, (err) => {
        if (err) onError(err)
      })
    } catch (err) {
      onError(err as Error)
    }
  })
}
