// Content-MD5 of multipart parts off the main thread: one worker thread hashes each part while
// the main thread drives the requests and the in-order SHA-256 of the source, so a big upload
// uses two cores (MD5 runs at ~640 MB/s here: 0.4 s of a 256 MiB upload). Part buffers live in
// SharedArrayBuffers: the worker reads them without a copy.
import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { digestOf, type BodyDigest } from './digest'

// Inline, so it works the same from the CLI bundle, Electron's main process and the tests.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const zlib = require('node:zlib')
parentPort.on('message', (m) => {
  try {
    if (m.op === 'part') {
      const buf = Buffer.from(m.sab, m.offset, m.length)
      const md5 = createHash('md5').update(buf).digest()
      let crc = null
      if (m.crc32) {
        const b = Buffer.alloc(4)
        b.writeUInt32BE(zlib.crc32(buf) >>> 0)
        crc = b.toString('base64')
      }
      parentPort.postMessage({ id: m.id, md5Hex: md5.toString('hex'), md5Base64: md5.toString('base64'), crc32Base64: crc })
    } else if (m.op === 'whole') {
      const buf = Buffer.from(m.ab, 0, m.length)
      const md5 = createHash('md5').update(buf).digest()
      const sha256 = createHash('sha256').update(buf).digest('hex')
      parentPort.postMessage({ id: m.id, md5Hex: md5.toString('hex'), md5Base64: md5.toString('base64'), sha256, ab: m.ab }, [m.ab])
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err && err.message || err) })
  }
})
`

interface Reply {
  id: number
  error?: string
  sha256?: string
  ab?: ArrayBuffer
  md5Hex?: string
  md5Base64?: string
  crc32Base64?: string | null
}

let worker: Worker | null = null
/** The thread has booted (takes ~35 ms); until then small files are hashed on the main thread. */
let workerOnline = false
let nextId = 1
const pending = new Map<number, { resolve(r: Reply): void; reject(e: Error): void }>()

function hashWorker(): Worker {
  if (worker) return worker
  const w = new Worker(WORKER_SOURCE, { eval: true })
  w.once('online', () => {
    if (worker === w) workerOnline = true
  })
  w.on('message', (r: Reply) => {
    const p = pending.get(r.id)
    if (!p) return
    pending.delete(r.id)
    if (r.error) p.reject(new Error(`hashing failed: ${r.error}`))
    else p.resolve(r)
  })
  const fail = (err: Error): void => {
    worker = null
    workerOnline = false
    for (const p of pending.values()) p.reject(err)
    pending.clear()
  }
  w.on('error', fail)
  w.on('exit', () => fail(new Error('the hashing thread stopped')))
  // After the listeners: adding a 'message' listener refs the worker again. Idle, it never
  // keeps the process alive; requests in flight ref it until their answers arrive.
  w.unref()
  worker = w
  return w
}

/**
 * Starts the hashing thread ahead of the first file: booting it takes ~35 ms, which the first
 * small files of a batch would otherwise all wait for.
 */
export function warmHashWorker(): void {
  try {
    hashWorker()
  } catch {
    // Hashing falls back to the main thread; nothing to do here.
  }
}

/** Resolves once the hashing thread has booted (tests and benchmarks wait for it). */
export function hashWorkerOnline(): Promise<void> {
  const w = hashWorker()
  if (workerOnline) return Promise.resolve()
  return new Promise((resolve) => w.once('online', () => resolve()))
}

function call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
  const id = nextId++
  const w = hashWorker()
  return new Promise<Reply>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    // A request in flight keeps the process alive until its answer arrives.
    if (pending.size === 1) w.ref()
    w.postMessage({ ...msg, id }, transfer)
  }).finally(() => {
    if (pending.size === 0) worker?.unref()
  })
}

// SharedArrayBuffers are not counted as memory pressure the way Buffers are: allocated per part,
// a 2 GiB upload held ~2 GB before the collector ran. Part buffers are reused instead, up to
// the bytes a destination may have in flight.
const POOL_MAX_BYTES = 32 * 1024 * 1024
const pool = new Map<number, Buffer[]>()
let pooledBytes = 0

/** A Buffer whose memory the hashing thread can read without a copy; give it back when done. */
export function sharedBuffer(length: number): Buffer {
  const reused = pool.get(length)?.pop()
  if (reused) {
    pooledBytes -= length
    return reused
  }
  return Buffer.from(new SharedArrayBuffer(length))
}

/** A part's buffer, once nothing (request, hashing thread) can read it any more. */
export function giveBack(buf: Buffer): void {
  if (!(buf.buffer instanceof SharedArrayBuffer) || buf.byteOffset !== 0) return
  if (buf.byteLength !== buf.buffer.byteLength) return
  if (pooledBytes + buf.length > POOL_MAX_BYTES) return
  const list = pool.get(buf.length) ?? []
  list.push(buf)
  pool.set(buf.length, list)
  pooledBytes += buf.length
}

function view(buf: Buffer): { sab: SharedArrayBuffer; offset: number; length: number } {
  if (!(buf.buffer instanceof SharedArrayBuffer))
    throw new Error('hash-worker: the buffer must come from sharedBuffer()')
  return { sab: buf.buffer, offset: buf.byteOffset, length: buf.length }
}

/** Content-MD5 (and CRC32) of a part, on the hashing thread. */
export async function partDigest(buf: Buffer, crc32: boolean): Promise<BodyDigest> {
  const r = await call({ op: 'part', ...view(buf), crc32 })
  return { md5Hex: r.md5Hex!, md5Base64: r.md5Base64!, crc32Base64: r.crc32Base64 ?? null }
}

/** SHA-256 and Content-MD5 of a whole small file, with the bytes they describe. */
export interface WholeDigest {
  sha256: string
  digest: BodyDigest
  bytes: Buffer
}

/**
 * Both hashes of a small file's bytes on the hashing thread, so a batch of small files leaves
 * the main thread free for requests and the ledger. `buf` must own its memory (from
 * Buffer.allocUnsafeSlow): it is moved to the thread and back, and only the returned `bytes`
 * may be used afterwards. Until the thread is up (or if it failed), the hashes are made here.
 */
export async function wholeDigest(buf: Buffer, length: number): Promise<WholeDigest> {
  const ab = buf.buffer
  if (!workerOnline)
    warmHashWorker() // this file here, later ones there
  else if (buf.byteOffset === 0 && ab instanceof ArrayBuffer && ab.byteLength === buf.length) {
    try {
      const r = await call({ op: 'whole', ab, length }, [ab])
      return {
        sha256: r.sha256!,
        digest: { md5Hex: r.md5Hex!, md5Base64: r.md5Base64!, crc32Base64: null },
        bytes: Buffer.from(r.ab!, 0, length),
      }
    } catch {
      if (ab.byteLength === 0) throw new Error('the hashing thread kept the bytes it was sent')
    }
  }
  const bytes = buf.subarray(0, length)
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    digest: digestOf(bytes, false),
    bytes,
  }
}
