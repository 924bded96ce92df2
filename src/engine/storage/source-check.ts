// Uploads straight from the user's file (no staged copy) stay safe by hashing the bytes actually
// sent and comparing them, with the file's size and mtime, to what was recorded when the file
// was read. A file edited mid-upload is refused, never stored as a mix of old and new bytes.
import { createHash, type Hash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { UpshotError } from '../../shared/jobs'
import type { SourceExpectation } from '../types'
import type { BodyDigest } from './digest'
import { partDigest } from './hash-worker'

const CHUNK = 1024 * 1024

export function sourceChangedError(): UpshotError {
  return new UpshotError(
    'SOURCE_CHANGED',
    'The file changed while it was being uploaded; wait until it is saved completely and upload it again.',
  )
}

/** Throws SOURCE_CHANGED unless the bytes hashed and the open file match the expectation. */
export async function assertSourceUnchanged(
  fh: FileHandle,
  expected: SourceExpectation,
  sha256Hex: string,
): Promise<void> {
  const st = await fh.stat()
  if (
    sha256Hex !== expected.sha256 ||
    st.size !== expected.size ||
    Math.round(st.mtimeMs) !== Math.round(expected.mtimeMs)
  )
    throw sourceChangedError()
}

/**
 * SHA-256 over parts sent by parallel senders: each read takes its turn in part order (senders
 * take part numbers in ascending order) and is hashed in that order, so the hash sees the file
 * front to back. The SHA-256 runs here on the main thread (idle during a big upload) while the
 * part's Content-MD5 runs on the hashing thread: the two hashes use both cores.
 */
export class OrderedSourceHash {
  private readonly hash: Hash = createHash('sha256')
  private turn: Promise<void> = Promise.resolve()

  /** Runs `read` after every earlier read; resolves with its bytes and their part digest. */
  read(
    read: () => Promise<Buffer>,
    crc32: boolean,
  ): Promise<{ buf: Buffer; digest: Promise<BodyDigest> }> {
    const result = this.turn.then(async () => {
      const buf = await read()
      const digest = partDigest(buf, crc32)
      digest.catch(() => undefined) // awaited by the sender
      this.hash.update(buf)
      return { buf, digest }
    })
    this.turn = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }

  /** Hashes a range that is not sent again (a part an earlier run already delivered). */
  skip(fh: FileHandle, start: number, end: number): Promise<void> {
    const done = this.turn.then(async () => {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, end - start))
      for (let pos = start; pos < end;) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos)
        if (bytesRead === 0) throw sourceChangedError()
        this.hash.update(buf.subarray(0, bytesRead))
        pos += bytesRead
      }
    })
    this.turn = done.catch(() => undefined)
    return done
  }

  async digestHex(): Promise<string> {
    await this.turn
    return this.hash.digest('hex')
  }
}
