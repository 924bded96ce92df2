// Finding, resolving and rewriting the image references of a note (`upshot md`): every form,
// nothing inside code or front matter, exact spans so a rewrite changes only the image's name,
// and resolution that never leaves the note's root.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutputReport } from '../../src/shared/jobs'
import { findImageReferences } from '../../src/core/editors/markdown/references'
import { NoteContexts, resolveReference } from '../../src/core/editors/markdown/resolve'
import { applyEdits, editFor, type Edit } from '../../src/core/editors/markdown/rewrite'

function targets(text: string): [string, string][] {
  return findImageReferences(text).map((r) => [r.kind, r.target])
}

describe('findImageReferences', () => {
  it('finds every reference form with its target as written', () => {
    const text = [
      '![a](img/a.png)',
      '![b](<img/b c.png> "Title")',
      "![c](img/c.png 'single')",
      '![d](img/d\\(1\\).png)',
      '![e][ref]',
      '[ref]: img/e.png "Ref title"',
      '[spaced]: <img/f g.png>',
      '<img src="img/h.png" alt="h">',
      "<IMG width=10 SRC='img/i.png'>",
      '<img src=img/j.png>',
      '![[k.png]]',
      '![[sub/l.png|300]]',
      '![[m.png|alt text|200x100]]',
      '![n](img/n&amp;o.png)',
    ].join('\n\n')
    expect(targets(text)).toEqual([
      ['inline', 'img/a.png'],
      ['inline', 'img/b c.png'],
      ['inline', 'img/c.png'],
      ['inline', 'img/d(1).png'],
      ['definition', 'img/e.png'],
      ['definition', 'img/f g.png'],
      ['html', 'img/h.png'],
      ['html', 'img/i.png'],
      ['html', 'img/j.png'],
      ['embed', 'k.png'],
      ['embed', 'sub/l.png'],
      ['embed', 'm.png'],
      ['inline', 'img/n&o.png'],
    ])
  })

  it('skips code spans, fenced and indented code, HTML comments and front matter', () => {
    const text = [
      '---',
      'cover: ![fm](fm.png)',
      '---',
      'Text `![span](span.png)` and ``![double `tick`](double.png)``.',
      '',
      '```',
      '![fenced](fenced.png)',
      '```',
      '',
      '~~~md',
      '![[tilde.png]]',
      '~~~',
      '',
      '    ![indented](indented.png)',
      '',
      '<!-- ![comment](comment.png) -->',
      '',
      '![real](real.png)',
    ].join('\n')
    expect(targets(text)).toEqual([['inline', 'real.png']])
  })

  it('is not fooled by a link that is not an image, or an escaped bang', () => {
    const text = '[not an image](a.png) and \\![escaped](b.png) and ![yes](c.png)'
    expect(targets(text)).toEqual([['inline', 'c.png']])
  })

  it('gives the line of each reference, with CRLF line ends too', () => {
    const refs = findImageReferences('intro\r\n\r\n![a](a.png)\r\ntext ![[b.png]]\r\n')
    expect(refs.map((r) => r.line)).toEqual([3, 4])
  })
})

describe('editFor and applyEdits', () => {
  const outputs: OutputReport[] = [
    {
      variant: 'full',
      format: 'webp',
      width: 800,
      height: 600,
      bytes: 1000,
      key: 'p/abc/a b-full.webp',
      url: 'https://cdn.test/p/abc/a%20b-full.webp',
      contentType: 'image/webp',
    },
    {
      variant: 'overlay',
      format: 'webp',
      width: 400,
      height: 300,
      bytes: 400,
      key: 'p/abc/a b-overlay.webp',
      url: 'https://cdn.test/p/abc/a%20b-overlay.webp',
      contentType: 'image/webp',
    },
  ]
  const image = { name: 'a b.png', outputs }
  const URL_ = 'https://cdn.test/p/abc/a%20b-full.webp'

  function rewrite(text: string, style: 'url' | 'picture' = 'url'): string {
    const edits = findImageReferences(text)
      .map((r) => editFor(r, image, style))
      .filter((e): e is Edit => e !== null)
    return applyEdits(text, edits)
  }

  it('changes only the part that names the image', () => {
    expect(rewrite('x ![A *b*](<a b.png> "T") y')).toBe(`x ![A *b*](${URL_} "T") y`)
    expect(rewrite("[r]: <a b.png> 'T'")).toBe(`[r]: ${URL_} 'T'`)
    expect(rewrite('<img class="w" src=\'a b.png\' width=3>')).toBe(
      `<img class="w" src='${URL_}' width=3>`,
    )
    expect(rewrite('![[a b.png|300]] and ![[a b.png]]')).toBe(
      `![a b.png|300](${URL_}) and ![a b.png](${URL_})`,
    )
    expect(rewrite('![[a b.png|Alt words|300]]')).toBe(`![Alt words|300](${URL_})`)
  })

  it('escapes what the URL or alt text would break', () => {
    const odd = {
      name: 'x.png',
      outputs: [{ ...outputs[0]!, url: 'https://cdn.test/p/a(1)"x".webp' }],
    }
    const [ref] = findImageReferences('![a](x.png)')
    const edit = editFor(ref!, odd, 'url')!
    const out = applyEdits('![a](x.png)', [edit])
    // Re-parsed, the new reference names the uploaded URL (percent-encoded where it must be).
    expect(findImageReferences(out).map((r) => decodeURI(r.target))).toEqual([
      'https://cdn.test/p/a(1)"x".webp',
    ])
    const html = applyEdits('<img src="x.png">', [
      editFor(findImageReferences('<img src="x.png">')[0]!, odd, 'url')!,
    ])
    expect(findImageReferences(html).map((r) => decodeURI(r.target))).toEqual([
      'https://cdn.test/p/a(1)"x".webp',
    ])
  })

  it('makes a one-line <picture> of a reference that can stand alone, and keeps the rest', () => {
    const out = rewrite('- item ![Alt](<a b.png>)\n- titled ![t](<a b.png> "T")\n', 'picture')
    const [first, second] = out.split('\n')
    expect(first).toMatch(/^- item <picture>.*<\/picture>$/)
    expect(first).toContain('alt="Alt"')
    expect(first).toContain(
      'srcset="https://cdn.test/p/abc/a%20b-overlay.webp 400w, ' + URL_ + ' 800w"',
    )
    expect(second).toBe(`- titled ![t](${URL_} "T")`)
  })
})

describe('resolveReference', () => {
  let base: string
  let vault: string
  let outside: string

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-md-resolve-'))
    vault = path.join(base, 'vault')
    outside = path.join(base, 'private')
    for (const d of ['.obsidian', 'attachments', 'notes/deep', 'img'])
      fs.mkdirSync(path.join(vault, d), { recursive: true })
    fs.mkdirSync(outside)
    fs.writeFileSync(
      path.join(vault, '.obsidian', 'app.json'),
      JSON.stringify({ attachmentFolderPath: 'attachments' }),
    )
    for (const f of ['attachments/pasted.png', 'img/root.png', 'notes/deep/near.png'])
      fs.writeFileSync(path.join(vault, f), 'x')
    fs.writeFileSync(path.join(outside, 'secret.png'), 'x')
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(vault, 'img', 'link.png'))
  })
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }))

  function resolve(text: string): ReturnType<typeof resolveReference> {
    const note = path.join(vault, 'notes', 'deep', 'n.md')
    const ctx = new NoteContexts().for(note, vault)
    return resolveReference(findImageReferences(text)[0]!, ctx)
  }

  it('finds files the way Obsidian does: note folder, vault root, attachment folder, by name', () => {
    expect(resolve('![](near.png)')).toEqual({
      kind: 'local',
      path: path.join(vault, 'notes/deep/near.png'),
    })
    expect(resolve('![](img/root.png)')).toEqual({
      kind: 'local',
      path: path.join(vault, 'img/root.png'),
    })
    expect(resolve('![[pasted.png]]')).toEqual({
      kind: 'local',
      path: path.join(vault, 'attachments/pasted.png'),
    })
    expect(resolve('![[root.png|200]]')).toEqual({
      kind: 'local',
      path: path.join(vault, 'img/root.png'),
    })
    expect(resolve('![](../../img/root%2Epng)')).toMatchObject({ kind: 'local' })
  })

  it('never reaches outside the vault: ../, absolute paths and symlinks', () => {
    expect(resolve('![](../../../private/secret.png)')).toMatchObject({ kind: 'outside' })
    expect(resolve(`![](${path.join(outside, 'secret.png')})`)).toMatchObject({
      kind: 'outside',
    })
    expect(resolve('![](../../img/link.png)')).toMatchObject({ kind: 'outside' })
  })

  it('tells missing files, remote URLs and non-file references apart', () => {
    expect(resolve('![](nope.png)')).toEqual({ kind: 'missing' })
    expect(resolve('![](https://example.com/a.png)')).toEqual({
      kind: 'remote',
      url: 'https://example.com/a.png',
    })
    expect(resolve('![](data:image/png;base64,AAAA)')).toEqual({ kind: 'skip' })
    expect(resolve('![](#anchor)')).toEqual({ kind: 'skip' })
  })
})
