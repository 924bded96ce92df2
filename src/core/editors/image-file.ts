// What an editor may name as an image to upload: one regular file whose bytes are an image.
// Folders are refused (the engine would upload everything in them), so are devices, sockets and
// pipes (reading one could block or never end), and links are judged by what they lead to.

import fs from 'node:fs/promises'
import path from 'node:path'
import { UpshotError } from '../../shared/jobs'
import { SNIFF_BYTES, sniffBytes } from '../../engine/pipeline/sniff'
import type { SniffResult } from '../../engine/types'

export interface ImageFile {
  /** Absolute, as named (links not resolved: the history shows the name the editor used). */
  path: string
  /** Where a link leads (the file that is read). */
  realPath: string
  size: number
  type: SniffResult
}

/** Whether a sniffed type is a picture (decodable, or an image kept as it is: BMP, ICO, PSD). */
export function isImageType(type: SniffResult): boolean {
  return type.kind === 'image' || type.mime.startsWith('image/')
}

/** Checks one path; throws an UpshotError with a stable code and one sentence. */
export async function checkImageFile(given: string): Promise<ImageFile> {
  if (!path.isAbsolute(given)) {
    throw new UpshotError('NOT_FOUND', `"${given}" is not an absolute path.`)
  }
  const abs = path.resolve(given)
  let realPath: string
  try {
    realPath = await fs.realpath(abs)
  } catch (err) {
    throw statError(err)
  }
  // O_NONBLOCK: opening a FIFO must not wait for a writer. The checks run on the open handle,
  // so what is read is what was checked.
  let handle: fs.FileHandle
  try {
    handle = await fs.open(realPath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw folder()
    throw statError(err)
  }
  try {
    const st = await handle.stat()
    if (st.isDirectory()) throw folder()
    if (!st.isFile()) {
      throw new UpshotError(
        'NOT_A_FILE',
        'This is not a regular file (a device, socket or pipe); only image files are uploaded.',
      )
    }
    if (st.size === 0) throw new UpshotError('EMPTY_FILE', 'This file is empty.')
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, st.size))
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    const type = sniffBytes(head.subarray(0, bytesRead), abs)
    if (!isImageType(type)) {
      throw new UpshotError(
        'UNSUPPORTED_FORMAT',
        `This file is ${type.format === 'unknown' ? 'not an image' : `${describe(type.format)}, not an image`}.`,
      )
    }
    return { path: abs, realPath, size: st.size, type }
  } finally {
    await handle.close()
  }
}

function folder(): UpshotError {
  return new UpshotError('NOT_A_FILE', 'This is a folder; name the image files in it instead.')
}

/** `a PDF file`, `an HTML file`, `a text file`: the article as the letters are spoken. */
function describe(format: string): string {
  if (format === 'text') return 'a text file'
  const name = format.toUpperCase()
  return /^[AEFHILMNORSX]/.test(name) ? `an ${name} file` : `a ${name} file`
}

function statError(err: unknown): UpshotError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error'
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new UpshotError('NOT_FOUND', 'No file exists at this path.')
  }
  if (code === 'ELOOP') return new UpshotError('NOT_FOUND', 'This link leads round in a loop.')
  if (code === 'EACCES' || code === 'EPERM') {
    return new UpshotError('UNREADABLE', 'Permission to read this file was denied.')
  }
  return new UpshotError('UNREADABLE', `This file could not be read (${code}).`)
}
