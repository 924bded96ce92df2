// Writing a note back: atomic (temp file + rename, the mode kept), and never over a note that
// changed since it was read, nor one that is not UTF-8.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readNote, writeNote } from '../../src/core/editors/markdown/note-file'

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-note-file-'))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

function read(file: string): Extract<ReturnType<typeof readNote>, { ok: true }>['note'] {
  const r = readNote(file)
  if (!r.ok) throw new Error(r.reason)
  return r.note
}

describe('writeNote', () => {
  it('replaces the note in one rename, keeping its mode and leaving no temp file', () => {
    const file = path.join(dir, 'a.md')
    fs.writeFileSync(file, '![a](a.png)\n', { mode: 0o640 })
    const ino = fs.statSync(file).ino
    expect(writeNote(read(file), '![a](https://x/a.webp)\n')).toEqual({ ok: true })
    expect(fs.readFileSync(file, 'utf8')).toBe('![a](https://x/a.webp)\n')
    expect(fs.statSync(file).mode & 0o777).toBe(0o640)
    expect(fs.statSync(file).ino).not.toBe(ino)
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  it('skips a note changed since it was read, with the reason', () => {
    const file = path.join(dir, 'b.md')
    fs.writeFileSync(file, 'before\n')
    const note = read(file)
    fs.appendFileSync(file, 'the user kept typing\n')
    expect(writeNote(note, 'rewritten\n')).toEqual({
      ok: false,
      reason: 'it changed while its images uploaded',
    })
    expect(fs.readFileSync(file, 'utf8')).toBe('before\nthe user kept typing\n')
  })

  it('writes through a symlinked note to the file it names, and the link stays a link', () => {
    const real = path.join(dir, 'real.md')
    const link = path.join(dir, 'link.md')
    fs.writeFileSync(real, 'x\n')
    fs.symlinkSync(real, link)
    expect(writeNote(read(link), 'y\n')).toEqual({ ok: true })
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(real, 'utf8')).toBe('y\n')
  })

  it('leaves a note that is not UTF-8 alone', () => {
    const file = path.join(dir, 'latin1.md')
    fs.writeFileSync(file, Buffer.from('caf\xe9 ![a](a.png)\n', 'latin1'))
    expect(readNote(file)).toEqual({ ok: false, reason: 'it is not UTF-8 text' })
  })
})
