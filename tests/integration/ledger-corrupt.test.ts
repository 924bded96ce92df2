// A ledger file that is not a database, or one whose pages are damaged: the real CLI refuses it
// without touching it, in one sentence that names the file and says what to do.
import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CORPUS, runCli } from '../helpers/cli'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-ledger-corrupt-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const PHOTO = path.join(CORPUS, 'sharp__with-alpha.png')

function damagedMessage(file: string): RegExp {
  const escaped = file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  return new RegExp(
    `^upshot: The ledger ${escaped} is damaged or not an Upshot ledger \\(SQLITE_(NOTADB|CORRUPT)\\w*\\); move it aside and Upshot starts a new one \\(the bucket keeps every object, and uploads of the same files find them again\\)\\.\\n$`,
  )
}

describe('a damaged ledger', () => {
  it('that is not a database at all: refused, named, left as it was', async () => {
    const dataDir = path.join(work, 'garbage')
    fs.mkdirSync(dataDir)
    const file = path.join(dataDir, 'ledger.sqlite')
    const garbage = Buffer.concat([Buffer.from('not a database\n'), randomBytes(8192)])
    fs.writeFileSync(file, garbage)
    const out = path.join(work, 'out-garbage')
    const result = await runCli(['upload', PHOTO, '--to', `file://${out}`, '--data-dir', dataDir])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(damagedMessage(file))
    expect(fs.readFileSync(file).equals(garbage)).toBe(true)
    expect(fs.existsSync(out)).toBe(false)

    // Moved aside as the message says: a new ledger, and the upload works.
    fs.renameSync(file, `${file}.damaged`)
    const again = await runCli(['upload', PHOTO, '--to', `file://${out}`, '--data-dir', dataDir])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('1 done, 0 failed')
  })

  it('whose jobs table is damaged behind an intact header: refused, named', async () => {
    const dataDir = path.join(work, 'pages')
    const out = path.join(work, 'out-pages')
    const first = await runCli(['upload', PHOTO, '--to', `file://${out}`, '--data-dir', dataDir])
    expect(first.code).toBe(0)
    const file = path.join(dataDir, 'ledger.sqlite')
    // The jobs table's page becomes noise; the header and the schema stay intact, so the
    // damage shows only when the table is read.
    const db = new Database(file, { readonly: true })
    const { rootpage } = db
      .prepare(`SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'jobs'`)
      .get() as { rootpage: number }
    const pageSize = db.pragma('page_size', { simple: true }) as number
    db.close()
    const bytes = fs.readFileSync(file)
    randomBytes(pageSize).copy(bytes, (rootpage - 1) * pageSize)
    fs.writeFileSync(file, bytes)
    const result = await runCli(['jobs', '--all', '--data-dir', dataDir])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(damagedMessage(file))
    const upload = await runCli(['upload', PHOTO, '--to', `file://${out}`, '--data-dir', dataDir])
    expect(upload.code).toBe(1)
    expect(upload.stderr).toMatch(damagedMessage(file))
  })
})
