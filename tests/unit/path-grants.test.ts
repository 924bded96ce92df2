import { describe, expect, it } from 'vitest'
import { ForbiddenError, GRANT_TOKEN, PathGrants } from '../../src/core/path-grants'

describe('PathGrants', () => {
  it('gives an unguessable token per choice, good for its purpose only', () => {
    const grants = new PathGrants()
    const a = grants.issue('sync-folder', '/home/ada/Photos')
    const b = grants.issue('sync-folder', '/home/ada/Photos')
    expect(a).toMatch(GRANT_TOKEN)
    expect(a).not.toBe(b)
    expect(grants.peek(a, 'sync-folder')).toBe('/home/ada/Photos')
    expect(() => grants.peek(a, 'watermark-image')).toThrow(ForbiddenError)
    expect(() => grants.peek('/home/ada/Photos', 'sync-folder')).toThrow(
      /not chosen in this window/,
    )
    expect(() => grants.peek(`grant_${'A'.repeat(43)}`, 'sync-folder')).toThrow(ForbiddenError)
    grants.revoke(a)
    expect(() => grants.peek(a, 'sync-folder')).toThrow(ForbiddenError)
    expect(grants.peek(b, 'sync-folder')).toBe('/home/ada/Photos')
  })

  it('expires choices, and holds a bounded number', () => {
    let now = 1_000
    const grants = new PathGrants({ ttlMs: 60_000, max: 3, now: () => now })
    const old = grants.issue('watermark-image', '/a.png')
    now += 59_999
    expect(grants.peek(old, 'watermark-image')).toBe('/a.png')
    now += 1
    expect(() => grants.peek(old, 'watermark-image')).toThrow(/expired; choose it again/)
    const tokens = ['/1', '/2', '/3', '/4'].map((p) => grants.issue('sync-folder', p))
    expect(() => grants.peek(tokens[0]!, 'sync-folder')).toThrow(ForbiddenError)
    expect(tokens.slice(1).map((t) => grants.peek(t, 'sync-folder'))).toEqual(['/2', '/3', '/4'])
  })
})
