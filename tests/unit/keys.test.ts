import { describe, expect, it } from 'vitest'
import {
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
