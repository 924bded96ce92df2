// QueueModel.setMirror: a done job's mirror copies reach the window in the next patch, and the
// once-a-second reading of an unchanged state (core/mirror-watch.ts) sends nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { QueueMirror, QueuePatch } from '../../src/shared/api'
import { QueueModel } from '../../src/core/queue-model'

describe('QueueModel mirror status', () => {
  let sent: QueuePatch[]
  let model: QueueModel
  beforeEach(() => {
    vi.useFakeTimers()
    sent = []
    model = new QueueModel((p) => sent.push(p), 250)
    model.add({
      id: 'j1',
      source: '/photos/1.jpg',
      state: 'done',
      error: null,
      deduplicated: false,
      sourceBytes: 10,
      destinationName: 'Main',
      createdAt: 0,
    })
    model.watch({ view: 'queue', filter: 'all', start: 0, end: 10 })
  })
  afterEach(() => {
    model.close()
    vi.useRealTimers()
  })

  it('sends a change of the mirror status once, and nothing for the same status again', async () => {
    await vi.advanceTimersByTimeAsync(300)
    const before = sent.length
    const retrying: QueueMirror = {
      state: 'pending',
      mirrors: ['Backup'],
      error: { code: 'NETWORK', message: 'refused' },
    }
    model.setMirror('j1', retrying)
    await vi.advanceTimersByTimeAsync(300)
    expect(sent).toHaveLength(before + 1)
    expect(sent.at(-1)!.windows[0]!.rows.map((j) => [j.id, j.state, j.mirror])).toEqual([
      ['j1', 'done', retrying],
    ])
    model.setMirror('j1', { ...retrying, error: { ...retrying.error! } })
    await vi.advanceTimersByTimeAsync(300)
    expect(sent).toHaveLength(before + 1)
    model.setMirror('j1', { state: 'done', mirrors: ['Backup'], error: null })
    await vi.advanceTimersByTimeAsync(300)
    expect(sent.at(-1)!.windows[0]!.rows[0]!.mirror).toEqual({
      state: 'done',
      mirrors: ['Backup'],
      error: null,
    })
    expect(model.get('j1')?.mirror?.state).toBe('done')
    // An unknown job (cleared from the queue) is ignored.
    model.setMirror('gone', retrying)
    expect(model.get('gone')).toBeUndefined()
  })
})
