import { describe, expect, it } from 'vitest'
import { globToRegExp, isIgnoredName, PathFilter } from '../../src/engine/sync/filters'
import { UpshotError } from '../../src/shared/jobs'

const m = (glob: string, rel: string): boolean => globToRegExp(glob).test(rel)

describe('sync globs', () => {
  it('a glob without a slash matches the name at any depth, ignoring case', () => {
    expect(m('*.jpg', 'a.jpg')).toBe(true)
    expect(m('*.jpg', 'trips/2024/IMG_1.JPG')).toBe(true)
    expect(m('*.jpg', 'a.jpeg')).toBe(false)
    expect(m('*.jpg', 'a.jpg.tmp')).toBe(false)
    expect(m('draft*', 'x/drafts')).toBe(true)
  })

  it('a glob with a slash is a path from the top; * stays in one folder, ** crosses them', () => {
    expect(m('trips/*.jpg', 'trips/a.jpg')).toBe(true)
    expect(m('trips/*.jpg', 'trips/2024/a.jpg')).toBe(false)
    expect(m('trips/**/*.jpg', 'trips/a.jpg')).toBe(true)
    expect(m('trips/**/*.jpg', 'trips/2024/05/a.jpg')).toBe(true)
    expect(m('trips/**', 'trips/2024/05/a.jpg')).toBe(true)
    expect(m('trips/*.jpg', 'old/trips/a.jpg')).toBe(false)
    expect(m('/a.jpg', 'a.jpg')).toBe(true)
    expect(m('/a.jpg', 'x/a.jpg')).toBe(false)
  })

  it('? [] and {} work as in a shell; regex characters are literal', () => {
    expect(m('IMG_?.jpg', 'IMG_1.jpg')).toBe(true)
    expect(m('IMG_?.jpg', 'IMG_12.jpg')).toBe(false)
    expect(m('[ab]*.png', 'b1.png')).toBe(true)
    expect(m('[!ab]*.png', 'b1.png')).toBe(false)
    expect(m('*.{jpg,png}', 'x.png')).toBe(true)
    expect(m('*.{jpg,png}', 'x.gif')).toBe(false)
    expect(m('a+b (1).jpg', 'a+b (1).jpg')).toBe(true)
    expect(m('a.jpg', 'abjpg')).toBe(false)
  })

  it('a trailing slash means the folder and all under it', () => {
    expect(m('raw/', 'raw/a.nef')).toBe(true)
    expect(m('raw/', 'shoot/raw/x/a.nef')).toBe(true)
    expect(m('raw/', 'raw.jpg')).toBe(false)
  })

  it('empty or unbalanced globs are configuration errors with a sentence', () => {
    expect(() => globToRegExp('  ')).toThrow(UpshotError)
    expect(() => globToRegExp('*.{jpg,png')).toThrow(/opens a \{/)
  })
})

describe('sync ignores hidden and temporary files', () => {
  it.each([
    '.DS_Store',
    '.syncthing.a.jpg.tmp',
    '~syncthing~a.jpg.tmp',
    'a.jpg.part',
    'a.jpg.crdownload',
    'a.jpg~',
    '~$report.docx',
    'Thumbs.db',
    'a.JPG.TMP',
    '.dropbox.cache',
    'photo.jpg.!sync',
  ])('%s is ignored', (name) => expect(isIgnoredName(name)).toBe(true))

  it.each(['a.jpg', 'tmp.jpg', 'partial-eclipse.jpg', 'IMG_0001.HEIC'])('%s is synced', (name) =>
    expect(isIgnoredName(name)).toBe(false),
  )
})

describe('PathFilter', () => {
  const f = new PathFilter({ include: ['*.jpg', '*.png'], exclude: ['drafts', 'trips/private/**'] })

  it('includes by name, excludes files and whole folders', () => {
    expect(f.file('a.jpg')).toBe(true)
    expect(f.file('a.txt')).toBe(false)
    expect(f.file('x/drafts/a.jpg')).toBe(false)
    expect(f.dir('x/drafts')).toBe(false)
    expect(f.dir('trips/private')).toBe(false)
    expect(f.file('trips/private/a.jpg')).toBe(false)
    expect(f.file('trips/public/a.jpg')).toBe(true)
    expect(f.file('.hidden/a.jpg')).toBe(false)
  })

  it('without globs everything but hidden and temporary files takes part', () => {
    const all = new PathFilter()
    expect(all.file('any/thing.bin')).toBe(true)
    expect(all.file('any/.thing')).toBe(false)
    expect(all.dir('.git')).toBe(false)
  })
})
