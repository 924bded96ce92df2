// Reads the source once: every byte that is hashed is the byte that is decoded (images, held in
// memory). Other files are hashed, not copied: they are uploaded straight from the source, and
// the upload hashes the bytes it sends again and refuses them (SOURCE_CHANGED) unless they match
// this hash, size and mtime. So what is uploaded always matches the recorded hash even if the
// user edits the file a second later. The source itself is only ever opened read-only.

import { createHash } from 'node:crypto'
import fs from 'node:fs'
import fsp, { type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { UpshotError } from '../../shared/jobs'
import type { SourceSnapshot } from '../types'
import { sourceError, throwIfAborted } from './errors'
import { SNIFF_BYTES, sniffBytes } from './sniff'
import { wholeDigest } from '../storage/hash-worker'

export interface SnapshotOptions {
  /** The job's staging folder (unused since non-images are no longer copied; kept for callers). */
  stagingDir?: string
  maxFileBytes: number
  signal?: AbortSignal
  /** Awaited once the file is known to be an image, before its bytes are read into memory. */
  beforeImageRead?: () => Promise<void>
}

/**
 * Images bigger than this are not held in memory (a Buffer of GiBs would exhaust the process);
 * real photos are far smaller, and such files would fail the pixel limit when decoded anyway.
 */
export const MAX_IMAGE_BYTES = 1024 ** 3

const READ_CHUNK = 1024 * 1024
/**
 * Files up to this size are read with one call (and one more byte, to see growth) and, when not
 * images, kept in memory for their upload: a batch of small files costs one read each, not two.
 */
export const SMALL_FILE_BYTES = 1024 * 1024
// O_NONBLOCK: if a FIFO is swapped in between stat and open, open must not hang forever.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0)

function changed(): UpshotError {
  return new UpshotError(
    'SOURCE_CHANGED',
    'The file changed while it was being read; wait until it is saved completely and try again.',
    { retryable: true },
  )
}

function sameFile(a: fs.Stats, b: fs.Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs
}

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let filled = 0
  while (filled < buf.length) {
    const { bytesRead } = await fh.read(buf, filled, buf.length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled
}

export async function snapshotSource(
  filePath: string,
  opts: SnapshotOptions,
): Promise<SourceSnapshot> {
  throwIfAborted(opts.signal)
  const t0 = performance.now()
  let before: fs.Stats
  try {
    before = localReads.sync ? fs.statSync(filePath) : await fsp.stat(filePath)
  } catch (err) {
    throw sourceError(err)
  }
  if (!before.isFile())
    throw new UpshotError(
      'NOT_A_FILE',
      before.isDirectory()
        ? 'This path is a folder, not a file; add the folder itself to upload what is inside.'
        : 'This path is not a regular file (a device, socket or pipe); only files can be uploaded.',
    )
  if (before.size === 0)
    throw new UpshotError('EMPTY_FILE', 'The file is empty (0 bytes); there is nothing to upload.')
  if (before.size > opts.maxFileBytes)
    throw new UpshotError(
      'FILE_TOO_LARGE',
      `The file is ${before.size} bytes, more than the ${opts.maxFileBytes}-byte limit; raise the limit or skip it.`,
    )

  if (before.size <= SMALL_FILE_BYTES) return snapshotSmall(filePath, before, opts, t0)

  let fh: FileHandle
  try {
    fh = await fsp.open(filePath, OPEN_FLAGS)
  } catch (err) {
    throw sourceError(err)
  }
  try {
    const opened = await fh.stat()
    if (!opened.isFile() || !sameFile(before, opened)) throw changed()

    const head = Buffer.allocUnsafe(Math.min(SNIFF_BYTES, before.size))
    if ((await readFully(fh, head, 0)) !== head.length) throw changed()
    const type = sniffBytes(head, path.basename(filePath))

    let snapshot: SourceSnapshot
    if (type.kind === 'image') {
      if (before.size > MAX_IMAGE_BYTES)
        throw new UpshotError(
          'FILE_TOO_LARGE',
          `This image file is over ${MAX_IMAGE_BYTES / 1024 ** 3} GiB, too large to make web variants from; export a smaller version.`,
        )
      await opts.beforeImageRead?.()
      const buffer = await readImage(fh, head, before.size, opts.signal)
      snapshot = {
        path: filePath,
        size: before.size,
        mtimeMs: before.mtimeMs,
        sha256: createHash('sha256').update(buffer).digest('hex'),
        type,
        buffer,
        stagedPath: null,
      }
    } else {
      snapshot = {
        path: filePath,
        size: before.size,
        mtimeMs: before.mtimeMs,
        sha256: await hashRest(fh, head, before.size, opts.signal),
        type,
        buffer: null,
        stagedPath: null,
      }
    }
    const after = await fh.stat()
    if (!sameFile(before, after)) throw changed()
    return snapshot
  } catch (err) {
    throw sourceError(err)
  } finally {
    await fh.close().catch(() => undefined)
  }
}

/**
 * Small files are read with synchronous calls while those are fast: on a local disk the five
 * calls (stat, open, read, fstat, close) take tens of microseconds, and the thread-pool round
 * trips of asynchronous ones cost several times that in a batch of hundreds of small files. One
 * snapshot slower than SLOW_SMALL_READ_MS (a network share, a spun-down disk) switches this
 * process to asynchronous reads for a while, so the event loop is not held up again. The sync
 * re-scan of a folder makes the same choice for its stats (sync/scan.ts).
 */
const SLOW_SMALL_READ_MS = 2
const ASYNC_FOR_MS = 60_000
const localReads = { sync: true, asyncUntil: 0 }

/** Whether small files are read synchronously now (exported for tests). */
export function smallReadsAreSync(): boolean {
  return localReads.sync
}

/** Records how long a small file's synchronous read took (exported for tests). */
export function noteReadTime(ms: number, now = Date.now()): void {
  if (ms > SLOW_SMALL_READ_MS) {
    localReads.sync = false
    localReads.asyncUntil = now + ASYNC_FOR_MS
  } else if (!localReads.sync && now > localReads.asyncUntil) {
    localReads.sync = true
  }
}

/**
 * The whole of a small file in one read (a byte past its size means it grew while we looked),
 * with plain fd calls rather than a FileHandle; one fstat after the read proves the bytes came
 * from the regular file that was stat'ed, unchanged (a swap between the stat and the open shows
 * there too).
 */
async function snapshotSmall(
  filePath: string,
  before: fs.Stats,
  opts: SnapshotOptions,
  startedAt: number,
): Promise<SourceSnapshot> {
  // Its own memory (not the shared pool), so it can be moved to the hashing thread and back.
  const all = Buffer.allocUnsafeSlow(before.size + 1)
  const sync = localReads.sync
  let fd: number
  try {
    fd = sync ? fs.openSync(filePath, OPEN_FLAGS) : await openFd(filePath)
  } catch (err) {
    throw sourceError(err)
  }
  try {
    let filled = 0
    for (;;) {
      const n = sync
        ? fs.readSync(fd, all, filled, all.length - filled, filled)
        : await readFd(fd, all, filled)
      if (n === 0) break
      filled += n
      if (filled === all.length) break
    }
    const after = sync ? fs.fstatSync(fd) : await fstatFd(fd)
    if (filled !== before.size || !after.isFile() || !sameFile(before, after)) throw changed()
  } catch (err) {
    throw sourceError(err)
  } finally {
    if (sync) fs.closeSync(fd)
    else fs.close(fd, () => undefined)
  }
  // Time spent waiting in the thread pool says nothing about the disk: only sync reads count
  // towards going async; an async read that turns out fast lets a later one try sync again.
  noteReadTime(sync ? performance.now() - startedAt : 0)
  const type = sniffBytes(
    all.subarray(0, Math.min(SNIFF_BYTES, before.size)),
    path.basename(filePath),
  )
  if (type.kind === 'image') await opts.beforeImageRead?.()
  throwIfAborted(opts.signal)
  const whole = await wholeDigest(all, before.size)
  return {
    path: filePath,
    size: before.size,
    mtimeMs: before.mtimeMs,
    sha256: whole.sha256,
    type,
    buffer: type.kind === 'image' ? whole.bytes : null,
    bytes: type.kind === 'image' ? null : whole.bytes,
    bytesDigest: type.kind === 'image' ? null : whole.digest,
    stagedPath: null,
  }
}

function openFd(filePath: string): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.open(filePath, OPEN_FLAGS, (err, fd) => (err ? reject(err) : resolve(fd))),
  )
}

function readFd(fd: number, buf: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buf, offset, buf.length - offset, offset, (err, n) =>
      err ? reject(err) : resolve(n),
    ),
  )
}

function fstatFd(fd: number): Promise<fs.Stats> {
  return new Promise((resolve, reject) =>
    fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))),
  )
}

async function readImage(
  fh: FileHandle,
  head: Buffer,
  size: number,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size)
  head.copy(buffer, 0)
  let pos = head.length
  while (pos < size) {
    throwIfAborted(signal)
    const { bytesRead } = await fh.read(buffer, pos, Math.min(READ_CHUNK, size - pos), pos)
    if (bytesRead === 0) throw changed() // shrank while we read
    pos += bytesRead
  }
  // One more byte means it grew: the bytes we hold are not the file any more.
  const probe = Buffer.allocUnsafe(1)
  if ((await fh.read(probe, 0, 1, size)).bytesRead !== 0) throw changed()
  return buffer
}

/** SHA-256 of the whole file, reading to EOF so a file that grows is noticed. */
async function hashRest(
  fh: FileHandle,
  head: Buffer,
  size: number,
  signal: AbortSignal | undefined,
): Promise<string> {
  const hash = createHash('sha256').update(head)
  // One byte more than the rest, so a file that grew shows up in the same read; a small file
  // does not allocate a whole chunk (hundreds of them at once keep the collector busy).
  const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - head.length + 1))
  let pos = head.length
  for (;;) {
    throwIfAborted(signal)
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
    if (bytesRead === 0) break
    hash.update(buf.subarray(0, bytesRead))
    pos += bytesRead
    if (pos > size) throw changed()
  }
  if (pos !== size) throw changed()
  return hash.digest('hex')
}
