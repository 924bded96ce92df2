import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { expandInputs } from '../../src/engine/inputs'

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
