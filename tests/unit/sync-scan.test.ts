import Database from 'better-sqlite3'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PathFilter } from '../../src/engine/sync/filters'
import { normalizeScope } from '../../src/engine/sync/plan'
import { scanTree, type ScanEntry } from '../../src/engine/sync/scan'

const dirs: string[] = []
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-scan-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function write(root: string, rel: string, content = rel): void {
  const abs = path.join(root, rel)
  fs.mkdirSync(path.dirname(abs), { recursive: true })
  fs.writeFileSync(abs, content)
}

async function scan(root: string, filter = new PathFilter(), start?: string): Promise<ScanEntry[]> {
  const out: ScanEntry[] = []
  for await (const e of scanTree(root, filter, start === undefined ? {} : { start })) out.push(e)
  return out
}

describe('scanTree', () => {
  it('yields files in exactly the order SQLite sorts their paths (the merge with the ledger relies on it)', async () => {
    const root = tmpDir()
    const names = [
      'a!',
      'a.jpg',
      'a-b.jpg',
      'a0.jpg',
      'ab/c.jpg',
      'a/b.jpg',
      'a/b/c.jpg',
      'a b/x.jpg',
      'Z.jpg',
      'é.jpg',
      'e\u0301.jpg', // the same letter, decomposed (macOS style): a different path
      '日本/写真.jpg',
      '😀.png',
      '\uffff.jpg',
      'deep/1/2/3/4/5.jpg',
    ]
    for (const n of names) write(root, n)
    const rels = (await scan(root)).map((e) => e.rel)
    const db = new Database(':memory:')
    db.exec('CREATE TABLE t (p TEXT PRIMARY KEY) WITHOUT ROWID')
    const ins = db.prepare('INSERT INTO t VALUES (?)')
    for (const n of names) ins.run(n)
    const sqliteOrder = (db.prepare('SELECT p FROM t ORDER BY p').all() as { p: string }[]).map(
      (r) => r.p,
    )
    db.close()
    expect(rels).toEqual(sqliteOrder)
  })

  it('reports size, whole-millisecond mtime and the device of its folder, skips hidden and temporary files', async () => {
    const root = tmpDir()
    write(root, 'a.jpg', '12345')
    write(root, '.DS_Store')
    write(root, '.git/config')
    write(root, 'b.jpg.part')
    write(root, 'sub/.syncthing.c.jpg.tmp')
    fs.utimesSync(path.join(root, 'a.jpg'), 1_700_000_000.1234, 1_700_000_000.1234)
    expect(await scan(root)).toEqual([
      {
        kind: 'file',
        rel: 'a.jpg',
        size: 5,
        mtimeMs: 1_700_000_000_123,
        dirDev: fs.statSync(root).dev,
      },
    ])
  })

  it('applies include and exclude globs, pruning excluded folders', async () => {
    const root = tmpDir()
    for (const n of ['a.jpg', 'a.txt', 'drafts/b.jpg', 'x/drafts/c.jpg', 'x/d.png']) write(root, n)
    const filter = new PathFilter({ include: ['*.jpg', '*.png'], exclude: ['drafts'] })
    expect((await scan(root, filter)).map((e) => e.rel)).toEqual(['a.jpg', 'x/d.png'])
  })

  it('reports dangling links and folder loops per path, and follows good links', async () => {
    const root = tmpDir()
    write(root, 'real/a.jpg')
    fs.symlinkSync(path.join(root, 'nowhere.jpg'), path.join(root, 'dangling.jpg'))
    fs.symlinkSync(root, path.join(root, 'real', 'loop'))
    fs.symlinkSync(path.join(root, 'real'), path.join(root, 'alias'))
    fs.symlinkSync(path.join(root, 'self'), path.join(root, 'self'))
    const got = await scan(root)
    expect(got.map((e) => [e.kind, e.rel, e.kind === 'file' ? null : e.error.code])).toEqual([
      ['file', 'alias/a.jpg', null],
      ['problem', 'alias/loop', 'NOT_FOUND'],
      ['problem', 'dangling.jpg', 'NOT_FOUND'],
      ['file', 'real/a.jpg', null],
      ['problem', 'real/loop', 'NOT_FOUND'],
      ['problem', 'self', 'NOT_FOUND'],
    ])
  })

  it('a missing folder throws NOT_FOUND instead of looking empty', async () => {
    await expect(scan(path.join(tmpDir(), 'gone'))).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('scans one path or one subfolder; a vanished path yields nothing', async () => {
    const root = tmpDir()
    for (const n of ['a/1.jpg', 'a/2.jpg', 'a.jpg', 'b/3.jpg']) write(root, n)
    expect((await scan(root, new PathFilter(), 'a')).map((e) => e.rel)).toEqual([
      'a/1.jpg',
      'a/2.jpg',
    ])
    expect((await scan(root, new PathFilter(), 'a.jpg')).map((e) => e.rel)).toEqual(['a.jpg'])
    expect(await scan(root, new PathFilter(), 'c/gone.jpg')).toEqual([])
  })

  it.skipIf(process.getuid?.() === 0)('an unreadable folder is reported as such', async () => {
    const root = tmpDir()
    write(root, 'locked/a.jpg')
    write(root, 'ok.jpg')
    fs.chmodSync(path.join(root, 'locked'), 0o000)
    try {
      const got = await scan(root)
      expect(got.map((e) => [e.kind, e.rel])).toEqual([
        ['unreadable-dir', 'locked'],
        ['file', 'ok.jpg'],
      ])
    } finally {
      fs.chmodSync(path.join(root, 'locked'), 0o755)
    }
  })
})

describe('normalizeScope', () => {
  it('sorts, removes duplicates and paths inside another, and lets the whole folder win', () => {
    expect(normalizeScope(['b/c.jpg', 'a', 'a/x.jpg', 'b', 'b'])).toEqual(['a', 'b'])
    expect(normalizeScope(['ab', 'a'])).toEqual(['a', 'ab'])
    expect(normalizeScope(['x', ''])).toEqual([''])
  })
})
