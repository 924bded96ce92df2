import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { expandInputs, listInputs } from '../../src/engine/inputs'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-inputs-'))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

describe('expandInputs', () => {
  it('lists every file once, skips hidden entries, reports dangling links and missing paths, cuts loops', async () => {
    fs.mkdirSync(path.join(root, 'a/b'), { recursive: true })
    fs.mkdirSync(path.join(root, 'a/.git'))
    fs.writeFileSync(path.join(root, 'a/1.jpg'), 'x')
    fs.writeFileSync(path.join(root, 'a/b/2.png'), 'x')
    fs.writeFileSync(path.join(root, 'a/.DS_Store'), 'x')
    fs.writeFileSync(path.join(root, 'a/.git/config'), 'x')
    fs.symlinkSync(path.join(root, 'nowhere.jpg'), path.join(root, 'a/dangling.jpg'))
    fs.symlinkSync(path.join(root, 'a'), path.join(root, 'a/b/loop'))
    fs.mkdirSync(path.join(root, 'a/folder.jpg'))
    fs.writeFileSync(path.join(root, 'a/folder.jpg/inside.txt'), 'x')

    const entries = await expandInputs([
      path.join(root, 'a'),
      path.join(root, 'a/1.jpg'),
      path.join(root, 'missing.jpg'),
    ])
    const bySource = Object.fromEntries(
      entries.map((e) => [path.relative(root, e.source), e.error?.code ?? 'ok']),
    )
    expect(bySource).toEqual({
      'a/1.jpg': 'ok',
      'a/b/2.png': 'ok',
      'a/dangling.jpg': 'NOT_FOUND',
      'a/folder.jpg/inside.txt': 'ok',
      'missing.jpg': 'NOT_FOUND',
    })
  })

  it('keeps the path as given, without resolving symlinks', async () => {
    fs.writeFileSync(path.join(root, 'real.jpg'), 'x')
    fs.symlinkSync(path.join(root, 'real.jpg'), path.join(root, 'link.jpg'))
    const [e] = await expandInputs(['link.jpg'], root)
    expect(e).toEqual({ source: path.join(root, 'link.jpg'), error: null })
  })
})

describe('listInputs', () => {
  const tree = path.join(root, 'tree')
  const files: string[] = []
  for (let d = 0; d < 3; d++) {
    fs.mkdirSync(path.join(tree, `d${d}`), { recursive: true })
    for (let i = 0; i < 50; i++) {
      const file = path.join(tree, `d${d}`, `f${String(i).padStart(2, '0')}.jpg`)
      fs.writeFileSync(file, 'x')
      files.push(file)
    }
  }

  it('gives a small first page, then full pages, each file once and in expandInputs order', async () => {
    const pages: string[][] = []
    for await (const page of listInputs([tree, path.join(tree, 'd0')], {
      firstPageSize: 10,
      pageSize: 40,
    }))
      pages.push(page.map((e) => e.source))
    expect(pages.map((p) => p.length)).toEqual([10, 40, 40, 40, 20])
    expect(pages.flat()).toEqual(files)
    expect(pages.flat()).toEqual((await expandInputs([tree])).map((e) => e.source))
  })

  it('stops at the next entry once aborted, giving nothing after the pages already given', async () => {
    const ctl = new AbortController()
    const pages: string[][] = []
    for await (const page of listInputs([tree], {
      signal: ctl.signal,
      firstPageSize: 10,
      pageSize: 40,
    })) {
      pages.push(page.map((e) => e.source))
      if (pages.length === 2) ctl.abort()
    }
    expect(pages.flat()).toEqual(files.slice(0, 50))
  })
})
