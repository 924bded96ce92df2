// multipart/form-data, streamed: each file part goes to its own file as it arrives (an editor may
// send a 40 MB photo; nothing holds it in memory), whatever the field is called (Obsidian sends
// `list`, PicGo clients `files`). Bounded: total bytes, number of parts, header size. Text fields
// are read (small) and dropped: the contract carries files only.

import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { HttpError } from '../../http/guard'
import { safeFileName } from '../uploads'

export interface ReceivedFile {
  field: string
  /** The name the client gave (its last path segment). */
  name: string
  /** Where its bytes are now. */
  path: string
  size: number
}

export interface MultipartLimits {
  /** All parts together. */
  maxBytes: number
  maxParts: number
  /** One part's header block. */
  maxHeaderBytes?: number
  /** One text field. */
  maxFieldBytes?: number
}

/** The boundary of a multipart/form-data Content-Type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return null
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType)
  return m ? (m[1] ?? m[2]!) : null
}

type Sink =
  | { kind: 'file'; file: ReceivedFile; handle: fs.FileHandle }
  | { kind: 'field'; size: number }
  | null

/**
 * Reads the whole body into files under `dir` (one folder per file, so two parts with one name
 * never meet). On any error the files written so far are removed and the error thrown.
 */
export async function receiveMultipart(
  body: Readable,
  boundary: string,
  dir: string,
  limits: MultipartLimits,
): Promise<ReceivedFile[]> {
  const maxHeader = limits.maxHeaderBytes ?? 16 * 1024
  const maxField = limits.maxFieldBytes ?? 64 * 1024
  // The body is read as if it began with CRLF, so the first delimiter looks like every other.
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  const files: ReceivedFile[] = []
  let buf: Buffer = Buffer.from('\r\n')
  let total = 0
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble'
  let sink: Sink = null
  let parts = 0

  const closeSink = async (): Promise<void> => {
    if (sink?.kind === 'file') await sink.handle.close()
    sink = null
  }
  const write = async (chunk: Buffer): Promise<void> => {
    if (chunk.length === 0 || !sink) return
    if (sink.kind === 'file') {
      await sink.handle.write(chunk)
      sink.file.size += chunk.length
    } else {
      sink.size += chunk.length
      if (sink.size > maxField) throw new HttpError(413, 'A form field is too large.')
    }
  }
  const openPart = async (headerBlock: string): Promise<void> => {
    parts++
    if (parts > limits.maxParts) {
      throw new HttpError(413, `A request carries at most ${limits.maxParts} files.`)
    }
    const headers = parseHeaders(headerBlock)
    const disposition = headers.get('content-disposition') ?? ''
    if (!/^form-data\b/i.test(disposition)) throw new HttpError(400, 'A part is not form data.')
    const field = param(disposition, 'name') ?? ''
    const filename = param(disposition, 'filename*') ?? param(disposition, 'filename')
    if (filename === undefined) {
      sink = { kind: 'field', size: 0 }
      return
    }
    const partDir = path.join(dir, randomBytes(6).toString('hex'))
    await fs.mkdir(partDir, { recursive: true, mode: 0o700 })
    const name = safeFileName(filename)
    const file: ReceivedFile = { field, name, path: path.join(partDir, name), size: 0 }
    const handle = await fs.open(file.path, 'wx', 0o600)
    files.push(file)
    sink = { kind: 'file', file, handle }
  }

  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > limits.maxBytes) {
        throw new HttpError(
          413,
          `The request is larger than ${limits.maxBytes} bytes, the most accepted.`,
        )
      }
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      for (;;) {
        if (state === 'done') {
          buf = Buffer.alloc(0) // the epilogue is ignored
          break
        }
        if (state === 'preamble' || state === 'body') {
          const at = buf.indexOf(delimiter)
          if (at === -1) {
            // Keep what could be the start of a delimiter; the rest belongs to the part.
            const keep = Math.min(buf.length, delimiter.length - 1)
            if (state === 'body') await write(buf.subarray(0, buf.length - keep))
            buf = buf.subarray(buf.length - keep)
            break
          }
          if (state === 'body') {
            await write(buf.subarray(0, at))
            await closeSink()
          }
          buf = buf.subarray(at + delimiter.length)
          state = 'after-delimiter'
        }
        if (state === 'after-delimiter') {
          if (buf.length < 2) break
          if (buf[0] === 0x2d && buf[1] === 0x2d) {
            state = 'done'
            continue
          }
          // Transport padding (spaces, tabs) may follow the delimiter before its CRLF.
          const eol = buf.indexOf('\r\n')
          if (eol === -1) {
            if (buf.length > 256) throw new HttpError(400, 'A multipart delimiter is malformed.')
            break
          }
          if (!/^[ \t]*$/.test(buf.subarray(0, eol).toString('latin1'))) {
            throw new HttpError(400, 'A multipart delimiter is malformed.')
          }
          buf = buf.subarray(eol + 2)
          state = 'headers'
        }
        if (state === 'headers') {
          const end = buf.indexOf('\r\n\r\n')
          const blankFirst = buf.subarray(0, 2).toString('latin1') === '\r\n'
          if (blankFirst) {
            // A part with no headers at all.
            await openPart('')
            buf = buf.subarray(2)
            state = 'body'
            continue
          }
          if (end === -1) {
            if (buf.length > maxHeader) throw new HttpError(413, "A part's headers are too large.")
            break
          }
          if (end > maxHeader) throw new HttpError(413, "A part's headers are too large.")
          await openPart(buf.subarray(0, end).toString('utf8'))
          buf = buf.subarray(end + 4)
          state = 'body'
        }
      }
    }
    if (state !== 'done')
      throw new HttpError(400, 'The multipart body ended before its last boundary.')
    return files
  } catch (err) {
    await closeSink().catch(() => {})
    await Promise.all(
      files.map((f) => fs.rm(path.dirname(f.path), { recursive: true, force: true })),
    )
    throw err
  }
}

function parseHeaders(block: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return out
}

/** A Content-Disposition parameter: quoted, bare, or RFC 5987 (`filename*=UTF-8''...`). */
export function param(header: string, name: string): string | undefined {
  const re = new RegExp(
    `;\\s*${name.replace('*', '\\*')}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`,
    'i',
  )
  const m = re.exec(header)
  if (!m) return undefined
  const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!
  if (name.endsWith('*')) {
    const ext = /^([\w-]+)'[^']*'(.*)$/.exec(raw)
    if (!ext) return undefined
    try {
      return decodeURIComponent(ext[2]!)
    } catch {
      return undefined
    }
  }
  return raw
}
