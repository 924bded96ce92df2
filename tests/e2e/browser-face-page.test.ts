// The browser face's page modules that need no browser to test, with the DOM's types (hence the
// e2e project's tsconfig): a dropped folder walked through its entries, and a sent file's name.

import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { filesFromDrop } from '../../src/renderer/src/lib/dropped-files'
import { sourceLabel } from '../../src/renderer/src/lib/source-label'

describe('sourceLabel', () => {
  it('names a file a browser sent by what it was sent as, and leaves other paths alone', () => {
    expect(
      sourceLabel('/home/ada/.local/share/upshot/incoming/NM5hQKELGpH8/Album/Day two/market.jpg'),
    ).toBe('Sent from a browser: Album/Day two/market.jpg')
    expect(sourceLabel('C:\\Users\\ada\\AppData\\upshot\\incoming\\NM5hQKELGpH8\\a.jpg')).toBe(
      'Sent from a browser: a.jpg',
    )
    expect(sourceLabel('/home/ada/Pictures/incoming/market.jpg')).toBe(
      '/home/ada/Pictures/incoming/market.jpg',
    )
  })
})

describe('filesFromDrop', () => {
  type FakeEntry = {
    isFile: boolean
    isDirectory: boolean
    name: string
    fullPath: string
    file?: (ok: (f: File) => void) => void
    createReader?: () => { readEntries(ok: (e: FakeEntry[]) => void): void }
  }
  const file = (fullPath: string): FakeEntry => ({
    isFile: true,
    isDirectory: false,
    name: path.basename(fullPath),
    fullPath,
    file: (ok) => ok(new File(['x'], path.basename(fullPath))),
  })
  const folder = (fullPath: string, children: FakeEntry[]): FakeEntry => ({
    isFile: false,
    isDirectory: true,
    name: path.basename(fullPath),
    fullPath,
    // Like Chromium: at most 100 entries per readEntries call, then an empty batch.
    createReader: () => {
      let at = 0
      return {
        readEntries: (ok) => {
          ok(children.slice(at, at + 100))
          at += 100
        },
      }
    },
  })

  it('walks a dropped folder, nested and past 100 entries, keeping each file’s path', async () => {
    const many = Array.from({ length: 250 }, (_, i) => file(`/Shoot/img-${i}.jpg`))
    const shoot = folder('/Shoot', [...many, folder('/Shoot/Raw', [file('/Shoot/Raw/x.jpg')])])
    const data = {
      items: [
        { kind: 'file', webkitGetAsEntry: () => shoot, getAsFile: () => null },
        { kind: 'string', webkitGetAsEntry: () => null, getAsFile: () => null },
      ],
      files: [],
    } as unknown as DataTransfer
    const handles = await filesFromDrop(data)
    expect(handles).toHaveLength(251)
    expect(handles.map((h) => h.relativePath)).toContain('Shoot/Raw/x.jpg')
    expect(handles.map((h) => h.relativePath)).toContain('Shoot/img-249.jpg')
    expect(handles.every((h) => h.file instanceof File)).toBe(true)
  })
})
