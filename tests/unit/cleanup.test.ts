import { describe, expect, it } from 'vitest'
import { parseDuration } from '../../src/cli/units'
import { isUpshotKey } from '../../src/engine/cleanup'
import { isInUse, type LedgerUpload } from '../../src/engine/ledger/multipart-cleanup'

describe('cleanup', () => {
  it("recognises Upshot's key shape under the prefix only", () => {
    expect(isUpshotKey('blog/0123456789abcdef/photo-full.webp', 'blog')).toBe(true)
    expect(isUpshotKey('0123456789abcdef/a.bin', '')).toBe(true)
    expect(isUpshotKey('blog/0123456789abcdef/photo.webp', '/blog/')).toBe(true)
    expect(isUpshotKey('blog/backups/db.tar', 'blog')).toBe(false)
    expect(isUpshotKey('blog/0123456789ABCDEF/a.bin', 'blog')).toBe(false)
    expect(isUpshotKey('blog/0123456789abcdef/deeper/a.bin', 'blog')).toBe(false)
    expect(isUpshotKey('blog2/0123456789abcdef/a.bin', 'blog')).toBe(false)
    expect(isUpshotKey('other/0123456789abcdef/a.bin', '')).toBe(false)
  })

  it('counts an upload in use only while a live owner holds its job under lease', () => {
    const now = 1_000_000
    const base: LedgerUpload = {
      outputId: 1,
      key: 'k',
      uploadId: 'u',
      createdAt: 0,
      jobState: 'uploading',
      owner: 'host/1/a',
      leaseUntil: now + 1000,
    }
    const alive = (): boolean => false
    const dead = (): boolean => true
    expect(isInUse(base, alive, now)).toBe(true)
    expect(isInUse(base, dead, now)).toBe(false)
    expect(isInUse({ ...base, leaseUntil: now - 1 }, alive, now)).toBe(false)
    expect(isInUse({ ...base, jobState: 'processed', owner: null }, alive, now)).toBe(false)
    expect(isInUse({ ...base, jobState: 'failed' }, alive, now)).toBe(false)
  })

  it('parses --older-than durations and refuses anything else in one sentence', () => {
    expect(parseDuration('24h', '--older-than')).toBe(86_400_000)
    expect(parseDuration('7d', '--older-than')).toBe(7 * 86_400_000)
    expect(parseDuration('30m', '--older-than')).toBe(1_800_000)
    expect(parseDuration('1.5h', '--older-than')).toBe(5_400_000)
    expect(parseDuration('0', '--older-than')).toBe(0)
    expect(() => parseDuration('12', '--older-than')).toThrow(/is not a duration; use e.g. 30m/)
    expect(() => parseDuration('soon', '--older-than')).toThrow(/is not a duration/)
  })
})
