// The editor API's multipart reader: every file part to its own file, byte for byte, however the
// body is cut into chunks; any field name; names kept to their last segment; limits enforced,
// and nothing left on disk when a request is refused.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { boundaryOf, receiveMultipart } from '../../src/core/editors/api/multipart'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-multipart-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const B = 'XyZ123boundary'

function body(parts: { headers: string; data: Buffer | string }[], end = true): Buffer {
  const chunks: Buffer[] = [Buffer.from('preamble to ignore\r\n')]
  for (const p of parts) {
    chunks.push(
      Buffer.from(`--${B}\r\n${p.headers}\r\n\r\n`),
      Buffer.from(p.data),
      Buffer.from('\r\n'),
    )
  }
  if (end) chunks.push(Buffer.from(`--${B}--\r\nepilogue`))
  return Buffer.concat(chunks)
}

/** The body as a stream of chunks of this size. */
function stream(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = []
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size))
  return Readable.from(chunks)
}

const limits = { maxBytes: 10 * 1024 * 1024, maxParts: 10 }

function filesLeft(): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
    fs.statSync(path.join(dir, f)).isFile(),
  )
}

describe('receiveMultipart', () => {
  // Binary data that holds CRLFs and most of a delimiter, to tempt a sloppy parser.
  const tricky = Buffer.concat([
    randomBytes(5000),
    Buffer.from(`\r\n--${B.slice(0, -1)}`),
    randomBytes(3000),
    Buffer.from('\r\n\r\n--'),
  ])
  const other = randomBytes(70_000)

  it.each([1, 7, 64, 4096, 1 << 20])(
    'keeps every file byte for byte with %i-byte chunks',
    async (size) => {
      const data = body([
        {
          headers:
            'Content-Disposition: form-data; name="list"; filename="/home/ana/Pictures/a.png"\r\nContent-Type: application/octet-stream',
          data: tricky,
        },
        { headers: 'Content-Disposition: form-data; name="note"', data: 'a text field' },
        {
          headers: `Content-Disposition: form-data; name="files"; filename="C:\\\\Users\\\\ana\\\\照片 1.jpg"`,
          data: other,
        },
      ])
      const files = await receiveMultipart(stream(data, size), B, dir, limits)
      expect(files.map((f) => [f.field, f.name, f.size])).toEqual([
        ['list', 'a.png', tricky.length],
        ['files', '照片 1.jpg', other.length],
      ])
      expect(fs.readFileSync(files[0]!.path).equals(tricky)).toBe(true)
      expect(fs.readFileSync(files[1]!.path).equals(other)).toBe(true)
      expect(path.dirname(files[0]!.path).startsWith(dir)).toBe(true)
    },
  )

  it('takes RFC 5987 names and never lets a name leave its folder', async () => {
    const data = body([
      {
        headers: 'Content-Disposition: form-data; name="f"; filename*=UTF-8\'\'%E5%9B%BE.png',
        data: 'x',
      },
      {
        headers: 'Content-Disposition: form-data; name="f"; filename="../../../etc/cron.d/x"',
        data: 'y',
      },
      { headers: 'Content-Disposition: form-data; name="f"; filename=".."', data: 'z' },
    ])
    const files = await receiveMultipart(stream(data, 100), B, dir, limits)
    expect(files[0]!.name).toBe('图.png')
    expect(files[1]!.name).toBe('x')
    for (const f of files) expect(path.relative(dir, f.path).startsWith('..')).toBe(false)
    expect(new Set(files.map((f) => path.dirname(f.path))).size).toBe(3)
  })

  it.each([
    ['too many parts', { maxBytes: 1 << 20, maxParts: 2 }, 413, /at most 2 files/],
    ['too many bytes', { maxBytes: 50_000, maxParts: 10 }, 413, /larger than 50000 bytes/],
  ])('refuses %s and leaves no file behind', async (_what, lim, status, message) => {
    const data = body(
      [1, 2, 3].map((i) => ({
        headers: `Content-Disposition: form-data; name="f"; filename="${i}.png"`,
        data: randomBytes(20_000),
      })),
    )
    const err = await receiveMultipart(stream(data, 4096), B, dir, lim).catch((e: unknown) => e)
    expect(err).toMatchObject({ status })
    expect((err as Error).message).toMatch(message)
    expect(filesLeft()).toEqual([])
  })

  it('refuses a body cut before its last boundary, and a huge field', async () => {
    const cut = body(
      [{ headers: 'Content-Disposition: form-data; name="f"; filename="a.png"', data: 'abc' }],
      false,
    )
    await expect(receiveMultipart(stream(cut, 10), B, dir, limits)).rejects.toMatchObject({
      status: 400,
    })
    expect(filesLeft()).toEqual([])
    const field = body([
      { headers: 'Content-Disposition: form-data; name="t"', data: 'x'.repeat(70_000) },
    ])
    await expect(receiveMultipart(stream(field, 1000), B, dir, limits)).rejects.toMatchObject({
      status: 413,
    })
  })
})

describe('boundaryOf', () => {
  it('reads quoted and bare boundaries of form data only', () => {
    expect(boundaryOf('multipart/form-data; boundary=----abc')).toBe('----abc')
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe('a b')
    expect(boundaryOf('multipart/mixed; boundary=abc')).toBeNull()
    expect(boundaryOf('multipart/form-data')).toBeNull()
    expect(boundaryOf(undefined)).toBeNull()
  })
})
