import { describe, expect, it } from 'vitest'
import {
  MAX_NAME_BYTES,
  buildKey,
  normalizePrefix,
  originalExt,
  sanitizeName,
  splitExt,
} from '../../src/engine/keys'

const SHA = '0123456789abcdef'.repeat(4)

describe('keys', () => {
  it('embeds the content hash and the variant', () => {
    expect(
      buildKey({
        prefix: 'img/2026',
        sha256: SHA,
        stem: 'Beach Day',
        variant: 'thumb',
        ext: 'webp',
      }),
    ).toBe('img/2026/0123456789abcdef/Beach-Day-thumb.webp')
    expect(
      buildKey({ prefix: '', sha256: SHA, stem: 'report', variant: 'original', ext: 'PDF' }),
    ).toBe('0123456789abcdef/report.pdf')
  })

  it('removes path tricks, control characters and characters CDNs mangle, keeps Unicode', () => {
    expect(sanitizeName('../../etc/passwd')).toBe('etc-passwd')
    expect(sanitizeName('a\u0000b\u001fc')).toBe('abc')
    expect(sanitizeName('50% off #1 ?.x')).toBe('50-off-1-.x')
    expect(sanitizeName('café 🌅 東京')).toBe('café-🌅-東京')
    expect(sanitizeName('...')).toBe('file')
    expect(sanitizeName('e\u0301')).toBe('é') // NFC
    expect(Array.from(sanitizeName('x'.repeat(300))).length).toBeLessThanOrEqual(80)
  })

  it('normalises prefixes so they never climb', () => {
    expect(normalizePrefix('/a//b/../c/')).toBe('a/b/c')
    expect(normalizePrefix('')).toBe('')
  })

  it('caps names by UTF-8 bytes, between graphemes, so every file system takes the key', () => {
    const bytes = (s: string): number => Buffer.byteLength(s)
    // 80 CJK characters were 240 bytes, 80 emoji 320: over the 255-byte file name limit.
    const cjk = sanitizeName('東'.repeat(200))
    expect(bytes(cjk)).toBeLessThanOrEqual(MAX_NAME_BYTES)
    expect(cjk).toBe('東'.repeat(Math.floor(MAX_NAME_BYTES / 3)))
    // A family emoji is 7 code points and 25 bytes: never cut in the middle.
    const family = '👨‍👩‍👧‍👦'
    const emoji = sanitizeName(family.repeat(20))
    expect(bytes(emoji)).toBeLessThanOrEqual(MAX_NAME_BYTES)
    expect(emoji.length % family.length).toBe(0)
    expect(emoji.split(family).every((s) => s === '')).toBe(true)
    // ASCII keeps its 80-character cap (existing keys do not change).
    expect(sanitizeName('x'.repeat(300))).toBe('x'.repeat(80))
    expect(sanitizeName('é'.repeat(79))).toBe('é'.repeat(79))
    // The whole last segment of the longest key stays within 255 bytes with the local folder's
    // temp-file decoration (`.{name}.{12 hex}.upshot-tmp`).
    const key = buildKey({
      prefix: 'p',
      sha256: SHA,
      stem: '🌅'.repeat(300),
      variant: 'a'.repeat(31),
      ext: 'webpwebpwe',
      tag: '1a2b3c4d',
    })
    const file = key.split('/').at(-1)!
    expect(bytes(`.${file}.${'0'.repeat(12)}.upshot-tmp`)).toBeLessThanOrEqual(255)
  })

  it('treats backslashes as separators in prefixes and drops what would climb on Windows', () => {
    expect(normalizePrefix('..\\..\\x')).toBe('x')
    expect(normalizePrefix('photos\\2026\\..\\june')).toBe('photos/2026/june')
    expect(normalizePrefix('a\\.\\b/')).toBe('a/b')
    expect(normalizePrefix('C:\\Users\\me')).toBe('C:/Users/me')
    // Windows drops trailing dots and spaces: `a.` and `a` would be the same folder there.
    expect(normalizePrefix('shots. /raw ./ ...')).toBe('shots/raw')
  })

  it('never makes a Windows device name, whatever the case or extension', () => {
    const file = (stem: string, ext = ''): string =>
      buildKey({ prefix: '', sha256: SHA, stem, variant: 'original', ext }).split('/')[1]!
    for (const dev of ['CON', 'con', 'Prn', 'AUX', 'nul', 'COM1', 'com9', 'LPT1', 'lpt³']) {
      expect(file(dev)).toBe(`${dev}_`)
      expect(file(dev, 'JPG')).toBe(`${dev}_.jpg`)
    }
    // An original's dots become dashes (inert names), so `nul.tar.gz` no longer starts with `nul.`.
    expect(file('nul.tar', 'gz')).toBe('nul-tar.gz')
    expect(
      buildKey({ prefix: '', sha256: SHA, stem: 'nul.tar', variant: 'thumb', ext: 'webp' }),
    ).toBe('0123456789abcdef/nul_.tar-thumb.webp')
    expect(
      buildKey({ prefix: 'aux/COM3.d', sha256: SHA, stem: 'CON', variant: 'original', ext: 'txt' }),
    ).toBe('aux_/COM3_.d/0123456789abcdef/CON_.txt')
    // Not a device name: left alone.
    expect(file('console', 'txt')).toBe('console.txt')
    expect(file('COM10')).toBe('COM10')
    expect(buildKey({ prefix: '', sha256: SHA, stem: 'con', variant: 'thumb', ext: 'webp' })).toBe(
      '0123456789abcdef/con-thumb.webp',
    )
  })

  it('splits extensions', () => {
    expect(splitExt('photo.final.JPG')).toEqual({ stem: 'photo.final', ext: 'jpg' })
    expect(splitExt('.hidden')).toEqual({ stem: '.hidden', ext: '' })
    expect(splitExt('README')).toEqual({ stem: 'README', ext: '' })
  })

  it('names a file kept as it is by its bytes or an inert extension, never one a server runs', () => {
    // What the bytes show wins over the name.
    expect(originalExt('pdf', 'pdf', 'php')).toBe('pdf')
    // Text, HTML and XML: the source's extension only when it is inert.
    expect(originalExt('', 'text', 'md')).toBe('md')
    expect(originalExt('', 'text', 'CSV')).toBe('csv')
    for (const ext of ['html', 'htm', 'shtml', 'xhtml', 'php', 'phtml', 'js', 'svg', 'xml', 'asp'])
      expect(originalExt('', ext === 'xml' ? 'xml' : 'text', ext)).toBe('txt')
    expect(originalExt('', 'html', 'html')).toBe('txt')
    // Unknown bytes: camera raws and office files keep theirs, anything else is .bin.
    expect(originalExt('', 'unknown', 'RAF')).toBe('raf')
    expect(originalExt('', 'unknown', 'doc')).toBe('doc')
    expect(originalExt('', 'unknown', 'php')).toBe('bin')
    expect(originalExt('', 'unknown', 'cgi')).toBe('bin')
    expect(originalExt('', 'unknown', '')).toBe('bin')
    // `shell.php.txt` would run as PHP under Apache's multiple extensions: no dots in the stem.
    expect(
      buildKey({ prefix: '', sha256: SHA, stem: 'shell.php', variant: 'original', ext: 'txt' }),
    ).toBe('0123456789abcdef/shell-php.txt')
    expect(
      buildKey({ prefix: '', sha256: SHA, stem: 'shell.php', variant: 'full', ext: 'webp' }),
    ).toBe('0123456789abcdef/shell.php-full.webp')
  })
})
