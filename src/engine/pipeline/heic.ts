// HEVC-coded HEIF (iPhone photos): sharp's prebuilt libvips ships libheif without an HEVC
// decoder (patents), so those pictures go through libheif compiled to WASM instead. libheif
// applies the container's rotation and mirroring (irot/imir) itself, so the pixels it returns
// are already upright; HEIF readers must ignore any EXIF orientation on top of that.
//
// The WASM decoder runs synchronously for seconds on a large picture (half a second for a
// 640x426 sample here), so it runs in a worker thread: the main thread keeps renewing leases and
// answering signals, and a cancel or the time limit terminates the worker mid-decode. WASM
// memory never shrinks, so a worker that decoded a large picture is not kept; an idle one is
// dropped after a while. The worker's stdout is its own: libheif-js reports damaged files with
// console.log, which must not reach `upshot --json`'s stdout.

import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { UpshotError } from '../../shared/jobs'
import { canceled, decodeError } from './errors'

export interface RawImage {
  data: Buffer
  width: number
  height: number
  channels: 4
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const decode = require(workerData.path)
parentPort.on('message', async ({ id, bytes }) => {
  try {
    const img = await decode({ buffer: new Uint8Array(bytes) })
    parentPort.postMessage({ id, width: img.width, height: img.height, data: img.data }, [img.data.buffer])
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) })
  }
})
`

/** A worker that decoded more pixels than this is not reused (its WASM memory stays grown). */
const REUSE_MAX_PIXELS = 24_000_000
const IDLE_MS = 20_000

interface Reply {
  id: number
  error?: string
  width?: number
  height?: number
  data?: Uint8ClampedArray
}

let idle: { worker: Worker; timer: NodeJS.Timeout } | null = null
let nextId = 1

/** The HEIC decoder's entry file, which the worker thread loads (a package ships it unbundled). */
export function heicDecoderPath(): string {
  return createRequire(import.meta.url).resolve('heic-decode')
}

function startWorker(): Worker {
  const path = heicDecoderPath()
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { path }, stdout: true })
  w.stdout.resume() // libheif's messages: dropped
  w.on('error', () => undefined) // reported to the decode waiting on it, through 'exit'
  return w
}

function takeWorker(): Worker {
  if (idle) {
    clearTimeout(idle.timer)
    const w = idle.worker
    idle = null
    w.ref()
    return w
  }
  return startWorker()
}

function giveBack(w: Worker, pixels: number): void {
  if (idle || pixels > REUSE_MAX_PIXELS) {
    void w.terminate()
    return
  }
  w.unref()
  const timer = setTimeout(() => {
    if (idle?.worker === w) idle = null
    void w.terminate()
  }, IDLE_MS)
  timer.unref()
  idle = { worker: w, timer }
}

/**
 * Decodes the primary picture to RGBA in a worker thread; CANCELED when `signal` aborts,
 * IMAGE_TOO_SLOW past `seconds`.
 */
export function decodeHeic(
  buffer: Buffer,
  opts: { signal?: AbortSignal; seconds?: number } = {},
): Promise<RawImage> {
  const { signal, seconds } = opts
  if (signal?.aborted) return Promise.reject(canceled())
  const w = takeWorker()
  const id = nextId++
  return new Promise<RawImage>((resolve, reject) => {
    let settled = false
    const finish = (result: RawImage | UpshotError): void => {
      if (settled) return
      settled = true
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      w.off('message', onMessage)
      w.off('exit', onExit)
      if (result instanceof UpshotError) {
        void w.terminate()
        reject(result)
      } else {
        giveBack(w, result.width * result.height)
        resolve(result)
      }
    }
    const onAbort = (): void => finish(canceled())
    const onExit = (code: number): void =>
      finish(decodeError(new Error(`the HEIF decoder stopped (exit code ${code})`), 'HEIC'))
    const onMessage = (m: Reply): void => {
      if (m.id !== id) return
      if (m.error !== undefined) return finish(decodeError(new Error(m.error), 'HEIC'))
      const u8 = m.data!
      const data = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
      if (data.length !== m.width! * m.height! * 4)
        return finish(decodeError(new Error('short HEIF picture'), 'HEIC'))
      finish({ data, width: m.width!, height: m.height!, channels: 4 })
    }
    const timer = seconds
      ? setTimeout(
          () =>
            finish(
              new UpshotError(
                'IMAGE_TOO_SLOW',
                `Decoding this HEIC image ran past its ${seconds}-second limit; export it as JPEG or a smaller HEIC.`,
              ),
            ),
          seconds * 1000,
        )
      : null
    signal?.addEventListener('abort', onAbort, { once: true })
    w.on('message', onMessage)
    w.once('exit', onExit)
    // One copy, handed over: the snapshot keeps its own bytes.
    const bytes = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)
    w.postMessage({ id, bytes }, [bytes as ArrayBuffer])
  })
}
