// Reading and writing a note safely. A note is read once as bytes; one that is not UTF-8 is left
// alone (decoding and encoding it again would change bytes the rewrite never meant to touch).
// A write goes to a temporary file beside the note and is renamed over it, so a crash leaves
// the old note or the new one, never half of each; a note that changed since it was read
// (the user kept typing while the images uploaded) is not written at all.

import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** Larger than any note; a file this big is not one. */
export const MAX_NOTE_BYTES = 16 * 1024 * 1024

export interface ReadNote {
  path: string
  bytes: Buffer
  text: string
}

export type ReadResult = { ok: true; note: ReadNote } | { ok: false; reason: string }

export function readNote(file: string): ReadResult {
  let bytes: Buffer
  try {
    const st = fs.statSync(file)
    if (st.size > MAX_NOTE_BYTES) {
      return { ok: false, reason: `it is larger than ${MAX_NOTE_BYTES / 1024 / 1024} MiB` }
    }
    bytes = fs.readFileSync(file)
  } catch (err) {
    return { ok: false, reason: `it could not be read (${(err as NodeJS.ErrnoException).code})` }
  }
  const text = bytes.toString('utf8')
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    return { ok: false, reason: 'it is not UTF-8 text' }
  }
  return { ok: true, note: { path: file, bytes, text } }
}

export type WriteResult = { ok: true } | { ok: false; reason: string }

/** Replaces the note's content if it still holds what was read. */
export function writeNote(note: ReadNote, text: string): WriteResult {
  let target: string
  try {
    // A linked note is written where it lives; the link stays a link.
    target = fs.realpathSync(note.path)
  } catch {
    return { ok: false, reason: 'it was removed while its images uploaded' }
  }
  const unchanged = (): boolean => {
    try {
      return fs.readFileSync(target).equals(note.bytes)
    } catch {
      return false
    }
  }
  if (!unchanged()) return { ok: false, reason: 'it changed while its images uploaded' }
  const mode = fs.statSync(target).mode & 0o7777
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.upshot-${randomBytes(4).toString('hex')}.tmp`,
  )
  let fd: number | null = null
  try {
    fd = fs.openSync(tmp, 'wx', mode)
    fs.writeSync(fd, Buffer.from(text, 'utf8'))
    fs.fsyncSync(fd)
    fs.closeSync(fd)
    fd = null
    // Checked again right before the rename: the window left is the rename itself.
    if (!unchanged()) {
      fs.rmSync(tmp, { force: true })
      return { ok: false, reason: 'it changed while its images uploaded' }
    }
    fs.renameSync(tmp, target)
    return { ok: true }
  } catch (err) {
    if (fd !== null) fs.closeSync(fd)
    fs.rmSync(tmp, { force: true })
    return { ok: false, reason: `it could not be written (${(err as NodeJS.ErrnoException).code})` }
  }
}
