// Uploads straight from the user's file (no staged copy) stay safe by hashing the bytes actually
// sent and comparing them, with the file's size and mtime, to what was recorded when the file
// was read. A file edited mid-upload is refused, never stored as a mix of old and new bytes.
import type { FileHandle } from 'node:fs/promises'
import { UpshotError } from '../../../shared/jobs'
import type { SourceExpectation } from '../types'
import type { BodyDigest } from './digest'
import { sharedBuffer, ThreadedSha256 } from './hash-worker'

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
 * take part numbers in ascending order) and is handed to the hashing thread in that order, so the
 * hash sees the file front to back. The same pass gives each part its Content-MD5.
 */
export class OrderedSourceHash {
  private readonly sha = new ThreadedSha256()
  private turn: Promise<void> = Promise.resolve()

  /** Runs `read` after every earlier read; resolves with its bytes and their part digest. */
  read(
    read: () => Promise<Buffer>,
    crc32: boolean,
  ): Promise<{ buf: Buffer; digest: Promise<BodyDigest> }> {
    const result = this.turn.then(async () => {
      const buf = await read()
      const digest = this.sha.part(buf, crc32)
      digest.catch(() => undefined) // awaited by the sender
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
      for (let pos = start; pos < end;) {
        const buf = sharedBuffer(Math.min(CHUNK, end - pos))
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
        if (bytesRead === 0) throw sourceChangedError()
        await this.sha.update(buf.subarray(0, bytesRead))
        pos += bytesRead
      }
    })
    this.turn = done.catch(() => undefined)
    return done
  }

  async digestHex(): Promise<string> {
    await this.turn
    return this.sha.digestHex()
  }

  drop(): void {
    this.sha.drop()
  }
}
