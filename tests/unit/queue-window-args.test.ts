import { describe, expect, it } from 'vitest'
import type { QueueRange } from '../../src/shared/api'
import { runCommand, type CommandHandlers } from '../../src/core/ipc-dispatch'
import { MAX_RANGE_ROWS } from '../../src/core/queue-window'

// watchQueue's range comes from a page: bounded integers, a sane span, a plain view name.
describe('watchQueue arguments', () => {
  const asked: QueueRange[] = []
  const handlers = {
    watchQueue: (range: QueueRange) => {
      asked.push(range)
      return { ...range, length: 0, ids: [], rows: [], overall: null, paused: false }
    },
  } as unknown as CommandHandlers

  it('passes a range within bounds to the core', async () => {
    const range = { view: 'abc-queue', filter: 'all', start: 100, end: 320 }
    const result = await runCommand('watchQueue', handlers, [range])
    expect(result.ok).toBe(true)
    expect(asked.at(-1)).toEqual(range)
  })

  it.each([
    ['a fractional start', { view: 'v', filter: 'all', start: 1.5, end: 10 }],
    ['a negative start', { view: 'v', filter: 'all', start: -1, end: 10 }],
    ['an end before the start', { view: 'v', filter: 'all', start: 10, end: 5 }],
    ['a span past the limit', { view: 'v', filter: 'all', start: 0, end: MAX_RANGE_ROWS + 1 }],
    ['a huge index', { view: 'v', filter: 'all', start: 1e12, end: 1e12 + 10 }],
    ['an unknown filter', { view: 'v', filter: 'failed', start: 0, end: 10 }],
    ['a view name with a path in it', { view: '../x', filter: 'all', start: 0, end: 10 }],
    ['an extra field', { view: 'v', filter: 'all', start: 0, end: 10, ids: ['x'] }],
    ['a string for a number', { view: 'v', filter: 'all', start: '0', end: 10 }],
  ])('refuses %s with BAD_REQUEST before the core sees it', async (_what, range) => {
    const before = asked.length
    const result = await runCommand('watchQueue', handlers, [range])
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(asked).toHaveLength(before)
  })
})
