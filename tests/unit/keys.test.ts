import { describe, expect, it } from 'vitest'
import { buildKey, normalizePrefix, sanitizeName, splitExt } from '../../src/engine/keys'

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
})
