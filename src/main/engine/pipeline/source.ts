// Reads the source once: every byte that is hashed is the byte that is decoded (images, held in
// memory) or staged (other files, copied), so what is uploaded always matches the recorded hash
// even if the user edits the file a second later. The source itself is only ever opened read-only.

import { createHash, type Hash } from 'node:crypto'
import fs from 'node:fs'
import fsp, { type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { UpshotError } from '../../../shared/jobs'
import type { SourceSnapshot } from '../types'
import { canceled, sourceError, stagingError, throwIfAborted } from './errors'
import { SNIFF_BYTES, sniffBytes } from './sniff'
import { syncAndRename } from './stage'

export interface SnapshotOptions {
  /** Non-images are copied to `<stagingDir>/original`. */
  stagingDir: string
  maxFileBytes: number
  signal?: AbortSignal
}

/**
 * Images bigger than this are not held in memory (a Buffer of GiBs would exhaust the process);
 * real photos are far smaller, and such files would fail the pixel limit when decoded anyway.
 */
export const MAX_IMAGE_BYTES = 1024 ** 3

const READ_CHUNK = 1024 * 1024
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
  let before: fs.Stats
  try {
    before = await fsp.stat(filePath)
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
      const stagedPath = path.join(opts.stagingDir, 'original')
      const sha256 = await copyAndHash(fh, head, before.size, stagedPath, opts.signal)
      snapshot = {
        path: filePath,
        size: before.size,
        mtimeMs: before.mtimeMs,
        sha256,
        type,
        buffer: null,
        stagedPath,
      }
    }
    const after = await fh.stat()
    if (!sameFile(before, after)) {
      if (snapshot.stagedPath) await fsp.rm(snapshot.stagedPath, { force: true })
      throw changed()
    }
    return snapshot
  } catch (err) {
    throw sourceError(err)
  } finally {
    await fh.close().catch(() => undefined)
  }
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

function hashing(hash: Hash, counter: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      counter.n += chunk.length
      done(null, chunk)
    },
  })
}

/** Streams the file into the staging dir while hashing it; memory stays flat for GiB files. */
async function copyAndHash(
  fh: FileHandle,
  head: Buffer,
  size: number,
  stagedPath: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const tmp = `${stagedPath}.partial`
  const hash = createHash('sha256')
  const counter = { n: 0 }
  // Read to EOF rather than to `size`, so a file that grows is noticed.
  const rest = fh.createReadStream({
    start: head.length,
    autoClose: false,
    highWaterMark: READ_CHUNK,
  })
  async function* bytes(): AsyncGenerator<Buffer> {
    yield head
    for await (const chunk of rest) yield chunk as Buffer
  }
  // Writes go to the staging dir, reads to the source: tell their errors apart for the user.
  const writeErrors = new WeakSet<object>()
  try {
    await fsp.mkdir(path.dirname(stagedPath), { recursive: true })
  } catch (err) {
    throw stagingError(err)
  }
  try {
    const out = fs.createWriteStream(tmp, { flags: 'w' })
    out.on('error', (e) => writeErrors.add(e))
    await pipeline(bytes(), hashing(hash, counter), out, { signal })
  } catch (err) {
    rest.destroy()
    await fsp.rm(tmp, { force: true })
    if (signal?.aborted) throw canceled()
    const code = (err as NodeJS.ErrnoException).code
    if ((err instanceof Error && writeErrors.has(err)) || code === 'ENOSPC' || code === 'EDQUOT')
      throw stagingError(err)
    throw sourceError(err)
  }
  if (counter.n !== size) {
    await fsp.rm(tmp, { force: true })
    throw changed()
  }
  try {
    await syncAndRename(tmp, stagedPath)
  } catch (err) {
    await fsp.rm(tmp, { force: true })
    throw stagingError(err)
  }
  return hash.digest('hex')
}
